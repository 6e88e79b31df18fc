/**
 * `npm run status [-- --tenant <id>] [-- --json]`: the worker tier at a glance, like `pm2 status`
 * next to TestPlanIt's admin "Job Queues" page. The bridge and worker processes alive now (from
 * their announcements in Valkey), each queue's concurrency, per tenant and queue the BullMQ job
 * counts and the workflows running (Temporal visibility), and each tenant's schedules with their
 * next run. Long reads say what they are reading on stderr.
 */
import { parseArgs } from 'node:util';
import { Queue, type Job } from 'bullmq';
import { loadConfig, type AppConfig } from '../config';
import { QUEUE_SETTINGS, type QueueName } from '../jobs/queues';
import { SINGLE_TENANT_KEY } from '../jobs/ids';
import { createLogger } from '../logging';
import { createRedisConnection } from '../redis';
import { MANAGED_BY } from '../schedules/scheduleSync';
import { connectClient } from '../temporal/connection';
import { TenantRegistry } from '../tenancy/registry';
import { liveProcesses, type ProcessRecord } from './processRegistry';

const STATES = ['waiting', 'active', 'delayed', 'failed', 'completed'] as const;
type State = (typeof STATES)[number];
type Counts = Record<State, number>;

/** Jobs read per state of the shared prefix to split its counts by tenant (the admin page reads 1,000). */
const SHARED_SCAN_LIMIT = 10_000;
const PAGE = 1_000;

export interface Status {
  processes: ProcessRecord[];
  queues: Array<{ queue: QueueName; concurrency: number }>;
  tenants: Array<{ tenant: string; counts: Partial<Record<QueueName, Counts>>; runningWorkflows: number }>;
  /** True where the shared prefix held more jobs of a state than were read: counts are lower bounds. */
  truncated: boolean;
  schedules: Array<{ tenant: string; scheduleId: string; paused: boolean; nextRun?: string }>;
}

function emptyCounts(): Counts {
  return { waiting: 0, active: 0, delayed: 0, failed: 0, completed: 0 };
}

const progress = (line: string) => process.stderr.write(`${line}\n`);

/** Per-tenant counts of one queue under the shared prefix, from the jobs' own tenantId. */
async function sharedCounts(
  queue: Queue,
  multiTenant: boolean,
): Promise<{ counts: Map<string, Counts>; truncated: boolean }> {
  const counts = new Map<string, Counts>();
  let truncated = false;
  const totals = await queue.getJobCounts(...STATES);
  for (const state of STATES) {
    const total = totals[state] ?? 0;
    if (total > SHARED_SCAN_LIMIT) truncated = true;
    if (!multiTenant) {
      (counts.get(SINGLE_TENANT_KEY) ?? counts.set(SINGLE_TENANT_KEY, emptyCounts()).get(SINGLE_TENANT_KEY)!)[state] =
        total;
      continue;
    }
    for (let start = 0; start < Math.min(total, SHARED_SCAN_LIMIT); start += PAGE) {
      if (total > PAGE)
        progress(`reading ${queue.name} ${state} jobs ${start + 1}-${Math.min(total, start + PAGE)} of ${total}`);
      const jobs: Job[] = await queue.getJobs([state], start, start + PAGE - 1);
      for (const job of jobs) {
        const tenantId = (job?.data as { tenantId?: unknown } | undefined)?.tenantId;
        const tenant = typeof tenantId === 'string' ? tenantId : '(none)';
        (counts.get(tenant) ?? counts.set(tenant, emptyCounts()).get(tenant)!)[state] += 1;
      }
    }
  }
  return { counts, truncated };
}

export async function collectStatus(config: AppConfig, only?: string): Promise<Status> {
  const logger = createLogger('status', 'warn');
  const tenants = new TenantRegistry(config.tenancy, logger);
  if (only !== undefined) tenants.resolve(only);
  const redis = createRedisConnection(config.redis.url, { name: 'status', logger });
  const temporal = await connectClient(config);
  const queueNames = [...new Set([...config.bridge.queues, ...config.worker.queues])];
  const tenantKeys = tenants.multiTenant ? tenants.tenantIds() : [SINGLE_TENANT_KEY];
  const wanted = (tenant: string) => only === undefined || tenant === only;
  const rows = new Map<string, Status['tenants'][number]>(
    tenantKeys.filter(wanted).map((tenant) => [tenant, { tenant, counts: {}, runningWorkflows: 0 }]),
  );
  let truncated = false;
  try {
    const processes = await liveProcesses(redis);
    for (const queueName of queueNames) {
      progress(`counting ${queueName}`);
      const shared = new Queue(queueName, { connection: redis, prefix: config.redis.prefix });
      shared.on('error', () => undefined);
      try {
        const split = await sharedCounts(shared, tenants.multiTenant);
        truncated ||= split.truncated;
        for (const [tenant, counts] of split.counts) {
          if (!wanted(tenant)) continue;
          const row = rows.get(tenant) ?? rows.set(tenant, { tenant, counts: {}, runningWorkflows: 0 }).get(tenant)!;
          row.counts[queueName] = counts;
        }
      } finally {
        await shared.close();
      }
      for (const { tenantId, prefix } of tenants.boundPrefixes()) {
        if (!wanted(tenantId)) continue;
        const own = new Queue(queueName, { connection: redis, prefix });
        own.on('error', () => undefined);
        try {
          const counts = (await own.getJobCounts(...STATES)) as Counts;
          const row = rows.get(tenantId)!;
          const before = row.counts[queueName] ?? emptyCounts();
          row.counts[queueName] = Object.fromEntries(
            STATES.map((state) => [state, before[state] + (counts[state] ?? 0)]),
          ) as Counts;
        } finally {
          await own.close();
        }
      }
    }
    for (const row of rows.values()) {
      if (row.tenant === '(none)') continue;
      const query = tenants.multiTenant
        ? `TenantId = "${row.tenant}" AND ExecutionStatus = "Running"`
        : `ExecutionStatus = "Running" AND TaskQueue STARTS_WITH "${config.temporal.taskQueuePrefix}-"`;
      row.runningWorkflows = (await temporal.client.workflow.count(query)).count;
    }
    progress('reading schedules');
    const schedules: Status['schedules'] = [];
    for await (const summary of temporal.client.schedule.list()) {
      const memo = summary.memo as { managedBy?: string; taskQueuePrefix?: string; tenantId?: string } | undefined;
      if (memo?.managedBy !== MANAGED_BY || memo.taskQueuePrefix !== config.temporal.taskQueuePrefix) continue;
      const tenant = memo.tenantId ?? SINGLE_TENANT_KEY;
      if (!wanted(tenant)) continue;
      schedules.push({
        tenant,
        scheduleId: summary.scheduleId,
        paused: summary.state.paused,
        nextRun: summary.info?.nextActionTimes?.[0]?.toISOString(),
      });
    }
    schedules.sort((a, b) => a.scheduleId.localeCompare(b.scheduleId));
    return {
      processes,
      queues: queueNames.map((queue) => ({
        queue,
        concurrency: config.concurrency[queue] ?? QUEUE_SETTINGS[queue].defaultConcurrency,
      })),
      tenants: [...rows.values()].sort((a, b) => a.tenant.localeCompare(b.tenant)),
      truncated,
      schedules,
    };
  } finally {
    await temporal.close();
    redis.disconnect();
  }
}

function duration(fromIso: string): string {
  const seconds = Math.max(0, Math.round((Date.now() - Date.parse(fromIso)) / 1000));
  const h = Math.floor(seconds / 3600);
  const m = Math.floor((seconds % 3600) / 60);
  return h > 0 ? `${h}h${m}m` : `${m}m${seconds % 60}s`;
}

function table(header: string[], rows: Array<Array<string | number>>): string {
  const widths = header.map((title, i) => Math.max(title.length, ...rows.map((row) => String(row[i]).length)));
  const line = (cells: Array<string | number>) =>
    cells
      .map((cell, i) => String(cell).padEnd(widths[i]!))
      .join('  ')
      .trimEnd();
  return [line(header), ...rows.map(line)].join('\n');
}

export function renderStatus(status: Status): string {
  const out: string[] = [];
  out.push(`Processes (${status.processes.length} alive)`);
  out.push(
    table(
      ['ROLE', 'HOST', 'PID', 'UPTIME', 'RSS MB', 'QUEUES'],
      status.processes.map((p) => [
        p.role,
        p.host,
        p.pid,
        duration(p.startedAt),
        Math.round(p.rssBytes / 1024 / 1024),
        p.queues.join(','),
      ]),
    ),
  );
  out.push(
    '',
    table(
      ['QUEUE', 'CONCURRENCY'],
      status.queues.map((q) => [q.queue, q.concurrency]),
    ),
  );
  const jobRows: Array<Array<string | number>> = [];
  for (const tenant of status.tenants) {
    for (const [queue, counts] of Object.entries(tenant.counts)) {
      jobRows.push([tenant.tenant, queue, ...STATES.map((state) => counts[state])]);
    }
  }
  out.push('', table(['TENANT', 'QUEUE', ...STATES.map((s) => s.toUpperCase())], jobRows));
  if (status.truncated)
    out.push(
      `(the shared prefix holds more than ${SHARED_SCAN_LIMIT} jobs of a state: per-tenant counts are lower bounds)`,
    );
  out.push(
    '',
    table(
      ['TENANT', 'RUNNING WORKFLOWS'],
      status.tenants.map((t) => [t.tenant, t.runningWorkflows]),
    ),
  );
  out.push(
    '',
    table(
      ['TENANT', 'SCHEDULE', 'STATE', 'NEXT RUN'],
      status.schedules.map((s) => [s.tenant, s.scheduleId, s.paused ? 'paused' : 'active', s.nextRun ?? '-']),
    ),
  );
  return out.join('\n');
}

async function main(): Promise<void> {
  const { values } = parseArgs({ options: { tenant: { type: 'string' }, json: { type: 'boolean', default: false } } });
  const status = await collectStatus(loadConfig(), values.tenant);
  process.stdout.write((values.json ? JSON.stringify(status, null, 2) : renderStatus(status)) + '\n');
}

if (require.main === module) {
  main().catch((error: unknown) => {
    process.stderr.write(`${(error as Error).message}\n`);
    process.exit(1);
  });
}
