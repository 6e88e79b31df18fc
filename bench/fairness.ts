/**
 * `npm run bench:fairness`: a noisy tenant floods the audit queue (BENCH_FLOOD, default 400 jobs),
 * then a quiet tenant enqueues BENCH_QUIET (default 10). Prints how long the quiet tenant's jobs
 * took, (a) with the bridge admitting jobs at the queue's concurrency (backlog waits in Redis, FIFO)
 * and (b) with BRIDGE_MAX_IN_FLIGHT above it (backlog waits in Temporal, fairness key = tenant).
 */
import type { Queue } from 'bullmq';
import { createTenantDatabase, databaseUrl, dropDatabase, seedBasics } from '../test/support/databases';
import { startApp, stopApp, waitFor } from '../test/support/processes';
import { services, uniqueSuffix } from '../test/support/services';
import { enqueueAuditEvent, testplanitQueue } from '../test/support/testplanit';

const FLOOD = Number(process.env.BENCH_FLOOD ?? 400);
const QUIET = Number(process.env.BENCH_QUIET ?? 10);
const suffix = uniqueSuffix();
const noisy = `noisy_${suffix}`;
const quiet = `quiet_${suffix}`;
const dbs = [`tpw_${noisy}`, `tpw_${quiet}`];

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
}

async function scenario(label: string, extraEnv: Record<string, string>) {
  const prefix = `fair${suffix}${label.replace(/\W/g, '')}`;
  const env = {
    MULTI_TENANT_MODE: 'true',
    TENANT_CONFIGS: JSON.stringify({ [noisy]: { databaseUrl: databaseUrl(dbs[0]!) }, [quiet]: { databaseUrl: databaseUrl(dbs[1]!) } }),
    VALKEY_URL: services.redisUrl,
    TEMPORAL_ADDRESS: services.temporalAddress,
    BULLMQ_PREFIX: prefix,
    TEMPORAL_TASK_QUEUE_PREFIX: `fair-${suffix}-${label.replace(/\W/g, '')}`,
    SCHEDULES_SYNC_ON_START: 'false',
    ...extraEnv,
  };
  const [worker, bridge] = await Promise.all([startApp('worker', env), startApp('bridge', env)]);
  const queue: Queue = testplanitQueue('audit-logs', prefix);
  try {
    const flood = await queue.addBulk(
      Array.from({ length: FLOOD }, (_, i) => ({ name: 'audit-event', data: { event: { action: 'CREATE', entityType: 'X', entityId: `n${i}` }, context: null, queuedAt: new Date().toISOString(), tenantId: noisy }, opts: { jobId: `noisy-${i}` } })),
    );
    await new Promise((resolve) => setTimeout(resolve, 200));
    const quietJobs = [];
    for (let i = 0; i < QUIET; i += 1) quietJobs.push(await enqueueAuditEvent(queue, { tenantId: quiet, entityId: `q${i}` }));
    const all = [...flood, ...quietJobs];
    await waitFor(async () => ((await queue.getJobCounts('completed')).completed! >= all.length ? true : undefined), 600_000, () => 'not done', 50);
    const latency = async (ids: string[]) =>
      (await Promise.all(ids.map(async (id) => { const j = (await queue.getJob(id))!; return j.finishedOn! - j.timestamp; }))).sort((a, b) => a - b);
    return { label, quiet: await latency(quietJobs.map((j) => j.id!)), noisy: await latency(flood.map((j) => j.id!)) };
  } finally {
    await stopApp(bridge);
    await stopApp(worker);
    await queue.obliterate({ force: true });
    await queue.close();
  }
}

async function main(): Promise<void> {
  for (const db of dbs) await seedBasics(await createTenantDatabase(db));
  try {
    const rows = [
      await scenario('in-flight = concurrency (10)', {}),
      await scenario('in-flight 1000', { BRIDGE_MAX_IN_FLIGHT: '1000' }),
    ];
    console.log(`\nnoisy tenant: ${FLOOD} jobs, then quiet tenant: ${QUIET} jobs (audit-logs, worker concurrency 10)`);
    console.log('bridge admission                quiet p50 ms  quiet max ms  noisy p50 ms  noisy max ms');
    for (const r of rows) {
      console.log(`${r.label.padEnd(30)} ${String(percentile(r.quiet, 50)).padStart(12)} ${String(r.quiet.at(-1)).padStart(13)} ${String(percentile(r.noisy, 50)).padStart(13)} ${String(r.noisy.at(-1)).padStart(13)}`);
    }
    console.log(`quiet tenant p50 ratio (b/a): x${(percentile(rows[1]!.quiet, 50) / percentile(rows[0]!.quiet, 50)).toFixed(2)}`);
  } finally {
    for (const db of dbs) await dropDatabase(db);
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
