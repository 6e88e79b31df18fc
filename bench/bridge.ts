/**
 * `npm run bench:bridge`: the same audit-event jobs (two tenants), at equal execution concurrency
 * (the family's worker slots), through
 *   (a) a plain BullMQ worker running the same insert in-process, as TestPlanIt's worker does,
 *   (b) the bridge and the Temporal worker as separate processes (default configuration, which
 *       batches a tenant's waiting audit events into one workflow per turn),
 *   (c) bridge and worker in one process (`npm start`), whose starts are eager,
 *   (d) as (b) with batching off (BRIDGE_BATCH_MAX_JOBS=1): one workflow per job,
 *   (e) those one-per-job workflows started and awaited straight from the SDK client, as many at
 *       once as the bridge's start window: the ceiling (d) is held to.
 *
 * Env: BENCH_JOBS (default 2000), BENCH_CONCURRENCY (comma list, default "10,50"), BENCH_TEMPORAL
 * (default "dev"; "dev,server" runs (b) to (e) against the dev server and a Temporal server on PostgreSQL
 * started for the bench, each scenario on one then the other, and prints both with their ratios:
 * bench/temporals.ts). (a) uses no Temporal and runs once per concurrency.
 */
import { Worker, type Job, type Queue } from 'bullmq';
import { Client, Connection } from '@temporalio/client';
import { createAuditActivities } from '../src/activities/audit';
import { defaultStartWindow } from '../src/config';
import { jobInstanceOf, jobInstanceKey, taskQueueFor } from '../src/jobs/ids';
import type { JobWorkflowInput } from '../src/jobs/jobInput';
import { auditEventPayload, type AuditEventPayload } from '../src/jobs/payloads';
import { EmailLedger } from '../src/email/ledger';
import { createLogger } from '../src/logging';
import { createRedisConnection } from '../src/redis';
import { ElasticsearchClients } from '../src/tenancy/elasticsearch';
import { TenantPrismaPool } from '../src/tenancy/prismaPool';
import { TenantRegistry } from '../src/tenancy/registry';
import { createTenantDatabase, databaseUrl, dropDatabase, query, seedBasics } from '../test/support/databases';
import { startApp, stopApp, waitFor } from '../test/support/processes';
import { services, uniqueSuffix } from '../test/support/services';
import { auditEventData, testplanitQueue } from '../test/support/testplanit';
import { ExportStore } from '../src/testmo/exportSource';
import { marked, withBenchTemporals, type BenchTemporal } from './temporals';

const JOBS = Number(process.env.BENCH_JOBS ?? 2000);
const CONCURRENCIES = (process.env.BENCH_CONCURRENCY ?? '10,50').split(',').map(Number);
const suffix = uniqueSuffix();
const tenants = [`bench_a_${suffix}`, `bench_b_${suffix}`];
const dbs = tenants.map((t) => `tpw_${t}`);
const tenantConfigs = JSON.stringify(
  Object.fromEntries(tenants.map((t, i) => [t, { databaseUrl: databaseUrl(dbs[i]!) }])),
);
const logger = createLogger('bench', 'warn');

interface Row {
  mode: string;
  /** The Temporal it ran on; none for the plain BullMQ worker. */
  temporal?: BenchTemporal;
  concurrency: number;
  jobs: number;
  seconds: number;
  perSecond: number;
  p50?: number;
  p99?: number;
}

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
}

async function enqueueAll(queue: Queue, run: string): Promise<string[]> {
  const bulk = Array.from({ length: JOBS }, (_, i) => {
    const tenantId = tenants[i % tenants.length]!;
    const data = auditEventData({ tenantId, entityId: `${run}-${i}`, projectId: 1 });
    return { name: 'audit-event', data, opts: { jobId: `CREATE-RepositoryCases-${run}-${i}-${Date.now()}` } };
  });
  const added: Job[] = [];
  for (let i = 0; i < bulk.length; i += 500) added.push(...(await queue.addBulk(bulk.slice(i, i + 500))));
  return added.map((job) => job.id!);
}

/** Enqueues JOBS jobs at once and measures until the last completes; latency = finishedOn - timestamp. */
async function measure(mode: string, concurrency: number, queue: Queue, run: string): Promise<Row> {
  const started = Date.now();
  const ids = await enqueueAll(queue, run);
  await waitFor(
    async () => ((await queue.getJobCounts('completed')).completed! >= JOBS ? true : undefined),
    600_000,
    async () => `${mode}: ${JSON.stringify(await queue.getJobCounts())}`,
    50,
  );
  const seconds = (Date.now() - started) / 1000;
  const failed = (await queue.getJobCounts('failed')).failed!;
  if (failed > 0) throw new Error(`${mode}: ${failed} jobs failed`);
  const latencies: number[] = [];
  for (let i = 0; i < ids.length; i += 500) {
    const jobs = await Promise.all(ids.slice(i, i + 500).map((id) => queue.getJob(id)));
    for (const job of jobs) latencies.push(job!.finishedOn! - job!.timestamp);
  }
  return checkedRow(mode, mode, concurrency, run, seconds, latencies);
}

/** Checks that every tenant got exactly its share of audit rows for `run`, then the figures of the run. */
async function checkedRow(
  mode: string,
  label: string,
  concurrency: number,
  run: string,
  seconds: number,
  latencies: number[],
): Promise<Row> {
  latencies.sort((a, b) => a - b);
  for (const [i, db] of dbs.entries()) {
    const [row] = await query<{ n: string }>(
      databaseUrl(db),
      `SELECT count(*) AS n FROM "AuditLog" WHERE "entityId" LIKE $1`,
      [`${run}-%`],
    );
    if (Number(row!.n) !== JOBS / tenants.length)
      throw new Error(`${label}: tenant ${tenants[i]} has ${row!.n} rows, expected ${JOBS / tenants.length}`);
  }
  return {
    mode,
    concurrency,
    jobs: JOBS,
    seconds,
    perSecond: JOBS / seconds,
    p50: percentile(latencies, 50),
    p99: percentile(latencies, 99),
  };
}

async function plainBullmq(concurrency: number): Promise<Row> {
  const prefix = `benchplain${suffix}c${concurrency}`;
  const queue = testplanitQueue('audit-logs', prefix);
  const registry = new TenantRegistry(
    {
      mode: 'multi',
      reloadMinIntervalMs: 5000,
      sources: { configFile: '/nonexistent', configFileRequired: false, configsJson: tenantConfigs, env: {} },
    },
    logger,
  );
  const databases = new TenantPrismaPool({ maxClients: 50, connectionsPerClient: 5, idleTimeoutMs: 60_000 }, logger);
  const redis = createRedisConnection(services.redisUrl, { name: 'bench', logger });
  const { recordAuditEvent } = createAuditActivities({
    tenants: registry,
    databases,
    search: new ElasticsearchClients(),
    logger,
    emailLedger: new EmailLedger(redis),
    reindex: { chunkSize: 1_000, bulkFlushBytes: 5_000_000, bulkConcurrency: 2 },
    defaultBaseUrl: 'http://localhost:3000',
    testmoExports: new ExportStore({ region: 'us-east-1' }),
    testmoImport: { chunkSize: 500, chunkRunMs: 3_000, stagingBatchSize: 1_000 },
    enqueueJob: () => Promise.reject(new Error('audit events enqueue nothing')),
  });
  const worker = new Worker(
    'audit-logs',
    async (job) => {
      const payload = auditEventPayload.parse(job.data) as AuditEventPayload;
      const tenant = registry.resolve(payload.tenantId);
      const input: JobWorkflowInput<AuditEventPayload> = {
        origin: {
          queue: 'audit-logs',
          jobName: job.name,
          jobId: job.id!,
          tenantId: tenant.tenantId,
          idempotencyKey: jobInstanceKey(jobInstanceOf(tenant.key, 'audit-logs', job)),
        },
        payload,
      };
      await recordAuditEvent(input);
    },
    { connection: { url: services.redisUrl, maxRetriesPerRequest: null }, prefix, concurrency },
  );
  try {
    return await measure('plain BullMQ worker', concurrency, queue, `plain${concurrency}`);
  } finally {
    await worker.close();
    await databases.close();
    redis.disconnect();
    await queue.obliterate({ force: true });
    await queue.close();
  }
}

function appEnv(
  prefix: string,
  taskQueuePrefix: string,
  concurrency: number,
  temporal: BenchTemporal,
): Record<string, string> {
  return {
    MULTI_TENANT_MODE: 'true',
    TENANT_CONFIGS: tenantConfigs,
    VALKEY_URL: services.redisUrl,
    TEMPORAL_ADDRESS: temporal.address,
    BULLMQ_PREFIX: prefix,
    TEMPORAL_TASK_QUEUE_PREFIX: taskQueuePrefix,
    SCHEDULES_SYNC_ON_START: 'false',
    AUDIT_LOG_CONCURRENCY: String(concurrency),
    WORKER_QUEUES: 'audit-logs',
    BRIDGE_QUEUES: 'audit-logs',
    LOG_LEVEL: 'warn',
  };
}

const BRIDGE_MODES = {
  'bridge, worker apart': { oneProcess: false, env: {} },
  'bridge+worker, 1 process': { oneProcess: true, env: {} },
  'bridge apart, no batches': { oneProcess: false, env: { BRIDGE_BATCH_MAX_JOBS: '1' } },
} as const;

async function bridgeAndTemporal(
  concurrency: number,
  mode: keyof typeof BRIDGE_MODES,
  temporal: BenchTemporal,
): Promise<Row> {
  const { oneProcess, env: modeEnv } = BRIDGE_MODES[mode];
  // Prefixes and audit rows of their own per Temporal (the tenants' databases are shared).
  const tag = `${Object.keys(BRIDGE_MODES).indexOf(mode)}${temporal.kind === 'dev' ? '' : temporal.kind}`;
  const prefix = `benchbridge${suffix}c${concurrency}m${tag}`;
  const env = { ...appEnv(prefix, `bench-${suffix}-c${concurrency}-m${tag}`, concurrency, temporal), ...modeEnv };
  const apps = oneProcess
    ? [await startApp('all', { ...env, LOG_LEVEL: 'info' })]
    : [
        await startApp('worker', { ...env, LOG_LEVEL: 'info' }),
        await startApp('bridge', { ...env, LOG_LEVEL: 'info' }),
      ];
  const queue = testplanitQueue('audit-logs', prefix);
  try {
    return { ...(await measure(mode, concurrency, queue, `${prefix}`)), temporal };
  } finally {
    for (const app of apps.reverse()) await stopApp(app);
    await queue.obliterate({ force: true });
    await queue.close();
  }
}

/** The same workflows with the same inputs, started and awaited by the SDK client alone. */
async function sdkDirect(client: Client, concurrency: number, temporal: BenchTemporal): Promise<Row> {
  const tag = temporal.kind === 'dev' ? '' : temporal.kind;
  const taskQueuePrefix = `bench-${suffix}-c${concurrency}-sdk${tag}`;
  const worker = await startApp('worker', {
    ...appEnv(`benchsdk${suffix}`, taskQueuePrefix, concurrency, temporal),
    LOG_LEVEL: 'info',
  });
  const inFlight = defaultStartWindow(concurrency);
  const run = `sdk${concurrency}${tag}`;
  const latencies: number[] = [];
  let next = 0;
  const started = Date.now();
  try {
    await Promise.all(
      Array.from({ length: inFlight }, async () => {
        while (next < JOBS) {
          const i = next++;
          const tenantId = tenants[i % tenants.length]!;
          const jobId = `${run}-${i}`;
          const idempotencyKey = jobInstanceKey({
            tenantKey: tenantId,
            queue: 'audit-logs',
            jobId,
            createdAt: started,
          });
          const payload = auditEventPayload.parse(auditEventData({ tenantId, entityId: `${run}-${i}`, projectId: 1 }));
          const handle = await client.workflow.start('auditEventWorkflow', {
            taskQueue: taskQueueFor(taskQueuePrefix, 'audit-logs'),
            workflowId: `${idempotencyKey}/attempt-0`,
            args: [
              { origin: { queue: 'audit-logs', jobName: 'audit-event', jobId, tenantId, idempotencyKey }, payload },
            ],
            priority: { fairnessKey: tenantId },
          });
          await handle.result();
          latencies.push(Date.now() - started);
        }
      }),
    );
  } finally {
    await stopApp(worker);
  }
  const seconds = (Date.now() - started) / 1000;
  return { ...(await checkedRow('one per job via SDK', 'SDK', concurrency, run, seconds, latencies)), temporal };
}

const TEMPORAL_MODES = [
  'bridge, worker apart',
  'bridge+worker, 1 process',
  'bridge apart, no batches',
  'one per job via SDK',
];

/** The table; with several Temporals a column for each row's, then each scenario's figures relative to the first's. */
function printTable(rows: Row[], temporals: BenchTemporal[]): void {
  const fmt = (n: number | undefined, digits = 0) => (n === undefined ? '-' : n.toFixed(digits));
  const several = temporals.length > 1;
  const column = (r: Row) => (several ? ` ${(r.temporal?.kind ?? '-').padEnd(8)}` : '');
  console.log(
    `\nmode                        ${several ? 'temporal ' : ''}conc   jobs  seconds   jobs/s   p50 ms   p99 ms`,
  );
  for (const r of rows) {
    console.log(
      `${r.mode.padEnd(27)}${column(r)} ${String(r.concurrency).padStart(4)} ${String(r.jobs).padStart(6)} ${fmt(r.seconds, 2).padStart(8)} ${fmt(r.perSecond, 1).padStart(8)} ${fmt(r.p50).padStart(8)} ${fmt(r.p99).padStart(8)}`,
    );
  }
  const [reference, ...others] = temporals as [BenchTemporal, ...BenchTemporal[]];
  const of = (mode: string, c: number, temporal?: BenchTemporal) =>
    rows.find((r) => r.mode === mode && r.concurrency === c && (r.temporal === undefined || r.temporal === temporal))!;
  for (const other of others) {
    console.log(`\n${other.kind} / ${reference.kind}, same scenario (${other.kind}: ${other.description}):`);
    for (const c of CONCURRENCIES)
      for (const mode of TEMPORAL_MODES) {
        const [o, r] = [of(mode, c, other), of(mode, c, reference)];
        console.log(
          `  concurrency ${c}, ${mode}: jobs/s x${(o.perSecond / r.perSecond).toFixed(2)}, p50 x${(o.p50! / r.p50!).toFixed(2)}, p99 x${(o.p99! / r.p99!).toFixed(2)}`,
        );
      }
  }
  if (several)
    console.log(
      `\nlines marked [${others.map((t) => t.kind).join('], [')}]: on that Temporal; unmarked: ${reference.kind}`,
    );
  console.log(
    `${several ? '' : '\n'}ratios at equal execution concurrency (goals: bridge x0.5 of plain BullMQ; one workflow per job x0.9 of the SDK):`,
  );
  // The reference Temporal's line last of each pair, so the run's last line is as without BENCH_TEMPORAL.
  const inOrder = [...others, reference];
  for (const c of CONCURRENCIES) {
    const plain = of('plain BullMQ worker', c);
    for (const mode of ['bridge, worker apart', 'bridge+worker, 1 process'])
      for (const temporal of inOrder) {
        const bridge = of(mode, c, temporal);
        console.log(
          marked(
            temporal,
            reference,
            `  concurrency ${c}, ${mode}: x${(bridge.perSecond / plain.perSecond).toFixed(2)} plain BullMQ; p50 x${(bridge.p50! / plain.p50!).toFixed(2)}, p99 x${(bridge.p99! / plain.p99!).toFixed(2)}`,
          ),
        );
      }
    for (const temporal of inOrder) {
      const sdk = of('one per job via SDK', c, temporal);
      const unbatched = of('bridge apart, no batches', c, temporal);
      console.log(
        marked(
          temporal,
          reference,
          `  concurrency ${c}, bridge apart, no batches: x${(unbatched.perSecond / sdk.perSecond).toFixed(2)} the same workflows via SDK, x${(unbatched.perSecond / plain.perSecond).toFixed(2)} plain BullMQ`,
        ),
      );
    }
  }
}

async function main(): Promise<void> {
  for (const db of dbs) await seedBasics(await createTenantDatabase(db));
  try {
    await withBenchTemporals(async (temporals) => {
      const clients = new Map<BenchTemporal, Client>();
      try {
        for (const temporal of temporals)
          clients.set(temporal, new Client({ connection: await Connection.connect({ address: temporal.address }) }));
        const rows: Row[] = [];
        // Scenario by scenario, each Temporal in turn, so both see the machine as busy as the other.
        for (const concurrency of CONCURRENCIES) {
          rows.push(await plainBullmq(concurrency));
          for (const mode of Object.keys(BRIDGE_MODES) as (keyof typeof BRIDGE_MODES)[])
            for (const temporal of temporals) rows.push(await bridgeAndTemporal(concurrency, mode, temporal));
          for (const temporal of temporals) rows.push(await sdkDirect(clients.get(temporal)!, concurrency, temporal));
          console.log(`concurrency ${concurrency} done`);
        }
        console.log(
          `\n${JOBS} audit-event jobs, ${tenants.length} tenants, ${new Date().toISOString()}, ${require('node:os').cpus().length} cores`,
        );
        if (temporals.length > 1)
          console.log(`Temporal: ${temporals.map((t) => `${t.kind} = ${t.description} (${t.address})`).join('; ')}`);
        printTable(rows, temporals);
      } finally {
        for (const client of clients.values()) await client.connection.close();
      }
    });
  } finally {
    for (const db of dbs) await dropDatabase(db);
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
