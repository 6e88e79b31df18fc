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
 * Also printed: the quiet jobs' time in Redis before the bridge took them (processedOn - timestamp).
 * Last line, read by machines: `quiet tenant p95 under flood / alone: x<ratio>` (goal <= 2).
 */
import type { Job, Queue } from 'bullmq';
import { createTenantDatabase, databaseUrl, dropDatabase, query, seedBasics } from '../test/support/databases';
import { waitFor } from '../test/support/processes';
import { uniqueSuffix } from '../test/support/services';
import { startStack, stackEnv, stopStack } from '../test/support/stack';
import { auditEventData, testplanitQueue } from '../test/support/testplanit';

const FLOOD = Number(process.env.BENCH_FLOOD ?? 1800);
const QUIET = Number(process.env.BENCH_QUIET ?? 200);
/** The quiet tenant's pace: one job every this many ms. */
const QUIET_EVERY_MS = Number(process.env.BENCH_QUIET_EVERY_MS ?? 25);
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
  seconds: number;
  rows: number;
}

function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]!;
}

/** finishedOn - timestamp of each job, or with `until: 'taken'` processedOn - timestamp (its wait in Redis). */
async function latencies(queue: Queue, jobs: Job[], until: 'finished' | 'taken' = 'finished'): Promise<number[]> {
  const values: number[] = [];
  for (let i = 0; i < jobs.length; i += 500) {
    const batch = await Promise.all(jobs.slice(i, i + 500).map((job) => queue.getJob(job.id!)));
    for (const job of batch)
      values.push((until === 'finished' ? job!.finishedOn! : job!.processedOn!) - job!.timestamp);
  }
  return values.sort((a, b) => a - b);
}

async function scenario(
  label: string,
  flood: number,
  extraEnv: Record<string, string>,
  ownPrefixes = false,
): Promise<Scenario> {
  const name = `fair${label.replace(/\W/g, '').slice(0, 12)}`;
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
            data: auditEventData({ tenantId: noisy, entityId: `${label}-n${i + k}` }),
          })),
        )),
      );
    }
    const quietJobs: Job[] = [];
    for (let i = 0; i < QUIET; i += 1) {
      quietJobs.push(await queue.add('audit-event', auditEventData({ tenantId: quiet, entityId: `${label}-q${i}` })));
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
        [`${label}-%`],
      );
      rows += Number(row!.n);
    }
    if (rows !== total) throw new Error(`${label}: ${rows} audit rows for ${total} jobs`);
    return {
      label,
      quiet: await latencies(queue, quietJobs),
      quietInRedis: await latencies(queue, quietJobs, 'taken'),
      noisy: await latencies(noisyQueue, floodJobs),
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

async function main(): Promise<void> {
  for (const db of dbs) await seedBasics(await createTenantDatabase(db));
  try {
    // Alternating, so neither mode always runs on a server busier with earlier scenarios' histories.
    const alone = await scenario('alone', 0, {});
    const ownAlone = await scenario('ownalone', 0, {}, true);
    const flooded = await scenario('flood', FLOOD, {});
    const ownFlooded = await scenario('ownflood', FLOOD, {}, true);
    const fifo = await scenario('fifo', FLOOD, { BRIDGE_MAX_IN_FLIGHT: '10' });
    console.log(
      `\naudit-logs, worker concurrency 10; quiet tenant: ${QUIET} jobs, one every ${QUIET_EVERY_MS} ms; noisy tenant: ${FLOOD} jobs at once (${Math.round((100 * FLOOD) / (FLOOD + QUIET))} % of the load)`,
    );
    console.log(
      'scenario                                        quiet p50  quiet p95  quiet max  in Redis p95  noisy p50  noisy max  jobs/s',
    );
    const line = (name: string, r: Scenario) =>
      console.log(
        `${name.padEnd(46)} ${String(percentile(r.quiet, 50)).padStart(10)} ${String(percentile(r.quiet, 95)).padStart(10)} ${String(r.quiet.at(-1)).padStart(10)} ${String(percentile(r.quietInRedis, 95)).padStart(13)} ${String(percentile(r.noisy, 50)).padStart(10)} ${String(r.noisy.at(-1) ?? '-').padStart(10)} ${(r.rows / r.seconds).toFixed(1).padStart(7)}`,
      );
    line('quiet tenant alone (default configuration)', alone);
    line('under flood (default configuration)', flooded);
    line('under flood, admission = concurrency (FIFO)', fifo);
    line('own prefixes: quiet tenant alone', ownAlone);
    line('own prefixes: under flood', ownFlooded);
    console.log(
      `FIFO admission for reference: quiet p95 x${(percentile(fifo.quiet, 95) / percentile(alone.quiet, 95)).toFixed(2)} alone`,
    );
    console.log(
      `own prefixes (tenant-bound mode): quiet p95 under flood / alone: x${(percentile(ownFlooded.quiet, 95) / percentile(ownAlone.quiet, 95)).toFixed(2)}`,
    );
    console.log(
      `quiet tenant p95 under flood / alone: x${(percentile(flooded.quiet, 95) / percentile(alone.quiet, 95)).toFixed(2)}`,
    );
  } finally {
    for (const db of dbs) await dropDatabase(db);
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
