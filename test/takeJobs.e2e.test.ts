/**
 * The bridge's several-jobs-per-call fetch (src/bridge/takeJobs.ts) against BullMQ's own Worker,
 * on real Redis: the same jobs are added to two queues under two prefixes, one is read with a
 * Worker's getNextJob one job at a time, the other with JobSource.fetch, and what Redis holds
 * afterwards must be the same job by job (order, locks, attempts, events, what is left behind).
 */
import { Queue, RedisConnection, Worker, type JobsOptions } from 'bullmq';
import { Redis } from 'ioredis';
import { JobSource } from '../src/bridge/jobSource';
import { services, uniqueSuffix } from './support/services';

const QUEUE = 'audit-logs' as const;
const LOCK_MS = 30_000;

/** Normal, prioritized, LIFO and delayed-but-due jobs, as the web apps add them. */
const JOBS: Array<{ id: string; opts?: JobsOptions }> = [
  { id: 'a' },
  { id: 'b', opts: { priority: 5 } },
  { id: 'c' },
  { id: 'd', opts: { priority: 1 } },
  { id: 'e', opts: { lifo: true } },
  { id: 'f', opts: { delay: 1 } },
  { id: 'g' },
];

describe('taking several jobs per script call', () => {
  const redis = new Redis(services.redisUrl, { maxRetriesPerRequest: null });
  const queues: Queue[] = [];
  const closers: Array<{ close(): Promise<unknown> }> = [];
  const connections: Redis[] = [];
  /** BullMQ leaves a connection it was given open: each is closed here. */
  const connection = () => {
    const duplicate = redis.duplicate();
    connections.push(duplicate);
    return duplicate;
  };

  afterAll(async () => {
    for (const closer of closers) await closer.close();
    for (const queue of queues) await queue.obliterate({ force: true }).catch(() => undefined);
    for (const queue of queues) await queue.close();
    for (const duplicate of [...connections, redis]) duplicate.disconnect();
  });

  async function queueWithJobs(prefix: string): Promise<Queue> {
    const queue = new Queue(QUEUE, { connection: connection(), prefix });
    queues.push(queue);
    for (const job of JOBS) await queue.add('audit-event', { job: job.id }, { jobId: job.id, ...job.opts });
    return queue;
  }

  /** As the bridge makes its fetch client: BullMQ's wrapper of an ioredis connection. */
  async function sourceFor(prefix: string): Promise<JobSource> {
    const fetches = new RedisConnection(connection(), { shared: false, blocking: false });
    closers.push(fetches);
    const source = new JobSource(QUEUE, prefix, connection(), await fetches.client, {
      lockDurationMs: LOCK_MS,
      stalledIntervalMs: 30_000,
      maxStalledCount: 1,
    });
    closers.push(source);
    return source;
  }

  /** What Redis holds for a queue, with the fields that carry a clock left out. */
  async function stateOf(prefix: string, token: string) {
    const key = (name: string) => `${prefix}:${QUEUE}:${name}`;
    const jobs: Record<string, unknown> = {};
    for (const { id } of JOBS) {
      const fields = await redis.hgetall(key(id));
      jobs[id] = {
        attempts: fields.ats,
        processed: fields.processedOn !== undefined,
        data: fields.data,
        lockedByToken: (await redis.get(key(`${id}:lock`))) === token,
        lockTtlSet: (await redis.pttl(key(`${id}:lock`))) > LOCK_MS - 60_000,
      };
    }
    const events = await redis.xrange(key('events'), '-', '+');
    return {
      jobs,
      active: await redis.lrange(key('active'), 0, -1),
      wait: await redis.lrange(key('wait'), 0, -1),
      prioritized: await redis.zrange(key('prioritized'), 0, -1),
      delayed: await redis.zrange(key('delayed'), 0, -1),
      marker: await redis.zrange(key('marker'), 0, -1),
      activeEvents: events.filter(([, fields]) => fields[1] === 'active').map(([, fields]) => fields[3]),
    };
  }

  it('leaves Redis as BullMQ’s Worker does, job by job, in the same order', async () => {
    const suffix = uniqueSuffix();
    const [workerPrefix, takePrefix] = [`tpw-take-w-${suffix}`, `tpw-take-t-${suffix}`];
    await queueWithJobs(workerPrefix);
    await queueWithJobs(takePrefix);
    await new Promise((resolve) => setTimeout(resolve, 20)); // the delayed job is due

    const worker = new Worker(QUEUE, null, { connection: connection(), prefix: workerPrefix, autorun: false });
    closers.push(worker);
    const workerOrder: string[] = [];
    for (;;) {
      const job = await worker.getNextJob('the-token', { block: false });
      if (!job) break;
      workerOrder.push(job.id!);
    }

    const fetched = await (await sourceFor(takePrefix)).fetch('the-token', 20);
    expect(fetched.jobs.map((job) => job.id)).toEqual(workerOrder);
    expect(workerOrder).toHaveLength(JOBS.length);
    expect(fetched.jobs.every((job) => job.token === 'the-token' && job.name === 'audit-event')).toBe(true);
    expect(fetched.jobs.map((job) => (job.data as { job: string }).job)).toEqual(workerOrder);
    expect(fetched.delayedUntil).toBe(0);

    const [byWorker, byTake] = [await stateOf(workerPrefix, 'the-token'), await stateOf(takePrefix, 'the-token')];
    expect(byTake).toEqual(byWorker);
    expect(byTake.active).toHaveLength(JOBS.length);
    expect(Object.values(byTake.jobs).every((job) => (job as { lockedByToken: boolean }).lockedByToken)).toBe(true);
  });

  it('takes no more than asked, leaves the rest waiting and reads on where it stopped', async () => {
    const prefix = `tpw-take-n-${uniqueSuffix()}`;
    await queueWithJobs(prefix);
    await new Promise((resolve) => setTimeout(resolve, 20));
    const source = await sourceFor(prefix);

    const first = await source.fetch('t1', 3);
    const rest = await source.fetch('t2', 10);
    expect(first.jobs).toHaveLength(3);
    expect(rest.jobs).toHaveLength(JOBS.length - 3);
    expect(new Set([...first.jobs, ...rest.jobs].map((job) => job.id)).size).toBe(JOBS.length);
    expect(await redis.get(`${prefix}:${QUEUE}:${first.jobs[0]!.id!}:lock`)).toBe('t1');
    expect(await redis.get(`${prefix}:${QUEUE}:${rest.jobs[0]!.id!}:lock`)).toBe('t2');
    expect(await source.fetch('t3', 5)).toEqual({ jobs: [], delayedUntil: 0 });
  });

  it('says when the next delayed job is due, and takes nothing from a paused queue', async () => {
    const prefix = `tpw-take-d-${uniqueSuffix()}`;
    const queue = new Queue(QUEUE, { connection: connection(), prefix });
    queues.push(queue);
    const before = Date.now();
    await queue.add('audit-event', {}, { jobId: 'later', delay: 60_000 });
    const source = await sourceFor(prefix);

    const nothingYet = await source.fetch('t', 5);
    expect(nothingYet.jobs).toEqual([]);
    expect(nothingYet.delayedUntil).toBeGreaterThanOrEqual(before + 60_000);
    expect(nothingYet.delayedUntil).toBeLessThan(Date.now() + 61_000);

    await queue.add('audit-event', {}, { jobId: 'now' });
    await queue.pause();
    expect((await source.fetch('t', 5)).jobs).toEqual([]);
    await queue.resume();
    expect((await source.fetch('t', 5)).jobs.map((job) => job.id)).toEqual(['now']);
  });
});
