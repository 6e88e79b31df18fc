/**
 * `npm run bench:fairness`: does one tenant's flood delay another tenant? With the default
 * configuration, a quiet tenant sends BENCH_QUIET jobs (default 200) at a steady pace, first alone,
 * then while a noisy tenant floods the same queue with 9x as many (BENCH_FLOOD, default 1800)
 * enqueued at once just before. Latency = finishedOn - timestamp of each BullMQ job. For
 * reference, the same flood with the bridge admitting only the queue's concurrency
 * (BRIDGE_MAX_IN_FLIGHT=10, so the backlog waits in Redis in arrival order, as before).
 *
 * The same again with each tenant on its own BullMQ prefix (tenant-bound mode, issue 13): the flood
 * then waits in its own list, and the bridge reads the tenants' lists in turn.
 *
 * Also printed: the quiet jobs' time in Redis before the bridge took them (processedOn - timestamp),
 * and where the rest went, split at their workflow's start and close as Temporal recorded them.
 * `BENCH_ONLY=<scenario>` runs one scenario; with `TPW_CPU_PROFILE=bridge` (or worker) that process
 * writes a V8 CPU profile to /tmp/tpw-prof.
 * `BENCH_TEMPORAL=dev,server` runs each scenario on the dev server and on a Temporal server on
 * PostgreSQL started for the bench (bench/temporals.ts), and prints both, with their ratios; the
 * server's lines are marked `[server]`, and its last line comes just before the dev server's.
 * Last line, read by machines: `quiet tenant p95 under flood / alone: x<ratio>` (goal <= 2).
 */
import type { Job, Queue } from 'bullmq';
import { createTenantDatabase, databaseUrl, dropDatabase, query, seedBasics } from '../test/support/databases';
import { waitFor } from '../test/support/processes';
import { uniqueSuffix } from '../test/support/services';
import { startStack, stackEnv, stopStack } from '../test/support/stack';
import { auditEventData, testplanitQueue } from '../test/support/testplanit';
import { withTemporal } from '../test/support/temporal';
import { jobInstanceOf, tenantKeyOf, workflowIdForJob } from '../src/jobs/ids';
import { marked, withBenchTemporals, type BenchTemporal } from './temporals';

const FLOOD = Number(process.env.BENCH_FLOOD ?? 1800);
const QUIET = Number(process.env.BENCH_QUIET ?? 200);
/** The quiet tenant's pace: one job every this many ms. */
const QUIET_EVERY_MS = Number(process.env.BENCH_QUIET_EVERY_MS ?? 25);
/** Run only this scenario: alone, flood, ownalone or ownflood (the flood one unless its name ends in "alone"). */
const ONLY = process.env.BENCH_ONLY;
const suffix = uniqueSuffix();
const noisy = `noisy_${suffix}`;
const quiet = `quiet_${suffix}`;
const dbs = [`tpw_${noisy}`, `tpw_${quiet}`];

interface Scenario {
  label: string;
  quiet: number[];
  /** The quiet jobs' time in Redis before the bridge took them (processedOn - timestamp). */
  quietInRedis: number[];
  noisy: number[];
  /** The same for the flood: its last job's time in Redis is how long the bridge took to read it out. */
  noisyInRedis: number[];
  /** Where the quiet jobs spent their time (p95 of each leg, ms). */
  legs: QuietLegs;
  seconds: number;
  rows: number;
}

function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]!;
}

interface QuietLegs {
  /** Taken from Redis -> workflow started (validation, fair gate, start request). */
  toStart: number;
  /** Workflow started -> closed (Temporal and the worker). */
  running: number;
  /** Workflow closed -> job finished in Redis (result poll, moveToFinished). */
  settling: number;
  /** Quiet jobs that ran in their own workflow (the rest ran in a batch of the tenant's jobs). */
  alone: number;
}

/** Splits each quiet job's time at its workflow's start and close, from Temporal's own record of it. */
async function quietLegs(queue: Queue, jobs: Job[], tenantId: string, temporalAddress: string): Promise<QuietLegs> {
  const toStart: number[] = [];
  const running: number[] = [];
  const settling: number[] = [];
  let alone = 0;
  await withTemporal(async (client) => {
    for (let i = 0; i < jobs.length; i += 50) {
      await Promise.all(
        jobs.slice(i, i + 50).map(async (added) => {
          const job = (await queue.getJob(added.id!))!;
          // A job that ran with others names their batch workflow in its log; else its own (attempt made - 1).
          const { logs } = await queue.getJobLogs(job.id!);
          const batch = logs.map((line) => /^Ran in workflow (\S+)/.exec(line)?.[1]).find(Boolean);
          const workflowId =
            batch ?? workflowIdForJob(jobInstanceOf(tenantKeyOf(tenantId), 'audit-logs', job), job.attemptsMade - 1);
          const described = await client.workflow.getHandle(workflowId).describe();
          if (!batch) alone += 1;
          toStart.push(described.startTime.getTime() - job.processedOn!);
          running.push(described.closeTime!.getTime() - described.startTime.getTime());
          settling.push(job.finishedOn! - described.closeTime!.getTime());
        }),
      );
    }
  }, temporalAddress);
  const p95 = (values: number[]) =>
    percentile(
      values.sort((a, b) => a - b),
      95,
    );
  return { toStart: p95(toStart), running: p95(running), settling: p95(settling), alone };
}

/**
 * Each job's finishedOn - timestamp (`finished`) and processedOn - timestamp (`taken`, its wait in
 * Redis), both sorted, from one read of every job.
 */
async function latencies(queue: Queue, jobs: Job[]): Promise<{ finished: number[]; taken: number[] }> {
  const finished: number[] = [];
  const taken: number[] = [];
  for (let i = 0; i < jobs.length; i += 500) {
    const batch = await Promise.all(jobs.slice(i, i + 500).map((job) => queue.getJob(job.id!)));
    for (const job of batch) {
      finished.push(job!.finishedOn! - job!.timestamp);
      taken.push(job!.processedOn! - job!.timestamp);
    }
  }
  const sorted = (values: number[]) => values.sort((a, b) => a - b);
  return { finished: sorted(finished), taken: sorted(taken) };
}

async function scenario(
  label: string,
  flood: number,
  extraEnv: Record<string, string>,
  temporal: BenchTemporal,
  ownPrefixes = false,
): Promise<Scenario> {
  // Prefixes, task queues and audit rows of their own per Temporal (the tenants' databases are shared).
  const key = temporal.kind === 'dev' ? label : `${temporal.kind}${label}`;
  const name = `fair${key.replace(/\W/g, '').slice(0, 12)}`;
  const prefix = `${name}${suffix}`; // stackEnv's BULLMQ_PREFIX
  const own = (tenant: string): Record<string, string> => (ownPrefixes ? { bullmqPrefix: `${prefix}-${tenant}` } : {});
  const env = stackEnv({
    name,
    suffix,
    tenants: {
      [noisy]: { databaseUrl: databaseUrl(dbs[0]!), ...own(noisy) },
      [quiet]: { databaseUrl: databaseUrl(dbs[1]!), ...own(quiet) },
    },
    extra: { BRIDGE_QUEUES: 'audit-logs', WORKER_QUEUES: 'audit-logs', ...extraEnv },
    temporalAddress: temporal.address,
  });
  const { worker, bridge } = await startStack(env);
  const noisyQueue: Queue = testplanitQueue('audit-logs', ownPrefixes ? `${prefix}-${noisy}` : prefix);
  const queue: Queue = testplanitQueue('audit-logs', ownPrefixes ? `${prefix}-${quiet}` : prefix);
  const queuesOf = ownPrefixes ? [noisyQueue, queue] : [queue];
  const started = Date.now();
  try {
    const floodJobs: Job[] = [];
    for (let i = 0; i < flood; i += 500) {
      floodJobs.push(
        ...(await noisyQueue.addBulk(
          Array.from({ length: Math.min(500, flood - i) }, (_, k) => ({
            name: 'audit-event',
            data: auditEventData({ tenantId: noisy, entityId: `${key}-n${i + k}` }),
          })),
        )),
      );
    }
    const quietJobs: Job[] = [];
    for (let i = 0; i < QUIET; i += 1) {
      quietJobs.push(await queue.add('audit-event', auditEventData({ tenantId: quiet, entityId: `${key}-q${i}` })));
      await new Promise((resolve) => setTimeout(resolve, QUIET_EVERY_MS));
    }
    const total = flood + QUIET;
    await waitFor(
      async () => ((await completedOf(queuesOf)) >= total ? true : undefined),
      900_000,
      async () => `${label}: ${JSON.stringify(await Promise.all(queuesOf.map((q) => q.getJobCounts())))}`,
      100,
    );
    const seconds = (Date.now() - started) / 1000;
    const failed = (await Promise.all(queuesOf.map((q) => q.getJobCounts('failed')))).reduce(
      (sum, counts) => sum + counts.failed!,
      0,
    );
    if (failed > 0) throw new Error(`${label}: ${failed} jobs failed`);
    let rows = 0;
    for (const db of dbs) {
      const [row] = await query<{ n: string }>(
        databaseUrl(db),
        `SELECT count(DISTINCT "entityId") AS n FROM "AuditLog" WHERE "entityId" LIKE $1`,
        [`${key}-%`],
      );
      rows += Number(row!.n);
    }
    if (rows !== total) throw new Error(`${label}: ${rows} audit rows for ${total} jobs`);
    const [quietTimes, noisyTimes] = [await latencies(queue, quietJobs), await latencies(noisyQueue, floodJobs)];
    return {
      label,
      quiet: quietTimes.finished,
      quietInRedis: quietTimes.taken,
      noisy: noisyTimes.finished,
      noisyInRedis: noisyTimes.taken,
      legs: await quietLegs(queue, quietJobs, quiet, temporal.address),
      seconds,
      rows,
    };
  } finally {
    await stopStack(bridge, worker);
    for (const q of new Set([noisyQueue, queue])) {
      await q.obliterate({ force: true });
      await q.close();
    }
  }
}

async function completedOf(queues: Queue[]): Promise<number> {
  const counts = await Promise.all(queues.map((q) => q.getJobCounts('completed')));
  return counts.reduce((sum, c) => sum + c.completed!, 0);
}

/**
 * The scenarios, in the order they run: alternating, so neither mode always runs on a server busier
 * with earlier scenarios' histories.
 */
const SCENARIOS = {
  alone: { flood: 0, env: {}, ownPrefixes: false },
  ownalone: { flood: 0, env: {}, ownPrefixes: true },
  flood: { flood: FLOOD, env: {}, ownPrefixes: false },
  ownflood: { flood: FLOOD, env: {}, ownPrefixes: true },
  fifo: { flood: FLOOD, env: { BRIDGE_MAX_IN_FLIGHT: '10' }, ownPrefixes: false },
} as const;
type ScenarioName = keyof typeof SCENARIOS;

const ROWS: [string, ScenarioName][] = [
  ['quiet tenant alone (default configuration)', 'alone'],
  ['under flood (default configuration)', 'flood'],
  ['under flood, admission = concurrency (FIFO)', 'fifo'],
  ['own prefixes: quiet tenant alone', 'ownalone'],
  ['own prefixes: under flood', 'ownflood'],
];

async function main(): Promise<void> {
  for (const db of dbs) await seedBasics(await createTenantDatabase(db));
  try {
    await withBenchTemporals(async (temporals) => {
      const [reference, ...others] = temporals as [BenchTemporal, ...BenchTemporal[]];
      const several = temporals.length > 1;
      if (ONLY) {
        // One scenario, for profiling (TPW_CPU_PROFILE=bridge|worker) or a quick look.
        for (const temporal of temporals) {
          const r = await scenario(ONLY, ONLY.endsWith('alone') ? 0 : FLOOD, {}, temporal, ONLY.startsWith('own'));
          console.log(
            marked(
              temporal,
              reference,
              `${ONLY}: quiet p50/p95 ${percentile(r.quiet, 50)}/${percentile(r.quiet, 95)} ms, in Redis p95 ${percentile(r.quietInRedis, 95)} ms; flood in Redis max ${r.noisyInRedis.at(-1) ?? '-'} ms; legs p95 ${r.legs.toStart}/${r.legs.running}/${r.legs.settling} ms; ${(r.rows / r.seconds).toFixed(1)} jobs/s`,
            ),
          );
        }
        return;
      }
      const results = new Map<BenchTemporal, Record<ScenarioName, Scenario>>(
        temporals.map((t) => [t, {} as Record<ScenarioName, Scenario>]),
      );
      // Each scenario on each Temporal in turn, so both see the machine as busy as the other.
      for (const [name, s] of Object.entries(SCENARIOS) as [ScenarioName, (typeof SCENARIOS)[ScenarioName]][])
        for (const temporal of temporals)
          results.get(temporal)![name] = await scenario(name, s.flood, s.env, temporal, s.ownPrefixes);

      console.log(
        `\naudit-logs, worker concurrency 10; quiet tenant: ${QUIET} jobs, one every ${QUIET_EVERY_MS} ms; noisy tenant: ${FLOOD} jobs at once (${Math.round((100 * FLOOD) / (FLOOD + QUIET))} % of the load)`,
      );
      const group = (temporal: BenchTemporal) => {
        if (several) console.log(`${temporal.kind}: ${temporal.description} (${temporal.address})`);
      };
      console.log(
        'scenario                                        quiet p50  quiet p95  quiet max  in Redis p95  noisy p50  noisy max  jobs/s',
      );
      for (const temporal of temporals) {
        group(temporal);
        for (const [name, key] of ROWS) {
          const r = results.get(temporal)![key];
          console.log(
            `${name.padEnd(46)} ${String(percentile(r.quiet, 50)).padStart(10)} ${String(percentile(r.quiet, 95)).padStart(10)} ${String(r.quiet.at(-1)).padStart(10)} ${String(percentile(r.quietInRedis, 95)).padStart(13)} ${String(percentile(r.noisy, 50)).padStart(10)} ${String(r.noisy.at(-1) ?? '-').padStart(10)} ${(r.rows / r.seconds).toFixed(1).padStart(7)}`,
          );
        }
      }
      console.log('\nquiet jobs, p95 of each leg (ms): taken from Redis -> workflow started -> closed -> job finished');
      for (const temporal of temporals) {
        group(temporal);
        const r = results.get(temporal)!;
        for (const [name, s] of [
          ['alone', r.alone],
          ['under flood', r.flood],
          ['own prefixes: alone', r.ownalone],
          ['own prefixes: under flood', r.ownflood],
        ] as const)
          console.log(
            `${name.padEnd(46)} ${String(s.legs.toStart).padStart(10)} ${String(s.legs.running).padStart(10)} ${String(s.legs.settling).padStart(10)}   (${s.legs.alone} of ${s.quiet.length} in a workflow of their own)`,
          );
      }
      for (const other of others) {
        console.log(`\n${other.kind} / ${reference.kind}, same scenario:`);
        for (const [name, key] of ROWS) {
          const [o, r] = [results.get(other)![key], results.get(reference)![key]];
          const x = (a: number, b: number) => `x${(a / b).toFixed(2)}`;
          const noisyP50 = key.endsWith('alone')
            ? ''
            : `, noisy p50 ${x(percentile(o.noisy, 50), percentile(r.noisy, 50))}`;
          console.log(
            `  ${name}: quiet p50 ${x(percentile(o.quiet, 50), percentile(r.quiet, 50))}, quiet p95 ${x(percentile(o.quiet, 95), percentile(r.quiet, 95))}${noisyP50}, jobs/s ${x(o.rows / o.seconds, r.rows / r.seconds)}`,
          );
        }
      }
      if (several)
        console.log(
          `\nlines marked [${others.map((t) => t.kind).join('], [')}]: on that Temporal; unmarked: ${reference.kind}`,
        );
      // The reference Temporal's line last of each pair, so the run's last line is as without BENCH_TEMPORAL.
      const inOrder = [...others, reference];
      const ratio = (r: Record<ScenarioName, Scenario>, under: ScenarioName, alone: ScenarioName) =>
        (percentile(r[under].quiet, 95) / percentile(r[alone].quiet, 95)).toFixed(2);
      for (const t of inOrder)
        console.log(
          marked(
            t,
            reference,
            `FIFO admission for reference: quiet p95 x${ratio(results.get(t)!, 'fifo', 'alone')} alone`,
          ),
        );
      for (const t of inOrder)
        console.log(
          marked(
            t,
            reference,
            `own prefixes (tenant-bound mode): quiet p95 under flood / alone: x${ratio(results.get(t)!, 'ownflood', 'ownalone')}`,
          ),
        );
      for (const t of inOrder)
        console.log(
          marked(t, reference, `quiet tenant p95 under flood / alone: x${ratio(results.get(t)!, 'flood', 'alone')}`),
        );
    });
  } finally {
    for (const db of dbs) await dropDatabase(db);
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
