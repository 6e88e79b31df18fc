/**
 * A new job that reuses an old job's id does its own work: BullMQ ids repeat when Valkey loses its
 * counter, when a custom id is re-added after removeOnComplete, and when a repeatable iteration is
 * created again for the same fire time. Runs on a Redis of its own, so the test can rewind its
 * counter and restart it without persistence under a running bridge, as an outage would.
 * Also: a failed job's reason is a clean sentence, fit for TestPlanIt's admin page.
 */
import { Queue, type Job } from 'bullmq';
import { Redis } from 'ioredis';
import { QUEUE_SETTINGS, type QueueName } from '../src/jobs/queues';
import { createTenantDatabase, databaseUrl, dropDatabase, query, seedBasics } from './support/databases';
import { seedForecastData } from './support/forecastData';
import { waitFor, type AppProcess } from './support/processes';
import { PrivateRedis } from './support/redisServer';
import { uniqueSuffix } from './support/services';
import { startStack, stackEnv, stopStack } from './support/stack';
import { auditEventData, jobFinished } from './support/testplanit';

const suffix = uniqueSuffix();
const tenant = `inst_${suffix}`;
const db = `tpw_inst_${suffix}`;
const url = databaseUrl(db);
const privateRedis = new PrivateRedis();
const redisPort = privateRedis.port;
const redisUrl = privateRedis.url;
const prefix = `inst${suffix}`; // stackEnv's BULLMQ_PREFIX for the name 'inst'

let worker: AppProcess;
let bridge: AppProcess;
const queues = new Map<QueueName, Queue>();

function queueFor(name: QueueName): Queue {
  let queue = queues.get(name);
  if (!queue) {
    queue = new Queue(name, {
      connection: { host: '127.0.0.1', port: redisPort, maxRetriesPerRequest: null },
      prefix,
      defaultJobOptions: QUEUE_SETTINGS[name].defaultJobOptions,
    });
    queues.set(name, queue);
  }
  return queue;
}

function logTails(): string {
  return `${bridge.output().slice(-2000)}\n${worker.output().slice(-2000)}`;
}

async function finished(queue: Queue, job: Job): Promise<Job> {
  return jobFinished(queue, job, 60_000, logTails);
}

/** For jobs with removeOnComplete: waits until the job completed and was removed. */
async function completedAndRemoved(queue: Queue, job: Job): Promise<void> {
  const state = await waitFor(
    async () => {
      const current = await queue.getJobState(job.id!);
      return ['completed', 'failed', 'unknown'].includes(current) ? current : undefined;
    },
    60_000,
    () => `job ${job.id} not finished\n${logTails()}`,
  );
  expect(state === 'failed' ? (await queue.getJob(job.id!))?.failedReason : state).toBe('unknown');
}

async function auditEntityIds(): Promise<string[]> {
  return (await query<{ entityId: string }>(url, `SELECT "entityId" FROM "AuditLog" ORDER BY "entityId"`)).map(
    (row) => row.entityId,
  );
}

beforeAll(async () => {
  await createTenantDatabase(db);
  await seedBasics(url);
  await seedForecastData(url, 400);
  await privateRedis.start();
  const env = stackEnv({ name: 'inst', suffix, redisUrl, tenants: { [tenant]: { databaseUrl: url } } });
  ({ worker, bridge } = await startStack(env));
}, 180_000);

afterAll(async () => {
  await stopStack(bridge, worker);
  for (const queue of queues.values()) await queue.close();
  await privateRedis.stop();
  await dropDatabase(db);
});

test('a job that gets an earlier job’s id after the id counter was rewound does its own work', async () => {
  const queue = queueFor('audit-logs');
  const first = await queue.add('audit-event', auditEventData({ tenantId: tenant, entityId: 'rewind-1' }), {
    removeOnComplete: true,
  });
  await completedAndRemoved(queue, first);
  // Valkey restored from an older snapshot: the counter is one behind.
  const counterKey = `${prefix}:audit-logs:id`;
  const redis = new Redis(redisUrl);
  await redis.decr(counterKey);
  redis.disconnect();

  const second = await queue.add('audit-event', auditEventData({ tenantId: tenant, entityId: 'rewind-2' }));
  expect(second.id).toBe(first.id);
  expect(await (await finished(queue, second)).getState()).toBe('completed');
  expect(await auditEntityIds()).toEqual(expect.arrayContaining(['rewind-1', 'rewind-2']));
});

test('a custom job id re-added after removeOnComplete runs again', async () => {
  const queue = queueFor('audit-logs');
  const jobId = `custom-${suffix}`;
  await completedAndRemoved(
    queue,
    await queue.add('audit-event', auditEventData({ tenantId: tenant, entityId: 'custom-1' }), {
      jobId,
      removeOnComplete: true,
    }),
  );
  const again = await queue.add('audit-event', auditEventData({ tenantId: tenant, entityId: 'custom-2' }), {
    jobId,
    removeOnComplete: true,
  });
  expect(again.id).toBe(jobId);
  await completedAndRemoved(queue, again);
  const ids = await auditEntityIds();
  expect(ids.filter((id) => id.startsWith('custom-'))).toEqual(['custom-1', 'custom-2']);
});

test('a repeatable iteration created again for the same fire time runs again', async () => {
  const queue = queueFor('forecast-updates');
  // TestPlanIt's scheduler registers the nightly forecast per tenant; an iteration is `repeat:<key>:<millis>`.
  const register = async () => {
    await queue.add(
      'update-all-cases-forecast',
      { tenantId: tenant },
      { repeat: { pattern: '0 3 * * *' }, jobId: `update-all-cases-forecast-${tenant}`, removeOnComplete: true },
    );
    const [delayed] = await queue.getDelayed();
    expect(delayed!.id).toMatch(/^repeat:/);
    return delayed!;
  };
  const runNow = async (iteration: Job) => {
    await iteration.promote();
    await completedAndRemoved(queue, iteration);
  };
  const unforecast = () =>
    query(url, `UPDATE "RepositoryCases" SET "forecastManual" = NULL, "forecastAutomated" = NULL`);
  const forecastCount = async () =>
    Number(
      (
        await query<{ n: string }>(
          url,
          `SELECT count(*) AS n FROM "RepositoryCases" WHERE "forecastManual" IS NOT NULL OR "forecastAutomated" IS NOT NULL`,
        )
      )[0]!.n,
    );

  await unforecast();
  const first = await register();
  await runNow(first);
  expect(await forecastCount()).toBeGreaterThan(100);

  // The repeatable is removed and registered again (a redeploy, a re-run of the scheduler): the
  // next iteration has the same id, and the forecasts were cleared meanwhile.
  for (const repeatable of await queue.getRepeatableJobs()) await queue.removeRepeatableByKey(repeatable.key);
  await unforecast();
  const second = await register();
  expect(second.id).toBe(first.id);
  await runNow(second);
  expect(await forecastCount()).toBeGreaterThan(100);
  for (const repeatable of await queue.getRepeatableJobs()) await queue.removeRepeatableByKey(repeatable.key);
});

test('after Valkey restarts without persistence under a running bridge, new jobs with reused ids run', async () => {
  const queue = queueFor('audit-logs');
  const before = await queue.addBulk(
    [1, 2, 3].map((i) => ({
      name: 'audit-event',
      data: auditEventData({ tenantId: tenant, entityId: `restart-before-${i}` }),
    })),
  );
  for (const job of before) await finished(queue, job);
  const counter = new Redis(redisUrl);
  const lastIdBefore = Number(await counter.get(`${prefix}:audit-logs:id`));
  counter.disconnect();

  await privateRedis.stop();
  await privateRedis.start();
  // The bridge reconnects by itself; the counter starts over, so these get the ids above.
  const after = await waitFor(
    async () => {
      try {
        return await queue.addBulk(
          [1, 2, 3].map((i) => ({
            name: 'audit-event',
            data: auditEventData({ tenantId: tenant, entityId: `restart-after-${i}` }),
          })),
        );
      } catch {
        return undefined;
      }
    },
    20_000,
    () => 'could not enqueue after the Redis restart',
  );
  // Every one of them has an id an earlier job had.
  expect(after.map((job) => job.id)).toEqual(['1', '2', '3']);
  expect(lastIdBefore).toBeGreaterThanOrEqual(3);
  for (const job of after) expect(await (await finished(queue, job)).getState()).toBe('completed');
  const ids = await auditEntityIds();
  expect(ids.filter((id) => id.startsWith('restart-'))).toEqual([
    'restart-after-1',
    'restart-after-2',
    'restart-after-3',
    'restart-before-1',
    'restart-before-2',
    'restart-before-3',
  ]);
}, 120_000);

test('a failed job’s reason is a clean sentence: no source path, code frame or stack', async () => {
  const queue = queueFor('notifications');
  const job = await finished(
    queue,
    await queue.add('create-notification', {
      tenantId: tenant,
      userId: 'no-such-user',
      type: 'SYSTEM_ANNOUNCEMENT',
      title: 'Hello',
      message: 'World',
    }),
  );
  expect(await job.getState()).toBe('failed');
  // A foreign key violation cannot pass on a retry: failed at once.
  expect(job.attemptsMade).toBe(1);
  expect(job.failedReason).toMatch(/Foreign key constraint/);
  expect(job.failedReason).not.toMatch(/\/work\/|\.ts:\d+|\n|→|\bat\s+\S+\s+\(/);
  expect(job.failedReason.length).toBeLessThan(300);
});
