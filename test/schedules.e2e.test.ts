/** Temporal Schedules for the recurring jobs, on the real dev server, plus removal of BullMQ repeatables. */
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import * as path from 'node:path';
import { Queue } from 'bullmq';
import { Client, Connection, ScheduleOverlapPolicy } from '@temporalio/client';
import { createLogger } from '../src/logging';
import { createRedisConnection } from '../src/redis';
import { scheduleIdFor } from '../src/jobs/ids';
import { removeLegacyRepeatables } from '../src/schedules/legacyRepeatables';
import { RECURRING_JOBS } from '../src/schedules/recurringJobs';
import { staggerOffsetMinutes } from '../src/schedules/stagger';
import { syncSchedules, type ScheduleSettings } from '../src/schedules/scheduleSync';
import { TenantRegistry } from '../src/tenancy/registry';
import { createTenantDatabase, databaseUrl, dropDatabase, query, seedBasics } from './support/databases';
import { startApp, stopApp, waitFor, type AppProcess } from './support/processes';
import { services, uniqueSuffix } from './support/services';

const run = promisify(execFile);
const suffix = uniqueSuffix();
const tenantA = `sa_${suffix}`;
const tenantB = `sb_${suffix}`;
const dbA = `tpw_sched_a_${suffix}`;
const dbB = `tpw_sched_b_${suffix}`;
const prefix = `sched-${suffix}`;
const logger = createLogger('schedules-test', 'warn');
// Unstaggered, so the other tests can expect TestPlanIt's exact times; staggering has its own test.
const settings: ScheduleSettings = {
  timezone: 'UTC',
  taskQueuePrefix: prefix,
  catchupWindow: '1 day',
  staggerWindowMinutes: 0,
};
const JOBS = [
  'update-all-cases-forecast',
  'auto-complete-milestones',
  'milestone-due-notifications',
  'send-daily-digest',
];

let connection: Connection;
let client: Client;

function registry(tenants: string[]): TenantRegistry {
  const configs = Object.fromEntries(tenants.map((t) => [t, { databaseUrl: databaseUrl(t === tenantA ? dbA : dbB) }]));
  return new TenantRegistry(
    {
      mode: 'multi',
      reloadMinIntervalMs: 5000,
      sources: { configFile: '/nonexistent', configFileRequired: false, configsJson: JSON.stringify(configs), env: {} },
    },
    logger,
  );
}

const appEnv = () => ({
  MULTI_TENANT_MODE: 'true',
  TENANT_CONFIGS: JSON.stringify({
    [tenantA]: { databaseUrl: databaseUrl(dbA) },
    [tenantB]: { databaseUrl: databaseUrl(dbB) },
  }),
  VALKEY_URL: services.redisUrl,
  TEMPORAL_ADDRESS: services.temporalAddress,
  BULLMQ_PREFIX: `sched${suffix}`,
  TEMPORAL_TASK_QUEUE_PREFIX: prefix,
  SCHEDULES_SYNC_ON_START: 'false',
});

async function cli(...args: string[]): Promise<string> {
  const { stdout } = await run(process.execPath, ['--import', 'tsx', 'src/schedules/cli.ts', ...args], {
    cwd: path.resolve(__dirname, '..'),
    env: { ...process.env, ...appEnv() },
  });
  return stdout;
}

beforeAll(async () => {
  await seedBasics(await createTenantDatabase(dbA));
  await seedBasics(await createTenantDatabase(dbB));
  connection = await Connection.connect({ address: services.temporalAddress });
  client = new Client({ connection });
});

afterAll(async () => {
  // Sync with no tenants removes every schedule of this deployment (this prefix).
  if (client) await syncSchedules(client, registry([]), settings, logger);
  await connection?.close();
  await Promise.all([dropDatabase(dbA), dropDatabase(dbB)]);
});

test('sync creates one schedule per tenant and recurring job, and a second sync changes nothing', async () => {
  const first = await syncSchedules(client, registry([tenantA, tenantB]), settings, logger);
  const expected = [tenantA, tenantB].flatMap((t) => JOBS.map((job) => `${job}-${t}`)).sort();
  expect([...first.created].sort()).toEqual(expected);
  expect(first.updated).toEqual([]);

  const digest = await client.schedule.getHandle(`send-daily-digest-${tenantA}`).describe();
  expect(digest.policies.overlap).toBe(ScheduleOverlapPolicy.SKIP);
  expect(digest.spec.timezone).toBe('UTC');
  expect(digest.info.nextActionTimes[0]!.getUTCHours()).toBe(8);
  expect(digest.info.nextActionTimes[0]!.getUTCMinutes()).toBe(0);
  expect(digest.action).toMatchObject({
    workflowType: 'sendDailyDigestWorkflow',
    taskQueue: `${prefix}-notifications`,
  });
  expect(digest.searchAttributes).toMatchObject({ TenantId: [tenantA], JobName: ['send-daily-digest'] });
  const forecast = await client.schedule.getHandle(`update-all-cases-forecast-${tenantB}`).describe();
  expect(forecast.info.nextActionTimes[0]!.getUTCHours()).toBe(3);

  const second = await syncSchedules(client, registry([tenantA, tenantB]), settings, logger);
  expect({ ...second, unchanged: [...second.unchanged].sort() }).toEqual({
    created: [],
    updated: [],
    unchanged: expected,
    deleted: [],
  });
});

test('staggered: each tenant’s jobs fire at its own offset after the cron time, updated in place; the same window again changes nothing', async () => {
  const window = 30;
  const staggered = { ...settings, staggerWindowMinutes: window };
  const offsets = new Map([tenantA, tenantB].map((t) => [t, staggerOffsetMinutes(t, window)]));
  const idsOf = (tenant: string) => RECURRING_JOBS.map((job) => scheduleIdFor(job.jobName, tenant));
  const all = [tenantA, tenantB].flatMap(idsOf).sort();
  // From the unstaggered schedules of the first test: exactly those whose time moves are updated.
  const moved = [tenantA, tenantB]
    .filter((t) => offsets.get(t)! > 0)
    .flatMap(idsOf)
    .sort();

  const first = await syncSchedules(client, registry([tenantA, tenantB]), staggered, logger);
  expect({ ...first, updated: [...first.updated].sort(), unchanged: [...first.unchanged].sort() }).toEqual({
    created: [],
    updated: moved,
    unchanged: all.filter((id) => !moved.includes(id)),
    deleted: [],
  });

  for (const [tenant, offset] of offsets) {
    for (const job of RECURRING_JOBS) {
      const description = await client.schedule.getHandle(scheduleIdFor(job.jobName, tenant)).describe();
      const [minute, hour] = job.cron.split(' ').map(Number);
      const next = description.info.nextActionTimes[0]!;
      expect({ job: job.jobName, tenant, at: next.getUTCHours() * 60 + next.getUTCMinutes() }).toEqual({
        job: job.jobName,
        tenant,
        at: (hour! * 60 + minute! + offset) % (24 * 60),
      });
    }
  }

  const second = await syncSchedules(client, registry([tenantA, tenantB]), staggered, logger);
  expect({ ...second, unchanged: [...second.unchanged].sort() }).toEqual({
    created: [],
    updated: [],
    unchanged: all,
    deleted: [],
  });
});

test('a changed time zone updates schedules in place; a removed tenant loses its schedules', async () => {
  const berlin = await syncSchedules(
    client,
    registry([tenantA, tenantB]),
    { ...settings, timezone: 'Europe/Berlin' },
    logger,
  );
  expect(berlin.updated).toHaveLength(8);
  expect(berlin.created).toEqual([]);
  const digest = await client.schedule.getHandle(`send-daily-digest-${tenantA}`).describe();
  expect(digest.spec.timezone).toBe('Europe/Berlin');

  const onlyA = await syncSchedules(client, registry([tenantA]), settings, logger);
  expect([...onlyA.deleted].sort()).toEqual(JOBS.map((job) => `${job}-${tenantB}`).sort());
  expect(onlyA.updated).toHaveLength(4);
  const listed = await cli('list');
  expect(listed).toContain(`auto-complete-milestones-${tenantA}`);
  expect(listed).not.toContain(tenantB);
});

test('trigger-now, pause and resume through the CLI act on the right tenant', async () => {
  await syncSchedules(client, registry([tenantA, tenantB]), settings, logger);
  const past = new Date(Date.now() - 60_000);
  for (const url of [databaseUrl(dbA), databaseUrl(dbB)]) {
    await query(
      url,
      `INSERT INTO "Milestones" ("projectId", "milestoneTypesId", name, "createdBy", "completedAt", "automaticCompletion") VALUES (1, 1, 'Due', 'user-admin', $1, true)`,
      [past],
    );
  }
  let worker: AppProcess | undefined;
  try {
    worker = await startApp('worker', appEnv());
    expect(await cli('trigger', '--job', 'auto-complete-milestones', '--tenant', tenantA)).toContain(
      `trigger: auto-complete-milestones-${tenantA}`,
    );
    await waitFor(
      async () =>
        (await query(databaseUrl(dbA), `SELECT 1 FROM "Milestones" WHERE "isCompleted"`)).length === 1
          ? true
          : undefined,
      60_000,
      () => worker!.output().slice(-2000),
    );
    expect(await query(databaseUrl(dbB), `SELECT 1 FROM "Milestones" WHERE "isCompleted"`)).toEqual([]);
    // The run carries the tenant's search attributes, so operators find it by tenant.
    await waitFor(
      async () =>
        (await client.workflow.count(`TenantId = '${tenantA}' AND JobName = 'auto-complete-milestones'`)).count === 1
          ? true
          : undefined,
      20_000,
      () => 'scheduled run not visible by TenantId',
    );
  } finally {
    if (worker) await stopApp(worker);
  }

  await cli('pause', '--job', 'send-daily-digest', '--tenant', tenantB);
  expect((await client.schedule.getHandle(`send-daily-digest-${tenantB}`).describe()).state.paused).toBe(true);
  expect(await cli('list', '--tenant', tenantB)).toMatch(new RegExp(`send-daily-digest-${tenantB}\\s+PAUSED`));
  await cli('resume', '--job', 'send-daily-digest', '--tenant', tenantB);
  expect((await client.schedule.getHandle(`send-daily-digest-${tenantB}`).describe()).state.paused).toBe(false);
  await expect(cli('trigger', '--job', 'send-daily-digest', '--tenant', 'nobody')).rejects.toThrow(
    /No configuration found for tenant: nobody/,
  );
}, 120_000);

test('legacy BullMQ repeatables of TestPlanIt’s scheduler are removed, other repeatables kept', async () => {
  const bullPrefix = `sched${suffix}`;
  const redis = createRedisConnection(services.redisUrl, { name: 'test', logger });
  const forecast = new Queue('forecast-updates', { connection: redis, prefix: bullPrefix });
  const notifications = new Queue('notifications', { connection: redis, prefix: bullPrefix });
  try {
    // 0.11.13's scheduler: queue.add with repeat and a jobId (md5 repeat keys).
    await forecast.add(
      'update-all-cases-forecast',
      { tenantId: tenantA },
      { repeat: { pattern: '0 3 * * *' }, jobId: `update-all-cases-forecast-${tenantA}` },
    );
    await forecast.add(
      'auto-complete-milestones',
      { tenantId: tenantA },
      { repeat: { pattern: '0 6 * * *' }, jobId: `auto-complete-milestones-${tenantA}` },
    );
    // Later releases: upsertJobScheduler.
    await notifications.upsertJobScheduler(
      `send-daily-digest-${tenantA}`,
      { pattern: '0 8 * * *' },
      { name: 'send-daily-digest', data: { tenantId: tenantA } },
    );
    await forecast.upsertJobScheduler(
      'someone-elses-job',
      { pattern: '0 1 * * *' },
      { name: 'someone-elses-job', data: {} },
    );
    expect((await forecast.getJobSchedulers()).length + (await notifications.getJobSchedulers()).length).toBe(4);

    const removed = await removeLegacyRepeatables(redis, bullPrefix, logger);
    expect(removed).toHaveLength(3);
    expect((await forecast.getJobSchedulers()).map((s) => s.name)).toEqual(['someone-elses-job']);
    expect(await notifications.getJobSchedulers()).toEqual([]);
    const delayed = [...(await forecast.getDelayed()), ...(await notifications.getDelayed())].map((job) => job.name);
    expect(delayed).toEqual(['someone-elses-job']);
    expect(await removeLegacyRepeatables(redis, bullPrefix, logger)).toEqual([]);
  } finally {
    await forecast.obliterate({ force: true });
    await notifications.obliterate({ force: true });
    await forecast.close();
    await notifications.close();
    redis.disconnect();
  }
});

test('a repeat job that still arrives from an old scheduler runs once and schedules no next iteration', async () => {
  const bullPrefix = `sched${suffix}`;
  const redis = createRedisConnection(services.redisUrl, { name: 'test', logger });
  const forecast = new Queue('forecast-updates', { connection: redis, prefix: bullPrefix });
  let app: AppProcess | undefined;
  try {
    await forecast.add(
      'auto-complete-milestones',
      { tenantId: tenantA },
      { repeat: { every: 60_000 }, jobId: `auto-complete-milestones-${tenantA}` },
    );
    const [iteration] = await forecast.getDelayed();
    expect(iteration!.id).toMatch(/^repeat:/);
    await iteration!.promote(); // already due when the migration happens
    await removeLegacyRepeatables(redis, bullPrefix, logger);
    expect(await forecast.getJobSchedulers()).toEqual([]);

    app = await startApp('all', appEnv());
    await waitFor(
      async () => ((await forecast.getJobState(iteration!.id!)) === 'completed' ? true : undefined),
      60_000,
      () => app!.output().slice(-2000),
    );
    await new Promise((resolve) => setTimeout(resolve, 1000));
    const counts = await forecast.getJobCounts('waiting', 'delayed', 'active', 'completed');
    expect(counts).toMatchObject({ waiting: 0, delayed: 0, active: 0, completed: 1 });
    expect(await forecast.getJobSchedulers()).toEqual([]);
  } finally {
    if (app) await stopApp(app);
    await forecast.obliterate({ force: true });
    await forecast.close();
    redis.disconnect();
  }
}, 120_000);
