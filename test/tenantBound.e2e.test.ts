/**
 * Tenant-bound mode on a Redis of the test's own with ACLs on (the default user off): each tenant's
 * web app enqueues under its own BullMQ prefix as its own Valkey user, made by `npm run acl --
 * --apply`; the bridge and worker log in as the bridge user. A tenant cannot write under another's
 * prefix (the server refuses), a job in a tenant's prefix that names another tenant fails naming
 * both and changes nothing, and no configured secret shows up in a log line, a job field or a
 * workflow history.
 */
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import * as path from 'node:path';
import { promisify } from 'node:util';
import { Queue, type Job } from 'bullmq';
import { Client, Connection, WorkflowNotFoundError } from '@temporalio/client';
import { Redis } from 'ioredis';
import { jobInstanceOf, workflowIdForJob } from '../src/jobs/ids';
import { QUEUE_SETTINGS } from '../src/jobs/queues';
import { createTenantDatabase, databaseUrl, dropDatabase, query, seedBasics, withAdmin } from './support/databases';
import { waitFor, type AppProcess } from './support/processes';
import { startStack, stackEnv, stopStack } from './support/stack';
import { PrivateRedis } from './support/redisServer';
import { services, uniqueSuffix } from './support/services';
import { auditEventData, jobFinished } from './support/testplanit';

const suffix = uniqueSuffix();
const secret = () => randomBytes(12).toString('hex');
const tenantA = `ta_${suffix}`;
const tenantB = `tb_${suffix}`;
const tenantGone = `tg_${suffix}`; // its database does not exist: its jobs fail with a connection error
const prefixA = `pa${suffix}`;
const prefixB = `pb${suffix}`;
const sharedPrefix = `shared${suffix}`; // stackEnv's BULLMQ_PREFIX for the name 'shared'
const dbA = `tpw_bound_a_${suffix}`;
const dbB = `tpw_bound_b_${suffix}`;
const role = `tpw_bound_${suffix}`;
const secrets = {
  databasePassword: secret(),
  bridgePassword: secret(),
  tenantAPassword: secret(),
  tenantBPassword: secret(),
  adminPassword: secret(),
  encryptionKey: secret(),
  smtpPassword: secret(),
};
const redis = new PrivateRedis();
const admin = { username: `admin-${suffix}`, password: secrets.adminPassword };
const userA = { username: `tenant-${tenantA}`, password: secrets.tenantAPassword };
const userB = { username: `tenant-${tenantB}`, password: secrets.tenantBPassword };

/** A tenant database reached as a role of its own, so its password is a secret nobody else uses. */
function tenantDatabaseUrl(db: string): string {
  const url = new URL(databaseUrl(db));
  url.username = role;
  url.password = secrets.databasePassword;
  return url.toString();
}

const appEnv = stackEnv({
  name: 'shared',
  suffix,
  redisUrl: `redis://bridge-${suffix}:${secrets.bridgePassword}@127.0.0.1:${redis.port}`,
  tenants: {
    [tenantA]: { databaseUrl: tenantDatabaseUrl(dbA), bullmqPrefix: prefixA, valkeyPassword: secrets.tenantAPassword },
    [tenantB]: { databaseUrl: tenantDatabaseUrl(dbB), bullmqPrefix: prefixB, valkeyPassword: secrets.tenantBPassword },
    [tenantGone]: { databaseUrl: tenantDatabaseUrl(`tpw_bound_gone_${suffix}`) },
  },
  extra: {
    ENCRYPTION_KEY: secrets.encryptionKey,
    EMAIL_SERVER_HOST: '127.0.0.1',
    EMAIL_SERVER_PORT: '2525',
    EMAIL_SERVER_USER: 'mailer',
    EMAIL_SERVER_PASSWORD: secrets.smtpPassword,
    EMAIL_FROM: 'noreply@example.test',
  },
});

let worker: AppProcess;
let bridge: AppProcess;
let connection: Connection;
let temporal: Client;
let aclOutput: string;
const queues: Queue[] = [];

function queueAs(user: { username: string; password: string }, prefix: string): Queue {
  const queue = new Queue('audit-logs', {
    connection: {
      host: '127.0.0.1',
      port: redis.port,
      username: user.username,
      password: user.password,
      maxRetriesPerRequest: null,
    },
    prefix,
    defaultJobOptions: QUEUE_SETTINGS['audit-logs'].defaultJobOptions,
  });
  queue.on('error', () => undefined);
  queues.push(queue);
  return queue;
}

async function auditEntityIds(db: string): Promise<string[]> {
  return (
    await query<{ entityId: string }>(databaseUrl(db), `SELECT "entityId" FROM "AuditLog" ORDER BY "entityId"`)
  ).map((row) => row.entityId);
}

/**
 * JSON.stringify replacer: payload bytes as the text they encode, so a secret inside is seen
 * (the history's messages turn bytes into base64 in their own toJSON).
 */
function decodePayloadBytes(key: string, value: unknown): unknown {
  if (key === 'data' && typeof value === 'string') return Buffer.from(value, 'base64').toString('utf8');
  if (value instanceof Uint8Array) return Buffer.from(value).toString('utf8');
  const buffer = value as { type?: string; data?: unknown };
  if (buffer?.type === 'Buffer' && Array.isArray(buffer.data))
    return Buffer.from(buffer.data as number[]).toString('utf8');
  return value;
}

function logTails(): string {
  return `${bridge.output().slice(-2500)}\n${worker.output().slice(-2500)}`;
}

async function finished(queue: Queue, job: Job): Promise<Job> {
  return jobFinished(queue, job, 60_000, logTails);
}

/** The workflow of a job's first attempt, if one was ever started. */
async function workflowExists(tenantKey: string, job: Job): Promise<boolean> {
  const workflowId = workflowIdForJob(jobInstanceOf(tenantKey, 'audit-logs', job), 0);
  return temporal.workflow
    .getHandle(workflowId)
    .describe()
    .then(
      () => true,
      (error: unknown) => {
        if (error instanceof WorkflowNotFoundError) return false;
        throw error;
      },
    );
}

beforeAll(async () => {
  await withAdmin((client) => client.query(`CREATE ROLE ${role} LOGIN PASSWORD '${secrets.databasePassword}'`));
  for (const db of [dbA, dbB]) {
    await createTenantDatabase(db);
    await seedBasics(databaseUrl(db));
    await query(databaseUrl(db), `GRANT USAGE ON SCHEMA public TO ${role}`);
    await query(databaseUrl(db), `GRANT ALL ON ALL TABLES IN SCHEMA public TO ${role}`);
    await query(databaseUrl(db), `GRANT ALL ON ALL SEQUENCES IN SCHEMA public TO ${role}`);
  }
  await redis.start();
  const setup = new Redis(redis.port, '127.0.0.1');
  await setup.call('ACL', 'SETUSER', admin.username, 'on', `>${admin.password}`, '~*', '&*', '+@all');
  await setup.call('ACL', 'SETUSER', 'default', 'off');
  setup.disconnect();
  // The operator's command, as documented: users from the configuration, applied as an admin.
  const { stdout } = await promisify(execFile)(
    process.execPath,
    ['--import', 'tsx', 'src/tenancy/aclCli.ts', '--apply'],
    {
      cwd: path.resolve(__dirname, '..'),
      env: {
        ...process.env,
        ...appEnv,
        VALKEY_ADMIN_URL: `redis://${admin.username}:${admin.password}@127.0.0.1:${redis.port}`,
      },
    },
  );
  aclOutput = stdout;
  connection = await Connection.connect({ address: services.temporalAddress });
  temporal = new Client({ connection });
  ({ worker, bridge } = await startStack(appEnv, {
    worker: { WORKER_QUEUES: 'audit-logs' },
    bridge: { BRIDGE_QUEUES: 'audit-logs' },
  }));
}, 180_000);

afterAll(async () => {
  await stopStack(bridge, worker);
  for (const queue of queues) await queue.close();
  await connection?.close();
  await redis.stop();
  await Promise.all([dropDatabase(dbA), dropDatabase(dbB)]);
  await withAdmin((client) => client.query(`DROP ROLE IF EXISTS ${role}`));
});

test('npm run acl prints and applies one user per tenant prefix and the bridge user, with password hashes only', () => {
  expect(aclOutput).toContain(`ACL SETUSER ${userA.username} reset on #`);
  expect(aclOutput).toContain(`~${prefixA}:*`);
  expect(aclOutput).toMatch(
    new RegExp(
      `ACL SETUSER bridge-${suffix} .*~${sharedPrefix}:\\* ~${prefixA}:\\* ~${prefixB}:\\* ~testplanit-workers:\\*`,
    ),
  );
  expect(aclOutput).toContain('Applied 3 ACL users');
  for (const value of Object.values(secrets)) expect(aclOutput).not.toContain(value);
});

test('each tenant enqueues under its own prefix as its own user; its jobs run in its own database', async () => {
  const queueA = queueAs(userA, prefixA);
  const queueB = queueAs(userB, prefixB);
  const jobsA = await Promise.all(
    Array.from({ length: 5 }, (_, i) =>
      queueA.add('audit-event', auditEventData({ tenantId: tenantA, entityId: `own-a-${i}` })),
    ),
  );
  // TestPlanIt's web app always names its tenant; a job without one is still the prefix's tenant's.
  const { tenantId: _omitted, ...unnamed } = auditEventData({ tenantId: tenantB, entityId: 'own-b-unnamed' });
  const jobsB = [
    await queueB.add('audit-event', auditEventData({ tenantId: tenantB, entityId: 'own-b-0' })),
    await queueB.add('audit-event', unnamed),
  ];
  for (const job of jobsA) expect((await finished(queueA, job)).finishedOn).toBeDefined();
  for (const job of jobsB) expect((await finished(queueB, job)).failedReason).toBeUndefined();
  expect(await auditEntityIds(dbA)).toEqual(['own-a-0', 'own-a-1', 'own-a-2', 'own-a-3', 'own-a-4']);
  expect(await auditEntityIds(dbB)).toEqual(['own-b-0', 'own-b-unnamed']);

  // The admin page's view, with the tenant's own user: counts, lists, a job's logs.
  expect((await queueA.getJobCounts('completed')).completed).toBeGreaterThanOrEqual(5);
  expect((await queueA.getJobs(['completed'], 0, 100)).map((job) => job.id)).toEqual(
    expect.arrayContaining(jobsA.map((job) => job.id)),
  );
  expect(Array.isArray((await queueA.getJobLogs(jobsA[0]!.id!)).logs)).toBe(true);
}, 90_000);

test('a tenant cannot enqueue under another tenant’s prefix or read its jobs: the server refuses', async () => {
  const intruder = queueAs(userA, prefixB);
  await expect(intruder.add('audit-event', auditEventData({ tenantId: tenantA, entityId: 'intrude' }))).rejects.toThrow(
    /NOPERM/,
  );
  await expect(intruder.getJobCounts('waiting')).rejects.toThrow(/NOPERM/);
  const shared = queueAs(userA, sharedPrefix);
  await expect(
    shared.add('audit-event', auditEventData({ tenantId: tenantA, entityId: 'via-shared' })),
  ).rejects.toThrow(/NOPERM/);
});

test('a job in a tenant’s prefix that names another tenant fails at once naming both, and nothing is written', async () => {
  const queueA = queueAs(userA, prefixA);
  const before = { a: await auditEntityIds(dbA), b: await auditEntityIds(dbB) };
  const forged = await queueA.add('audit-event', auditEventData({ tenantId: tenantB, entityId: 'forged' }));
  const failed = await finished(queueA, forged);
  expect(failed.failedReason).toBe(
    `The job names tenant "${tenantB}" but was enqueued under prefix "${prefixA}" of tenant "${tenantA}"; a tenant's jobs can only act as that tenant`,
  );
  expect(failed.attemptsMade).toBe(1); // not retried
  expect(await auditEntityIds(dbA)).toEqual(before.a);
  expect(await auditEntityIds(dbB)).toEqual(before.b);
  expect(await workflowExists(tenantA, forged)).toBe(false);
  expect(await workflowExists(tenantB, forged)).toBe(false);

  // Retry from the admin page, as the tenant's own user: it runs again and is refused again.
  await failed.retry();
  await waitFor(
    async () => ((await queueA.getJob(forged.id!))?.attemptsMade === 2 ? true : undefined),
    30_000,
    logTails,
  );
  expect((await queueA.getJob(forged.id!))!.failedReason).toContain(`names tenant "${tenantB}"`);
  // ... and the admin page may remove it.
  await (await queueA.getJob(forged.id!))!.remove();
  expect(await queueA.getJob(forged.id!)).toBeUndefined();
}, 90_000);

test('on the shared prefix, a job naming a tenant bound to its own prefix is refused', async () => {
  const shared = queueAs(admin, sharedPrefix);
  const job = await shared.add('audit-event', auditEventData({ tenantId: tenantA, entityId: 'shared-a' }));
  const failed = await finished(shared, job);
  expect(failed.failedReason).toBe(
    `Tenant "${tenantA}" takes jobs only from its own prefix "${prefixA}", not from the shared prefix "${sharedPrefix}"`,
  );
  expect(await auditEntityIds(dbA)).not.toContain('shared-a');
}, 60_000);

test('no configured secret appears in a log line, a job field or a workflow history', async () => {
  // A job whose tenant's database cannot be reached: its activity fails with the driver's own
  // error text and is retried by Temporal (the job stays active); the worker logs each failure.
  const shared = queueAs(admin, sharedPrefix);
  const gone = await shared.add('audit-event', auditEventData({ tenantId: tenantGone, entityId: 'gone' }));
  const goneWorkflowId = workflowIdForJob(jobInstanceOf(tenantGone, 'audit-logs', gone), 0);
  await waitFor(
    async () => (worker.output().includes(goneWorkflowId) && /does not exist/.test(worker.output()) ? true : undefined),
    60_000,
    logTails,
  );

  const texts: Array<[string, string]> = [
    ['bridge log', bridge.output()],
    ['worker log', worker.output()],
  ];
  const reader = new Redis({ port: redis.port, host: '127.0.0.1', username: admin.username, password: admin.password });
  try {
    for (const prefix of [prefixA, prefixB, sharedPrefix]) {
      const keys = await reader.keys(`${prefix}:audit-logs:*`);
      expect(keys.length).toBeGreaterThan(0);
      for (const key of keys) {
        const type = await reader.type(key);
        if (type === 'hash') texts.push([key, JSON.stringify(await reader.hgetall(key))]);
        else if (type === 'list') texts.push([key, JSON.stringify(await reader.lrange(key, 0, -1))]);
      }
    }
  } finally {
    reader.disconnect();
  }
  let histories = 0;
  for (const tenant of [tenantA, tenantB, tenantGone]) {
    for await (const execution of temporal.workflow.list({ query: `TenantId = "${tenant}"` })) {
      const history = await temporal.workflow.getHandle(execution.workflowId, execution.runId).fetchHistory();
      texts.push([`history ${execution.workflowId}`, JSON.stringify(history, decodePayloadBytes)]);
      histories++;
    }
  }
  expect(histories).toBeGreaterThanOrEqual(3);
  // The payloads were read as text: a secret in one would have been seen.
  expect(texts.some(([where, text]) => where.startsWith('history') && text.includes('own-a-0'))).toBe(true);
  const leaks = texts.flatMap(([where, text]) =>
    Object.entries(secrets)
      .filter(([, value]) => text.includes(value))
      .map(([name]) => `${name} in ${where}`),
  );
  expect(leaks).toEqual([]);
}, 90_000);
