/** Progress and log mirroring onto a real BullMQ job in Redis. */
import { Redis } from 'ioredis';
import { JobStatusMirror } from '../src/bridge/statusMirror';
import { services, uniqueSuffix } from './support/services';
import { testplanitQueue } from './support/testplanit';

const prefix = `mirror${uniqueSuffix()}`;
const queue = testplanitQueue('elasticsearch-reindex', prefix);
const redis = new Redis(services.redisUrl);

afterAll(async () => {
  await queue.obliterate({ force: true });
  await queue.close();
  await redis.quit();
});

test('progress and new log lines reach the job; a second bridge continues the log without repeats', async () => {
  const added = await queue.add('reindex', { entityType: 'all', userId: 'u1', tenantId: 't1' });
  const key = JobStatusMirror.stateKeyFor(prefix, 'elasticsearch-reindex', added.id!);
  const job = (await queue.getJob(added.id!))!;

  const first = new JobStatusMirror(job, redis, key, 'wf-1');
  await first.apply({ progress: 5, logs: ['Initializing'], logOffset: 0 });
  await first.apply({ progress: 10, logs: ['Initializing', 'Syncing 3 projects'], logOffset: 0 });
  expect((await queue.getJob(added.id!))!.progress).toBe(10);

  // The bridge restarts: a new mirror for the same workflow picks up where the last one stopped.
  const second = new JobStatusMirror((await queue.getJob(added.id!))!, redis, key, 'wf-1');
  await second.apply({
    progress: 50,
    logs: ['Initializing', 'Syncing 3 projects', 'Syncing 120 cases for project P'],
    logOffset: 0,
  });
  // Older lines were dropped from the workflow's window: the offset still places the new ones.
  await second.apply({ progress: 100, logs: ['Reindex completed successfully!'], logOffset: 3 });

  expect((await queue.getJob(added.id!))!.progress).toBe(100);
  expect((await queue.getJobLogs(added.id!)).logs).toEqual([
    'Initializing',
    'Syncing 3 projects',
    'Syncing 120 cases for project P',
    'Reindex completed successfully!',
  ]);

  // A retry is a new workflow: its log is mirrored in full after the earlier attempt's.
  const retry = new JobStatusMirror((await queue.getJob(added.id!))!, redis, key, 'wf-2');
  await retry.apply({ progress: { current: 1, total: 2 }, logs: ['Initializing'], logOffset: 0 });
  expect((await queue.getJobLogs(added.id!)).count).toBe(5);
  expect((await queue.getJob(added.id!))!.progress).toEqual({ current: 1, total: 2 });
});
