/** Single-tenant mode (MULTI_TENANT_MODE unset): every job goes to DATABASE_URL, tenantId or not. */
import type { Queue } from 'bullmq';
import { createTenantDatabase, databaseUrl, dropDatabase, query, seedBasics } from './support/databases';
import { startApp, stopApp, waitFor, type AppProcess } from './support/processes';
import { uniqueSuffix } from './support/services';
import { stackEnv } from './support/stack';
import { enqueueAuditEvent, testplanitQueue } from './support/testplanit';

const suffix = uniqueSuffix();
const db = `tpw_single_${suffix}`;
const env = stackEnv({ name: 'single', suffix, databaseUrl: databaseUrl(db) });
let app: AppProcess;
let queue: Queue;

beforeAll(async () => {
  await seedBasics(await createTenantDatabase(db));
  queue = testplanitQueue('audit-logs', env.BULLMQ_PREFIX!);
  app = await startApp('all', env);
}, 120_000);

afterAll(async () => {
  if (app) await stopApp(app);
  await queue?.obliterate({ force: true });
  await queue?.close();
  await dropDatabase(db);
});

test('jobs with and without a tenantId land in the one database', async () => {
  expect(app.output()).toContain('Starting all in SINGLE-TENANT mode');
  const jobs = [
    await enqueueAuditEvent(queue, { entityId: 'plain', projectId: 1 }),
    // A web app with INSTANCE_TENANT_ID set sends a tenantId even in single-tenant deployments.
    await enqueueAuditEvent(queue, { tenantId: 'instance-x', entityId: 'with-tenant', projectId: 1 }),
  ];
  await waitFor(
    async () =>
      (await Promise.all(jobs.map((job) => job.getState()))).every((s) => s === 'completed') ? true : undefined,
    60_000,
    () => app.output(),
  );
  const rows = await query<{ entityId: string; projectId: number }>(
    databaseUrl(db),
    `SELECT "entityId", "projectId" FROM "AuditLog" ORDER BY "entityId"`,
  );
  expect(rows).toEqual([
    { entityId: 'plain', projectId: 1 },
    { entityId: 'with-tenant', projectId: 1 },
  ]);
  expect(app.output()).toMatch(/Processing audit-logs job \S+ of type audit-event for tenant \(single-tenant\)/);
});
