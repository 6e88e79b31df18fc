/**
 * Valkey over TLS with a password: the bridge and workers take `rediss://user:password@host` in
 * VALKEY_URL and trust a private CA through Node's NODE_EXTRA_CA_CERTS; the server speaks only
 * TLS and the default user is off. The password shows up in no log line.
 */
import * as fs from 'node:fs';
import { randomBytes } from 'node:crypto';
import { Queue } from 'bullmq';
import { Redis } from 'ioredis';
import { QUEUE_SETTINGS } from '../src/jobs/queues';
import { createTenantDatabase, databaseUrl, dropDatabase, query, seedBasics } from './support/databases';
import { startApp, stopApp, type AppProcess } from './support/processes';
import { makeTestCertificates, PrivateRedis, type RedisTls } from './support/redisServer';
import { uniqueSuffix } from './support/services';
import { stackEnv } from './support/stack';
import { auditEventData, jobFinished } from './support/testplanit';

const suffix = uniqueSuffix();
const tenant = `tls_${suffix}`;
const db = `tpw_tls_${suffix}`;
const user = { username: `bridge-${suffix}`, password: randomBytes(12).toString('hex') };
let certificates: RedisTls;
let redis: PrivateRedis;
let app: AppProcess;
let queue: Queue;

beforeAll(async () => {
  await seedBasics(await createTenantDatabase(db));
  certificates = makeTestCertificates();
  redis = new PrivateRedis(certificates);
  await redis.start();
  const ca = fs.readFileSync(certificates.caFile);
  const setup = new Redis(redis.port, '127.0.0.1', { tls: { ca } });
  await setup.call('ACL', 'SETUSER', user.username, 'on', `>${user.password}`, '~*', '&*', '+@all');
  await setup.call('ACL', 'SETUSER', 'default', 'off');
  setup.disconnect();
  app = await startApp(
    'all',
    stackEnv({
      name: 'tls',
      suffix,
      redisUrl: `rediss://${user.username}:${user.password}@127.0.0.1:${redis.port}`,
      tenants: { [tenant]: { databaseUrl: databaseUrl(db) } },
      extra: { NODE_EXTRA_CA_CERTS: certificates.caFile, BRIDGE_QUEUES: 'audit-logs', WORKER_QUEUES: 'audit-logs' },
    }),
  );
  queue = new Queue('audit-logs', {
    connection: { host: '127.0.0.1', port: redis.port, tls: { ca }, ...user, maxRetriesPerRequest: null },
    prefix: `tls${suffix}`,
    defaultJobOptions: QUEUE_SETTINGS['audit-logs'].defaultJobOptions,
  });
}, 180_000);

afterAll(async () => {
  if (app) await stopApp(app);
  await queue?.close();
  await redis?.stop();
  await dropDatabase(db);
});

test('jobs flow over rediss:// with an ACL user, and its password is never logged', async () => {
  const job = await queue.add('audit-event', auditEventData({ tenantId: tenant, entityId: 'over-tls' }));
  const done = await jobFinished(queue, job, 60_000, () => app.output().slice(-3000));
  expect(done.failedReason).toBeUndefined();
  const rows = await query<{ entityId: string }>(databaseUrl(db), `SELECT "entityId" FROM "AuditLog"`);
  expect(rows.map((row) => row.entityId)).toEqual(['over-tls']);
  // A plain-text client is not served at all.
  const plain = new Redis(redis.port, '127.0.0.1', {
    lazyConnect: true,
    maxRetriesPerRequest: 0,
    retryStrategy: () => null,
    connectTimeout: 2_000,
  });
  await expect(plain.connect().then(() => plain.ping())).rejects.toThrow();
  plain.disconnect();
  expect(app.output()).toContain('Bridge consuming');
  expect(app.output()).not.toContain(user.password);
}, 90_000);
