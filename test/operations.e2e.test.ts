/**
 * What operators see, on a bridge and a worker with their operations endpoints on: per-tenant job
 * counters and failure reasons, queue depth, the worker's pool gauges and the Temporal SDK's own
 * metrics on /metrics; /healthz; /readyz turning false while Redis is down and true once it is
 * back; JSON log lines that carry the tenant, queue and job id.
 */
import { execFile } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { promisify } from 'node:util';
import type { Queue } from 'bullmq';
import type { Status } from '../src/operations/statusCli';
import { createTenantDatabase, databaseUrl, dropDatabase, seedBasics } from './support/databases';
import { waitFor, type AppProcess } from './support/processes';
import { PrivateRedis } from './support/redisServer';
import { startStack, stackEnv, stopStack } from './support/stack';
import { uniqueSuffix } from './support/services';
import { auditEventData, jobFinished, testplanitQueue } from './support/testplanit';

const suffix = uniqueSuffix();
const tenantA = `opa_${suffix}`;
const tenantB = `opb_${suffix}`;
const dbA = `tpw_ops_a_${suffix}`;
const dbB = `tpw_ops_b_${suffix}`;
const redis = new PrivateRedis();
const port = () => 30_000 + Math.floor(Math.random() * 10_000);
const ports = { bridge: port(), worker: port(), temporal: port() };

let worker: AppProcess;
let bridge: AppProcess;
let queue: Queue;
let env: Record<string, string>;

async function get(target: 'bridge' | 'worker', path: string): Promise<{ status: number; body: string }> {
  const response = await fetch(`http://127.0.0.1:${ports[target]}${path}`);
  return { status: response.status, body: await response.text() };
}

/** The value of one sample in Prometheus text, or undefined. */
function sample(text: string, name: string, labels: Record<string, string>): number | undefined {
  for (const line of text.split('\n')) {
    if (!line.startsWith(`${name}{`)) continue;
    const body = line.slice(name.length + 1, line.indexOf('}'));
    if (Object.entries(labels).every(([key, value]) => body.includes(`${key}="${value}"`))) {
      return Number(line.slice(line.lastIndexOf(' ') + 1));
    }
  }
  return undefined;
}

beforeAll(async () => {
  await seedBasics(await createTenantDatabase(dbA));
  await seedBasics(await createTenantDatabase(dbB));
  await redis.start();
  env = stackEnv({
    name: 'ops',
    suffix,
    redisUrl: redis.url,
    tenants: { [tenantA]: { databaseUrl: databaseUrl(dbA) }, [tenantB]: { databaseUrl: databaseUrl(dbB) } },
    extra: { BRIDGE_QUEUES: 'audit-logs', WORKER_QUEUES: 'audit-logs', LOG_FORMAT: 'json' },
  });
  ({ worker, bridge } = await startStack(env, {
    bridge: { METRICS_PORT: String(ports.bridge) },
    worker: { METRICS_PORT: String(ports.worker), TEMPORAL_METRICS_PORT: String(ports.temporal) },
  }));
  queue = testplanitQueue('audit-logs', env.BULLMQ_PREFIX!, redis.url);
}, 180_000);

afterAll(async () => {
  await stopStack(bridge, worker);
  await queue?.close();
  await redis.stop();
  await Promise.all([dropDatabase(dbA), dropDatabase(dbB)]);
});

test('per-tenant counters, failure reasons, depth, pool gauges and the SDK metrics on /metrics', async () => {
  const jobs = [
    ...(await Promise.all(
      [0, 1, 2].map((i) => queue.add('audit-event', auditEventData({ tenantId: tenantA, entityId: `a${i}` }))),
    )),
    ...(await Promise.all(
      [0, 1].map((i) => queue.add('audit-event', auditEventData({ tenantId: tenantB, entityId: `b${i}` }))),
    )),
    await queue.add('audit-event', { tenantId: tenantA, event: 'not an object' }),
    await queue.add('audit-event', auditEventData({ tenantId: `nobody_${suffix}`, entityId: 'x' })),
  ];
  for (const job of jobs) await jobFinished(queue, job, 60_000, () => bridge.output().slice(-2000));

  const { status, body } = await get('bridge', '/metrics');
  expect(status).toBe(200);
  expect(sample(body, 'tpw_jobs_completed_total', { queue: 'audit-logs', tenant: tenantA })).toBe(3);
  expect(sample(body, 'tpw_jobs_completed_total', { queue: 'audit-logs', tenant: tenantB })).toBe(2);
  expect(sample(body, 'tpw_jobs_received_total', { queue: 'audit-logs', tenant: tenantA })).toBe(4);
  expect(sample(body, 'tpw_jobs_failed_total', { tenant: tenantA, reason: 'invalid_input' })).toBe(1);
  expect(sample(body, 'tpw_jobs_failed_total', { tenant: '(unknown)', reason: 'unknown_tenant' })).toBe(1);
  expect(sample(body, 'tpw_jobs_running', { queue: 'audit-logs', tenant: tenantA })).toBe(0);
  expect(sample(body, 'tpw_job_admission_wait_seconds_count', { queue: 'audit-logs', tenant: tenantB })).toBe(2);
  expect(sample(body, 'tpw_bullmq_jobs', { queue: 'audit-logs', tenant: '(shared)', state: 'failed' })).toBe(2);
  expect(sample(body, 'tpw_bullmq_jobs', { queue: 'audit-logs', tenant: '(shared)', state: 'waiting' })).toBe(0);

  const workerMetrics = await get('worker', '/metrics');
  expect(workerMetrics.status).toBe(200);
  expect(Number(/^tpw_tenant_db_clients (\d+)$/m.exec(workerMetrics.body)?.[1])).toBe(2);
  expect(workerMetrics.body).toMatch(/^temporal_\w+/m);

  // Every series the Grafana dashboard plots exists on one of the endpoints.
  const dashboard = fs.readFileSync(
    path.resolve(__dirname, '../ops/grafana/dashboards/testplanit-workers.json'),
    'utf8',
  );
  const plotted = new Set(dashboard.match(/\b(?:tpw|temporal)_[a-z_]+/g));
  expect(plotted.size).toBeGreaterThan(8);
  const served = `${body}\n${workerMetrics.body}`;
  const missing = [...plotted].filter((name) => !new RegExp(`^${name}[{ ]`, 'm').test(served));
  expect(missing).toEqual([]);
}, 90_000);

test('/healthz answers; /readyz is false while Redis is down and true again once it is back, and jobs flow', async () => {
  expect((await get('bridge', '/healthz')).status).toBe(200);
  for (const target of ['bridge', 'worker'] as const) {
    const ready = await get(target, '/readyz');
    expect([target, ready.status]).toEqual([target, 200]);
  }
  await redis.stop();
  for (const target of ['bridge', 'worker'] as const) {
    const down = await waitFor(
      async () => {
        const answer = await get(target, '/readyz');
        return answer.status === 503 ? answer : undefined;
      },
      20_000,
      () => `${target} stayed ready with Redis down`,
    );
    expect(JSON.parse(down.body).checks.redis).toBe(false);
  }
  await redis.start();
  for (const target of ['bridge', 'worker'] as const) {
    await waitFor(
      async () => ((await get(target, '/readyz')).status === 200 ? true : undefined),
      30_000,
      () => `${target} not ready again after Redis came back`,
    );
  }
  // Both processes lived through the outage and serve jobs again.
  const after = await queue.add('audit-event', auditEventData({ tenantId: tenantB, entityId: 'after-outage' }));
  expect((await jobFinished(queue, after, 60_000, () => bridge.output().slice(-2000))).failedReason).toBeUndefined();
}, 120_000);

test('LOG_FORMAT=json: the app’s lines are JSON objects; job lines carry tenant, queue and job id', () => {
  const lines = bridge
    .output()
    .split('\n')
    .filter((line) => line.startsWith('{'));
  expect(lines.length).toBeGreaterThan(5);
  const parsed = lines.map((line) => JSON.parse(line) as Record<string, unknown>);
  const processing = parsed.filter((entry) => String(entry.msg).startsWith('Processing audit-logs job'));
  expect(processing.length).toBeGreaterThanOrEqual(6);
  for (const entry of processing) {
    expect(entry).toEqual(
      expect.objectContaining({
        level: 'info',
        queue: 'audit-logs',
        jobId: expect.any(String),
        tenant: expect.any(String),
      }),
    );
  }
  expect(processing.map((entry) => entry.tenant)).toEqual(expect.arrayContaining([tenantA, tenantB]));
});

async function status(...args: string[]): Promise<string> {
  const { stdout } = await promisify(execFile)(
    process.execPath,
    ['--import', 'tsx', 'src/operations/statusCli.ts', ...args],
    {
      cwd: path.resolve(__dirname, '..'),
      env: { ...process.env, ...env },
    },
  );
  return stdout;
}

test('npm run status: live processes, per-tenant counts that match the queue, running workflows, text and --json', async () => {
  const jobs = [
    await queue.add('audit-event', auditEventData({ tenantId: tenantA, entityId: 'status-a' })),
    await queue.add('audit-event', { tenantId: tenantA, event: 'not an object' }),
  ];
  for (const job of jobs) await jobFinished(queue, job, 60_000, () => bridge.output().slice(-2000));
  // Both processes announce themselves every 10 s (Redis was restarted by the previous test).
  const report = await waitFor(
    async () => {
      const parsed = JSON.parse(await status('--json')) as Status;
      return parsed.processes.length === 2 ? parsed : undefined;
    },
    30_000,
    () => 'the bridge and the worker were not both listed',
  );
  expect(report.processes.map((p) => p.role).sort()).toEqual(['bridge', 'worker']);
  expect(report.queues).toEqual([{ queue: 'audit-logs', concurrency: 10 }]);
  // An independent count: every job of the queue, grouped by its tenantId and state.
  const expected = new Map<string, Record<string, number>>();
  for (const state of ['waiting', 'active', 'delayed', 'failed', 'completed'] as const) {
    for (const job of await queue.getJobs([state], 0, -1)) {
      const tenant = (job.data as { tenantId: string }).tenantId;
      const row = expected.get(tenant) ?? { waiting: 0, active: 0, delayed: 0, failed: 0, completed: 0 };
      row[state]! += 1;
      expected.set(tenant, row);
    }
  }
  for (const tenant of [tenantA, tenantB]) {
    const row = report.tenants.find((t) => t.tenant === tenant)!;
    expect([tenant, row.counts['audit-logs']]).toEqual([tenant, expected.get(tenant)]);
    expect(row.runningWorkflows).toBe(0);
  }
  expect(expected.get(tenantA)).toEqual(expect.objectContaining({ completed: 1, failed: 1 }));

  const onlyA = JSON.parse(await status('--json', '--tenant', tenantA)) as Status;
  expect(onlyA.tenants.map((t) => t.tenant)).toEqual([tenantA]);
  const text = await status();
  expect(text).toContain('Processes (2 alive)');
  expect(text).toMatch(new RegExp(`${tenantA}\\s+audit-logs\\s+0\\s+0\\s+0\\s+1\\s+1`));
}, 90_000);
