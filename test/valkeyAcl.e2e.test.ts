/**
 * The ACL users of src/tenancy/valkeyAcl.ts on a real redis-server of the test's own: tenants produce and
 * administer jobs under their own BullMQ prefix only, the bridge user's Workers process every prefix, the
 * server logs no ACL denial while they do, and the default user is off throughout.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { Queue, WaitingError, Worker, type Job } from 'bullmq';
import { Redis, type RedisOptions } from 'ioredis';
import { aclSetUserCommands, describeAclCommands, type AclPlan } from '../src/tenancy/valkeyAcl';
import { waitFor } from './support/processes';
import { uniqueSuffix } from './support/services';

const suffix = uniqueSuffix();
const port = 20_000 + Math.floor(Math.random() * 20_000);
const QUEUE = 'acl-jobs';
const secret = (): string => randomBytes(18).toString('hex');

const plan: AclPlan = {
  tenants: [
    { tenantId: 'acme', bullmqPrefix: `acme${suffix}`, username: `tenant-acme-${suffix}`, password: secret() },
    { tenantId: 'globex', bullmqPrefix: `globex${suffix}`, username: `tenant-globex-${suffix}`, password: secret() },
  ],
  bridge: { username: `bridge-${suffix}`, password: secret(), prefixes: [`acme${suffix}`, `globex${suffix}`] },
};
const [tenantA, tenantB] = plan.tenants as [AclPlan['tenants'][number], AclPlan['tenants'][number]];
const auditor = { username: `auditor-${suffix}`, password: secret() };

let server: ChildProcess;
const closers: (() => Promise<unknown>)[] = [];
const clientErrors: string[] = [];

function as(user: { username: string; password: string }): RedisOptions {
  return { host: '127.0.0.1', port, username: user.username, password: user.password, maxRetriesPerRequest: null };
}

/** A plain connection, closed after the test; connection errors are kept, not thrown. */
function connect(options: RedisOptions): Redis {
  // A short disconnectTimeout: ioredis otherwise keeps a 2 s timer for a socket that already closed.
  const redis = new Redis({ ...options, lazyConnect: true, retryStrategy: () => null, disconnectTimeout: 100 });
  redis.on('error', (error: Error) => clientErrors.push(`redis: ${error.message}`));
  closers.push(async () => redis.disconnect());
  return redis;
}

function queueOf(user: { username: string; password: string }, prefix: string): Queue {
  const queue = new Queue(QUEUE, {
    connection: as(user),
    prefix,
    defaultJobOptions: { removeOnComplete: { age: 3600, count: 100 }, removeOnFail: { age: 3600 } },
  });
  queue.on('error', (error: Error) => clientErrors.push(`queue ${prefix}: ${error.message}`));
  closers.push(() => queue.close());
  return queue;
}

async function aclLog(): Promise<{ username: string; reason: string; object: string; context: string }[]> {
  const redis = connect({ ...as(auditor), enableReadyCheck: false });
  const entries = (await redis.call('ACL', 'LOG')) as unknown[][];
  redis.disconnect();
  return entries.map((flat) => {
    const entry = new Map<string, unknown>();
    for (let index = 0; index < flat.length; index += 2) entry.set(String(flat[index]), flat[index + 1]);
    return {
      username: String(entry.get('username')),
      reason: String(entry.get('reason')),
      object: String(entry.get('object')),
      context: String(entry.get('context')),
    };
  });
}

async function resetAclLog(): Promise<void> {
  const redis = connect({ ...as(auditor), enableReadyCheck: false });
  await redis.call('ACL', 'LOG', 'RESET');
  redis.disconnect();
}

async function counts(queue: Queue): Promise<Record<string, number>> {
  return queue.getJobCounts('waiting', 'active', 'delayed', 'prioritized', 'completed', 'failed');
}

beforeAll(async () => {
  server = spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'], {
    stdio: 'ignore',
  });
  const admin = await waitFor(
    async () => {
      const probe = new Redis(port, '127.0.0.1', {
        lazyConnect: true,
        maxRetriesPerRequest: 0,
        retryStrategy: () => null,
        disconnectTimeout: 100,
      });
      try {
        await probe.connect();
        return (await probe.ping()) === 'PONG' ? probe : undefined;
      } catch {
        probe.disconnect();
        return undefined;
      }
    },
    20_000,
    () => `redis-server did not start on ${port}`,
    100,
  );
  for (const args of aclSetUserCommands(plan)) await admin.call('ACL', 'SETUSER', ...args);
  // Only for reading ACL LOG; it has no keys and no other command.
  await admin.call(
    'ACL',
    'SETUSER',
    auditor.username,
    'reset',
    'on',
    `>${auditor.password}`,
    'resetchannels',
    '-@all',
    '+acl|log',
  );
  await admin.call('ACL', 'SETUSER', 'default', 'off');
  admin.disconnect();
}, 30_000);

afterAll(async () => {
  for (const close of closers.reverse()) await close().catch(() => undefined);
  if (server && server.exitCode === null) {
    const exited = new Promise((resolve) => server.once('exit', resolve));
    server.kill('SIGKILL');
    await exited;
  }
});

test('the default user is off once the rules are applied', async () => {
  const anonymous = connect({ host: '127.0.0.1', port, maxRetriesPerRequest: 0, enableReadyCheck: false });
  await anonymous.connect();
  await expect(anonymous.get('anything')).rejects.toThrow(/NOAUTH/);
  await expect(anonymous.call('AUTH', 'default', '')).rejects.toThrow(/WRONGPASS.*disabled/);
});

test('tenants produce and administer their own jobs; the bridge user processes both prefixes', async () => {
  await resetAclLog();
  clientErrors.length = 0;
  const queueA = queueOf(tenantA, tenantA.bullmqPrefix);
  const queueB = queueOf(tenantB, tenantB.bullmqPrefix);

  const single = await queueA.add('ok', { n: 1 });
  const bulk = await queueA.addBulk([
    { name: 'ok', data: { n: 2 } },
    { name: 'slow', data: { n: 3 } },
    { name: 'defer', data: { n: 4 } },
  ]);
  const failing = await queueA.add('fail', { n: 5 }, { attempts: 2, backoff: { type: 'fixed', delay: 100 } });
  const jobB = await queueB.add('ok', { n: 6 });
  expect(single.id).toBeDefined();
  expect(bulk.map((job) => job.id)).toHaveLength(3);
  expect(new Set((await queueA.getJobs(['waiting'])).map((job) => job.id))).toEqual(
    new Set([single.id, ...bulk.map((job) => job.id), failing.id]),
  );
  expect((await counts(queueA)).waiting).toBe(5);
  expect((await counts(queueB)).waiting).toBe(1);

  let stillFailing = true;
  let deferredOnce = false;
  const processed: string[] = [];
  const processor = async (job: Job, token?: string): Promise<string> => {
    await job.log(`attempt ${job.attemptsMade + 1} of ${job.name}`);
    await job.updateProgress(50);
    if (job.name === 'defer' && !deferredOnce) {
      deferredOnce = true;
      await job.moveToWait(token);
      throw new WaitingError();
    }
    if (job.name === 'slow') await new Promise((resolve) => setTimeout(resolve, 2500)); // past two lock renewals
    if (job.name === 'fail' && stillFailing) throw new Error('boom');
    await job.updateProgress(100);
    processed.push(`${job.prefix}/${job.id}`);
    return `done ${job.data.n}`;
  };
  for (const prefix of plan.bridge.prefixes) {
    const worker = new Worker(QUEUE, processor, {
      connection: as(plan.bridge),
      prefix,
      lockDuration: 1000,
      stalledInterval: 500,
    });
    worker.on('error', (error: Error) => clientErrors.push(`worker ${prefix}: ${error.message}`));
    closers.push(() => worker.close());
  }

  await waitFor(
    async () => {
      const [a, b] = [await counts(queueA), await counts(queueB)];
      return a.completed === 4 && a.failed === 1 && b.completed === 1 ? true : undefined;
    },
    60_000,
    async () =>
      `not finished: A ${JSON.stringify(await counts(queueA))} B ${JSON.stringify(await counts(queueB))} ${clientErrors.join('; ')}`,
    100,
  );
  expect(processed).toContain(`${tenantB.bullmqPrefix}/${jobB.id}`);
  const doneB = await queueB.getJob(jobB.id!);
  expect(doneB?.returnvalue).toBe('done 6');
  expect(doneB?.progress).toBe(100);

  // Admin page reads: lists by state, counts, one job, its logs.
  const listed = await queueA.getJobs(['waiting', 'active', 'completed', 'failed']);
  expect(listed.map((job) => job.id).sort()).toEqual([single.id, ...bulk.map((job) => job.id), failing.id].sort());
  expect(await counts(queueA)).toMatchObject({
    waiting: 0,
    active: 0,
    delayed: 0,
    prioritized: 0,
    completed: 4,
    failed: 1,
  });
  const failed = await queueA.getJob(failing.id!);
  expect(failed?.attemptsMade).toBe(2);
  expect(failed?.failedReason).toBe('boom');
  expect(await queueA.getJobLogs(failing.id!)).toEqual({ logs: ['attempt 1 of fail', 'attempt 2 of fail'], count: 2 });
  const deferred = await queueA.getJob(bulk[2]!.id!);
  expect(deferred?.returnvalue).toBe('done 4');
  expect((await queueA.getJobLogs(bulk[2]!.id!)).count).toBe(2);
  expect((await queueA.getJob(bulk[1]!.id!))?.returnvalue).toBe('done 3');

  // Retry the failed job: it runs again and completes.
  stillFailing = false;
  await failed!.retry();
  await waitFor(
    async () => ((await queueA.getJobState(failing.id!)) === 'completed' ? true : undefined),
    30_000,
    () => 'retried job did not complete',
  );
  expect((await queueA.getJob(failing.id!))?.returnvalue).toBe('done 5');

  // Remove a job: its hash and its log list are gone.
  const removed = await queueA.getJob(single.id!);
  await removed!.remove();
  expect(await queueA.getJob(single.id!)).toBeUndefined();
  const rawA = connect(as(tenantA));
  expect(
    await rawA.exists(
      `${tenantA.bullmqPrefix}:${QUEUE}:${single.id}`,
      `${tenantA.bullmqPrefix}:${QUEUE}:${single.id}:logs`,
    ),
  ).toBe(0);
  expect((await counts(queueA)).completed).toBe(4);

  // Nothing above was refused, not even in a path BullMQ retries or swallows.
  expect(clientErrors).toEqual([]);
  expect(await aclLog()).toEqual([]);
});

test('a tenant cannot write or read under another tenant’s prefix', async () => {
  await resetAclLog();
  const queueB = queueOf(tenantB, tenantB.bullmqPrefix);
  const before = await counts(queueB);
  const [jobB] = await queueB.getJobs(['completed']);
  expect(jobB).toBeDefined();

  const intruder = queueOf(tenantA, tenantB.bullmqPrefix);
  await expect(intruder.add('ok', { n: 7 })).rejects.toThrow(/NOPERM/);
  await expect(intruder.addBulk([{ name: 'ok', data: { n: 8 } }])).rejects.toThrow(/NOPERM/);
  await expect(intruder.getJobCounts()).rejects.toThrow(/NOPERM/);
  expect(await counts(queueB)).toEqual(before);

  const rawA = connect(as(tenantA));
  const jobKey = `${tenantB.bullmqPrefix}:${QUEUE}:${jobB!.id}`;
  await expect(rawA.hgetall(jobKey)).rejects.toThrow(/NOPERM/);
  await expect(rawA.lrange(`${jobKey}:logs`, 0, -1)).rejects.toThrow(/NOPERM/);
  await expect(rawA.exists(jobKey)).rejects.toThrow(/NOPERM/);
  await expect(rawA.call('EVAL', "return redis.call('HGETALL', KEYS[1])", '1', jobKey)).rejects.toThrow(/NOPERM/);
  // A script may not reach keys it did not declare either.
  await expect(rawA.call('EVAL', "return redis.call('HGETALL', ARGV[1])", '0', jobKey)).rejects.toThrow(
    /NOPERM|no permissions|can't access/,
  );
  expect(await queueB.getJob(jobB!.id!)).toBeDefined();

  const denied = await aclLog();
  expect(denied.length).toBeGreaterThan(0);
  expect(denied.filter((entry) => entry.username !== tenantA.username)).toEqual([]);
  expect(denied.some((entry) => entry.reason === 'key' && entry.object.startsWith(`${tenantB.bullmqPrefix}:`))).toBe(
    true,
  );
});

test('tenant and bridge users have no server-wide or pub/sub commands, and keys only under their prefixes', async () => {
  const rawA = connect(as(tenantA));
  const bridge = connect(as(plan.bridge));
  expect(await rawA.info('server')).toMatch(/redis_version/);
  for (const redis of [rawA, bridge]) {
    await expect(redis.flushall()).rejects.toThrow(/NOPERM/);
    await expect(redis.flushdb()).rejects.toThrow(/NOPERM/);
    await expect(redis.keys('*')).rejects.toThrow(/NOPERM/);
    await expect(redis.scan(0)).rejects.toThrow(/NOPERM/);
    await expect(redis.call('CONFIG', 'GET', 'maxmemory')).rejects.toThrow(/NOPERM/);
    await expect(redis.call('ACL', 'LIST')).rejects.toThrow(/NOPERM/);
    await expect(redis.call('SCRIPT', 'FLUSH')).rejects.toThrow(/NOPERM/);
    await expect(redis.call('CLIENT', 'LIST')).rejects.toThrow(/NOPERM/);
    await expect(redis.publish(`${tenantA.bullmqPrefix}:x`, 'hi')).rejects.toThrow(/NOPERM/);
  }
  await expect(rawA.set(`${tenantA.bullmqPrefix}:plain`, '1')).resolves.toBe('OK');
  await expect(rawA.set('elsewhere:plain', '1')).rejects.toThrow(/NOPERM/);

  // The bridge's own keys: plain GET/SET/DEL under every prefix, nothing outside them.
  for (const prefix of plan.bridge.prefixes) {
    const key = `${prefix}:${QUEUE}:bridge-note`;
    expect(await bridge.set(key, 'v', 'EX', 60)).toBe('OK');
    expect(await bridge.get(key)).toBe('v');
    expect(await bridge.del(key)).toBe(1);
  }
  await expect(bridge.set('elsewhere:plain', '1')).rejects.toThrow(/NOPERM/);
  await expect(bridge.get(`${tenantA.bullmqPrefix}x:plain`)).rejects.toThrow(/NOPERM/);
});

test('the printed rules carry passwords only as SHA-256 hashes', () => {
  const text = describeAclCommands(aclSetUserCommands(plan));
  const lines = text.split('\n');
  expect(lines).toHaveLength(3);
  for (const line of lines) expect(line).toMatch(/^ACL SETUSER \S+ reset on #[0-9a-f]{64} ~/);
  for (const user of [...plan.tenants, plan.bridge]) {
    expect(text).not.toContain(user.password);
    expect(text).toContain(`#${createHash('sha256').update(user.password).digest('hex')}`);
  }
  expect(text).not.toMatch(/\s[<>]/);
  expect(() => describeAclCommands([['someone', 'on', '>plain']])).toThrow(/plaintext password/);
});

test('plans that could leak or collide are refused with a precise message', () => {
  const tenant = (tenantId: string, bullmqPrefix: string, username: string) => ({
    tenantId,
    bullmqPrefix,
    username,
    password: 'pw',
  });
  const bridge = { username: 'bridge', password: 'pw', prefixes: ['a'] };
  expect(() => aclSetUserCommands({ tenants: [tenant('t', 'acme:x', 'u')], bridge })).toThrow(
    'tenant "t": BullMQ prefix "acme:x" must match ^[a-zA-Z0-9_-]+$',
  );
  expect(() => aclSetUserCommands({ tenants: [tenant('t', 'ac*', 'u')], bridge })).toThrow(/prefix "ac\*" must match/);
  expect(() => aclSetUserCommands({ tenants: [tenant('t1', 'a', 'u1'), tenant('t2', 'a', 'u2')], bridge })).toThrow(
    'tenant "t2": BullMQ prefix "a" is already used by tenant "t1"',
  );
  expect(() => aclSetUserCommands({ tenants: [tenant('t1', 'a', 'u'), tenant('t2', 'b', 'u')], bridge })).toThrow(
    'tenant "t2": username "u" is already used by tenant "t1"',
  );
  expect(() => aclSetUserCommands({ tenants: [tenant('t1', 'a', 'bridge')], bridge })).toThrow(
    'bridge: username "bridge" is already used by tenant "t1"',
  );
  expect(() => aclSetUserCommands({ tenants: [tenant('t1', 'a', 'default')], bridge })).toThrow(
    /"default" is the server's built-in user/,
  );
  expect(() => aclSetUserCommands({ tenants: [tenant('t1', 'a', 'u a')], bridge })).toThrow(
    /username "u a" must match/,
  );
  expect(() => aclSetUserCommands({ tenants: [], bridge: { ...bridge, prefixes: ['a', 'a'] } })).toThrow(
    'bridge: BullMQ prefix "a" is listed twice',
  );
  expect(() => aclSetUserCommands({ tenants: [], bridge: { ...bridge, prefixes: ['a:b'] } })).toThrow(
    /bridge: BullMQ prefix "a:b" must match/,
  );
  expect(() => aclSetUserCommands({ tenants: [{ ...tenant('t', 'a', 'u'), password: '' }], bridge })).toThrow(
    'tenant "t": password must not be empty',
  );

  const [acme, bridgeArgs] = aclSetUserCommands({
    tenants: [tenant('t', 'acme', 'u')],
    bridge: { ...bridge, prefixes: ['acme', 'globex'] },
  });
  expect(acme!.filter((arg) => arg.startsWith('~'))).toEqual(['~acme:*']);
  expect(bridgeArgs!.filter((arg) => arg.startsWith('~'))).toEqual(['~acme:*', '~globex:*']);
  expect(acme).toContain('resetchannels');
  expect(acme!.slice(0, 3)).toEqual(['u', 'reset', 'on']);
});
