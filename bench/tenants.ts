/**
 * `npm run bench:tenants`: what one bridge costs per tenant in tenant-bound mode, where every
 * tenant enqueues under its own BullMQ prefix. For 1, 10, 50 and 200 tenants (BENCH_TENANTS to
 * change), a bridge consumes all of TestPlanIt's queues under every tenant's prefix and the shared
 * one; measured from outside the process:
 * - Redis connections the bridge holds (established TCP sockets to Redis, from `ss`);
 * - its resident memory after start, and its CPU while idle (over BENCH_IDLE_SECONDS, default 30: one stalled-job check);
 * - pick-up latency: audit events sent one at a time to random tenants' prefixes, from enqueue to
 *   the bridge taking the job (processedOn - timestamp) and to completion.
 * For reference, the connections one BullMQ Worker per tenant and queue would hold (two each:
 * its commands and its blocking marker wait), computed, not run.
 *
 * Last line, read by machines:
 * `200 tenants: <n> Redis connections, idle CPU <x> % of a core, pick-up p50 <a> ms (1 tenant: <b> ms)`.
 */
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import type { Job, Queue } from 'bullmq';
import { routedQueues } from '../src/jobs/routes';
import { createTenantDatabase, databaseUrl, dropDatabase, seedBasics } from '../test/support/databases';
import { startApp, stopApp, waitFor, type AppProcess } from '../test/support/processes';
import { services, uniqueSuffix } from '../test/support/services';
import { stackEnv } from '../test/support/stack';
import { auditEventData, testplanitQueue } from '../test/support/testplanit';

const COUNTS = (process.env.BENCH_TENANTS ?? '1,10,50,200').split(',').map(Number);
const IDLE_SECONDS = Number(process.env.BENCH_IDLE_SECONDS ?? 30);
const PICKUPS = Number(process.env.BENCH_PICKUPS ?? 40);
const suffix = uniqueSuffix();
const db = `tpw_tenants_${suffix}`;
const redisPort = Number(new URL(services.redisUrl).port || 6379);

interface Figures {
  tenants: number;
  connections: number;
  rssMb: number;
  idleCpuPercent: number;
  pickup: number[];
  finished: number[];
}

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]!;
}

/** Established TCP connections from `pid` to the Redis port. */
function redisConnectionsOf(pid: number): number {
  const lines = execFileSync('ss', ['-tnpH', 'state', 'established', `( dport = :${redisPort} )`], {
    encoding: 'utf8',
  }).split('\n');
  return lines.filter((line) => line.includes(`pid=${pid},`)).length;
}

function rssMbOf(pid: number): number {
  const status = fs.readFileSync(`/proc/${pid}/status`, 'utf8');
  return Number(/VmRSS:\s+(\d+)/.exec(status)![1]) / 1024;
}

/** utime + stime of `pid`, in seconds. */
function cpuSecondsOf(pid: number): number {
  const fields = fs.readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
  return (Number(fields[11]) + Number(fields[12])) / 100;
}

const labelOf = (count: number) => `t${count}${suffix}`;
const tenantsOf = (count: number) => Array.from({ length: count }, (_, i) => `${labelOf(count)}_${i}`);
const prefixOf = (tenant: string) => `tb-${tenant}`;
/** Every tenant of every run on its own prefix, all in one database. */
const tenantConfigs = (tenants: string[]) =>
  Object.fromEntries(
    tenants.map((tenant) => [tenant, { databaseUrl: databaseUrl(db), bullmqPrefix: prefixOf(tenant) }]),
  );

async function measure(count: number, worker: AppProcess): Promise<Figures> {
  const label = labelOf(count);
  const tenants = tenantsOf(count);
  const env = stackEnv({ name: 'tenants', suffix, tenants: tenantConfigs(tenants) });
  const bridge = await startApp('bridge', env, 180_000);
  const pid = bridge.child.pid!;
  const queues = new Map<string, Queue>();
  try {
    // Let start-up work (the first stalled checks and sweeps) settle before measuring idle.
    await new Promise((resolve) => setTimeout(resolve, 3_000));
    const cpuBefore = cpuSecondsOf(pid);
    await new Promise((resolve) => setTimeout(resolve, IDLE_SECONDS * 1_000));
    const idleCpuPercent = (100 * (cpuSecondsOf(pid) - cpuBefore)) / IDLE_SECONDS;
    const connections = redisConnectionsOf(pid);
    const rssMb = rssMbOf(pid);

    const jobs: Array<{ queue: Queue; job: Job }> = [];
    for (let i = 0; i < PICKUPS; i++) {
      const tenant = tenants[Math.floor(Math.random() * tenants.length)]!;
      let queue = queues.get(tenant);
      if (!queue) {
        queue = testplanitQueue('audit-logs', prefixOf(tenant));
        queues.set(tenant, queue);
      }
      jobs.push({
        queue,
        job: await queue.add('audit-event', auditEventData({ tenantId: tenant, entityId: `${label}-${i}` })),
      });
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    const settled = await waitFor(
      async () => {
        const current = await Promise.all(jobs.map(({ queue, job }) => queue.getJob(job.id!)));
        return current.every((job) => job?.finishedOn) ? current : undefined;
      },
      120_000,
      () => `${label}: not every job finished\n${bridge.output().slice(-2000)}\n${worker.output().slice(-2000)}`,
    );
    const failed = settled.filter((job) => job!.failedReason);
    if (failed.length > 0) throw new Error(`${label}: ${failed.length} jobs failed: ${failed[0]!.failedReason}`);
    return {
      tenants: count,
      connections,
      rssMb,
      idleCpuPercent,
      pickup: settled.map((job) => job!.processedOn! - job!.timestamp).sort((a, b) => a - b),
      finished: settled.map((job) => job!.finishedOn! - job!.timestamp).sort((a, b) => a - b),
    };
  } finally {
    await stopApp(bridge);
    for (const queue of queues.values()) {
      await queue.obliterate({ force: true });
      await queue.close();
    }
  }
}

async function main(): Promise<void> {
  await seedBasics(await createTenantDatabase(db));
  // One worker for the tenants of every run.
  const worker = await startApp(
    'worker',
    stackEnv({
      name: 'tenants',
      suffix,
      tenants: tenantConfigs(COUNTS.flatMap(tenantsOf)),
      extra: { WORKER_QUEUES: 'audit-logs' },
    }),
  );
  const results: Figures[] = [];
  try {
    for (const count of COUNTS) results.push(await measure(count, worker));
  } finally {
    await stopApp(worker);
    await dropDatabase(db);
  }
  const queueCount = routedQueues().length;
  console.log(
    `\nOne bridge, ${queueCount} queues, each tenant on its own prefix (plus the shared one); ${PICKUPS} audit events to random tenants, one every 100 ms`,
  );
  console.log(
    'tenants  sources  Redis conns  BullMQ Worker per prefix would hold  RSS MB  idle CPU %  pick-up p50  pick-up p95  finished p50  finished p95',
  );
  for (const r of results) {
    console.log(
      `${String(r.tenants).padStart(7)}  ${String(queueCount * (r.tenants + 1)).padStart(7)}  ${String(r.connections).padStart(11)}  ${String(2 * queueCount * (r.tenants + 1)).padStart(35)}  ${r.rssMb.toFixed(0).padStart(6)}  ${r.idleCpuPercent.toFixed(1).padStart(10)}  ${String(percentile(r.pickup, 50)).padStart(11)}  ${String(percentile(r.pickup, 95)).padStart(11)}  ${String(percentile(r.finished, 50)).padStart(12)}  ${String(percentile(r.finished, 95)).padStart(12)}`,
    );
  }
  const most = results.at(-1)!;
  const one = results[0]!;
  console.log(
    `${most.tenants} tenants: ${most.connections} Redis connections, idle CPU ${most.idleCpuPercent.toFixed(1)} % of a core, pick-up p50 ${percentile(most.pickup, 50)} ms (${one.tenants} tenant${one.tenants === 1 ? '' : 's'}: ${percentile(one.pickup, 50)} ms)`,
  );
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
