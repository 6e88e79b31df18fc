/**
 * issue-sync jobs on the real stack against Jira, GitHub and Azure DevOps APIs served on loopback
 * (test/support/fakeTrackers.ts): two tenants, rate limits, auth failures, crash and resume.
 */
import type { Job, JobsOptions, Queue } from 'bullmq';
import { jobInstanceOf, jobInstanceKey, trackerCreationMark } from '../src/jobs/ids';
import { createTenantDatabase, databaseUrl, dropDatabase, query, seedBasics } from './support/databases';
import { FakeTrackers } from './support/fakeTrackers';
import { startApp, stopApp, waitFor, type AppProcess } from './support/processes';
import { documentIds, es, indicesStartingWith } from './support/search';
import { services, uniqueSuffix } from './support/services';
import { startStack, stackEnv } from './support/stack';
import { jobFinished, testplanitQueue } from './support/testplanit';

const suffix = uniqueSuffix();
const tenantA = `sa_${suffix}`;
const tenantB = `sb_${suffix}`;
const dbA = `tpw_sync_a_${suffix}`;
const dbB = `tpw_sync_b_${suffix}`;
const urlA = databaseUrl(dbA);
const urlB = databaseUrl(dbB);
const IMPORTED = 3_000;

const fake = new FakeTrackers();
let env: Record<string, string>;
let worker: AppProcess;
let bridge: AppProcess;
let queue: Queue;
let jiraA: number;
let githubA: number;
let adoB: number;

function finished(job: Job, timeoutMs = 180_000): Promise<Job> {
  return jobFinished(queue, job, timeoutMs, () => worker.output().slice(-3000));
}

async function integration(
  url: string,
  name: string,
  provider: string,
  authType: string,
  credentials: unknown,
  settings: unknown,
): Promise<number> {
  const [row] = await query<{ id: number }>(
    url,
    `INSERT INTO "Integration" (name, provider, "authType", status, credentials, settings, "updatedAt") VALUES ($1, $2::"IntegrationProvider", $3::"IntegrationAuthType", 'ACTIVE', $4, $5, now()) RETURNING id`,
    [name, provider, authType, JSON.stringify(credentials), JSON.stringify(settings)],
  );
  return row!.id;
}

async function localIssues(url: string, integrationId: number, externalIds: string[]): Promise<void> {
  await query(
    url,
    `INSERT INTO "Issue" (name, title, "externalId", "createdById", "projectId", "integrationId")
     SELECT e, 'stale title', e, 'user-admin', 1, $1 FROM unnest($2::text[]) AS e`,
    [integrationId, externalIds],
  );
}

const syncJob = (
  name: string,
  tenantId: string,
  integrationId: number,
  extra: Record<string, unknown> = {},
  options: JobsOptions = {},
) =>
  queue.add(
    name,
    {
      userId: 'user-admin',
      integrationId,
      action:
        name === 'create-issue'
          ? 'create'
          : name === 'update-issue'
            ? 'update'
            : name === 'refresh-issue'
              ? 'refresh'
              : 'sync',
      tenantId,
      ...extra,
    },
    options,
  );

beforeAll(async () => {
  await fake.start();
  await seedBasics(await createTenantDatabase(dbA));
  await seedBasics(await createTenantDatabase(dbB));
  fake.jira.set(
    'AUTH',
    Array.from({ length: 120 }, (_, i) => ({
      number: i + 1,
      title: `Jira title ${i + 1}`,
      body: `Jira body ${i + 1}`,
      state: 'In Progress',
    })),
  );
  fake.jira.set(
    'IMP',
    Array.from({ length: IMPORTED }, (_, i) => ({
      number: i + 1,
      title: `Imported ${i + 1}`,
      body: '',
      state: 'Open',
    })),
  );
  fake.github.set('acme/web', [{ number: 1, title: 'GitHub issue', body: 'body', state: 'open' }]);
  fake.ado.set('Mobile', [{ number: 501, title: 'ADO item', body: 'trace', state: 'Active' }]);

  jiraA = await integration(
    urlA,
    'Jira',
    'JIRA',
    'API_KEY',
    { email: 'qa@a.example', apiToken: 'token-a' },
    { baseUrl: `${fake.baseUrl}/jira` },
  );
  githubA = await integration(
    urlA,
    'GitHub',
    'GITHUB',
    'PERSONAL_ACCESS_TOKEN',
    { personalAccessToken: 'ghp_a' },
    { baseUrl: `${fake.baseUrl}/github` },
  );
  adoB = await integration(
    urlB,
    'Azure DevOps',
    'AZURE_DEVOPS',
    'PERSONAL_ACCESS_TOKEN',
    { personalAccessToken: 'pat-b' },
    { organizationUrl: `${fake.baseUrl}/ado/contoso` },
  );
  await localIssues(urlA, jiraA, [...Array.from({ length: 120 }, (_, i) => `AUTH-${i + 1}`), 'AUTH-999']);
  await localIssues(urlA, githubA, ['acme/web#1']);
  await localIssues(urlB, adoB, ['501']);
  await query(
    urlA,
    `INSERT INTO "ProjectIntegration" (id, "projectId", "integrationId", config, "updatedAt") VALUES ('pi-imp', 1, $1, '{"projectKey":"IMP"}', now())`,
    [jiraA],
  );

  env = stackEnv({
    name: 'sy',
    suffix,
    tenants: {
      [tenantA]: { databaseUrl: urlA, elasticsearchNode: services.elasticsearchNode },
      [tenantB]: { databaseUrl: urlB, elasticsearchNode: services.elasticsearchNode },
    },
    extra: { BRIDGE_STATUS_POLL_MS: '100' },
  });
  queue = testplanitQueue('issue-sync', env.BULLMQ_PREFIX!);
  ({ worker, bridge } = await startStack(env));
}, 180_000);

afterAll(async () => {
  await Promise.all([bridge && stopApp(bridge), worker && stopApp(worker)]);
  await queue?.obliterate({ force: true });
  await queue?.close();
  await fake.stop();
  for (const tenant of [tenantA, tenantB]) {
    const indices = await indicesStartingWith(`testplanit-${tenant}-`);
    if (indices.length > 0) await es.indices.delete({ index: indices });
  }
  await es.close();
  await Promise.all([dropDatabase(dbA), dropDatabase(dbB)]);
});

test('sync-issues refreshes every local issue of the integration, waits out a 429 exactly as asked, and indexes them for the tenant', async () => {
  fake.fail(/GET \/jira\/rest\/api\/3\/issue\/AUTH-5\?/, 429, { 'retry-after': '2' });
  const job = await finished(await syncJob('sync-issues', tenantA, jiraA));
  expect(await job.getState()).toBe('completed');
  expect(job.returnvalue.synced).toBe(120);
  expect(job.returnvalue.errors).toHaveLength(1);
  expect(job.returnvalue.errors[0]).toMatch(/^AUTH-999: Jira issue AUTH-999: HTTP 404/);
  expect(job.progress).toMatchObject({
    current: 121,
    total: 121,
    percentage: 100,
    message: 'Syncing issue 121 of 121',
  });

  const rows = await query<{ externalId: string; title: string; status: string; externalUrl: string }>(
    urlA,
    `SELECT "externalId", title, status, "externalUrl" FROM "Issue" WHERE "integrationId" = $1 AND "externalId" = 'AUTH-7'`,
    [jiraA],
  );
  expect(rows).toEqual([
    {
      externalId: 'AUTH-7',
      title: 'Jira title 7',
      status: 'In Progress',
      externalUrl: `${fake.baseUrl}/jira/browse/AUTH-7`,
    },
  ]);
  expect(await query(urlB, `SELECT 1 FROM "Issue" WHERE title LIKE 'Jira%'`)).toEqual([]);

  // The rate-limited call was retried once, after the 2 s the tracker asked for.
  const calls = fake.seen(/GET \/jira\/rest\/api\/3\/issue\/AUTH-5\?/);
  expect(calls).toHaveLength(2);
  expect(calls[1]!.at - calls[0]!.at).toBeGreaterThanOrEqual(2_000);
  // Batches went on from where they were: every other issue was fetched once.
  expect(fake.seen(/GET \/jira\/rest\/api\/3\/issue\/AUTH-6\?/)).toHaveLength(1);

  const indexed = await documentIds(`testplanit-${tenantA}-issues`);
  expect(indexed).toHaveLength(120);
  expect(await indicesStartingWith(`testplanit-${tenantB}-issues`)).toEqual([]);
}, 240_000);

test('a 401 fails that integration’s sync at once, without retries', async () => {
  fake.fail(/\/github\//, 401);
  const before = fake.seen(/\/github\//).length;
  const job = await finished(await syncJob('sync-issues', tenantA, githubA));
  expect(await job.getState()).toBe('failed');
  expect(job.failedReason).toContain('GitHub issue acme/web#1: HTTP 401');
  expect(job.attemptsMade).toBe(1);
  expect(fake.seen(/\/github\//).length - before).toBe(1);
});

test('refresh-issue, create-issue and update-issue act on the right tenant’s tracker and rows', async () => {
  fake.ado.get('Mobile')![0]!.title = 'ADO item, renamed';
  const refreshed = await finished(await syncJob('refresh-issue', tenantB, adoB, { issueId: '501' }));
  expect(await refreshed.getState()).toBe('completed');
  expect(await query(urlB, `SELECT title, status FROM "Issue" WHERE "externalId" = '501'`)).toEqual([
    { title: 'ADO item, renamed', status: 'Active' },
  ]);

  const created = await finished(
    await syncJob('create-issue', tenantA, jiraA, {
      projectId: '1',
      data: { title: 'Checkout fails', description: 'Seen in run 4', issueType: 'Bug' },
    }),
  );
  expect(await created.getState()).toBe('completed');
  expect(created.returnvalue).toMatchObject({ success: true, externalId: `IMP-${IMPORTED + 1}` });
  expect(fake.jira.get('IMP')!.at(-1)).toMatchObject({ title: 'Checkout fails', body: 'Seen in run 4' });
  expect(
    await query(urlA, `SELECT title, "projectId" FROM "Issue" WHERE "externalId" = $1`, [`IMP-${IMPORTED + 1}`]),
  ).toEqual([{ title: 'Checkout fails', projectId: 1 }]);

  const updated = await finished(
    await syncJob('update-issue', tenantA, githubA, { issueId: 'acme/web#1', data: { status: 'closed' } }),
  );
  expect(await updated.getState()).toBe('completed');
  expect(fake.github.get('acme/web')![0]!.state).toBe('closed');
  expect(await query(urlA, `SELECT status FROM "Issue" WHERE "externalId" = 'acme/web#1'`)).toEqual([
    { status: 'closed' },
  ]);
});

test('a create-issue whose earlier attempt created the tracker issue and died before its row links that issue and creates none', async () => {
  // Delayed, so the test can leave behind what such an attempt leaves before the job runs: the
  // tracker's issue, carrying the job's mark, and no local row.
  const job = await syncJob(
    'create-issue',
    tenantA,
    jiraA,
    { projectId: '1', data: { title: 'Left behind', description: 'by a crash', project: 'CRASH' } },
    { delay: 2_000 },
  );
  const mark = trackerCreationMark(jobInstanceKey(jobInstanceOf(tenantA, 'issue-sync', job)));
  fake.jira.set('CRASH', [
    { number: 1, title: 'Someone else’s', body: '', state: 'To Do', labels: [] },
    { number: 2, title: 'Left behind', body: 'by a crash', state: 'To Do', labels: [mark] },
  ]);
  const createsBefore = fake.seen(/^POST \/jira\/rest\/api\/3\/issue$/).length;

  const done = await finished(job);
  expect(await done.getState()).toBe('completed');
  expect(done.returnvalue).toMatchObject({ success: true, externalId: 'CRASH-2' });
  expect(fake.seen(/^POST \/jira\/rest\/api\/3\/issue$/).length).toBe(createsBefore);
  expect(fake.jira.get('CRASH')).toHaveLength(2);
  expect(await query(urlA, `SELECT title FROM "Issue" WHERE "externalId" LIKE 'CRASH-%'`)).toEqual([
    { title: 'Left behind' },
  ]);
  expect(worker.output()).toContain('Issue CRASH-2 in CRASH was created by an earlier attempt');
});

test('update-issue moves a Jira issue through the transition to the requested status; when none leads there it fails at once, the issue untouched', async () => {
  const transitionCalls = () =>
    fake.seen(/^\w+ \/jira\/rest\/api\/3\/issue\/AUTH-2\/transitions$/).map((request) => request.method);
  const moved = await finished(
    await syncJob('update-issue', tenantA, jiraA, {
      issueId: 'AUTH-2',
      data: { title: 'Ready to ship', status: 'done' },
    }),
  );
  expect(await moved.getState()).toBe('completed');
  // Found by the target status's name ("Done", in any case), not the transition's ("Resolve").
  expect(fake.jira.get('AUTH')![1]).toMatchObject({ title: 'Ready to ship', state: 'Done' });
  expect(transitionCalls()).toEqual(['GET', 'POST']);
  expect(
    await query(urlA, `SELECT title, status, "externalStatus" FROM "Issue" WHERE "externalId" = 'AUTH-2'`),
  ).toEqual([{ title: 'Ready to ship', status: 'Done', externalStatus: 'Done' }]);

  // Asked again, as a retry after the transition went through would: already there, nothing posted.
  const again = await finished(
    await syncJob('update-issue', tenantA, jiraA, { issueId: 'AUTH-2', data: { status: 'Done' } }),
  );
  expect(await again.getState()).toBe('completed');
  expect(transitionCalls()).toEqual(['GET', 'POST', 'GET']);

  const writesToAuth4 = () => fake.seen(/^(PUT|POST) \/jira\/rest\/api\/3\/issue\/AUTH-4/).length;
  const writesBefore = writesToAuth4();
  const refused = await finished(
    await syncJob('update-issue', tenantA, jiraA, {
      issueId: 'AUTH-4',
      data: { title: 'Should not be written', status: 'Archived' },
    }),
  );
  expect(await refused.getState()).toBe('failed');
  expect(refused.attemptsMade).toBe(1);
  expect(refused.failedReason).toBe(
    'Jira issue AUTH-4 has no transition to status "Archived"; its transitions lead to "In Review", "Done", "To Do"',
  );
  // The lookup comes first: neither the title nor the status was written.
  expect(writesToAuth4()).toBe(writesBefore);
  expect(fake.jira.get('AUTH')![3]).toMatchObject({ title: 'Jira title 4', state: 'In Progress' });
  expect(await query(urlA, `SELECT title, status FROM "Issue" WHERE "externalId" = 'AUTH-4'`)).toEqual([
    { title: 'Jira title 4', status: 'In Progress' },
  ]);
});

test('a worker killed during a 3,001-issue project import resumes without refetching done pages; every issue exists once', async () => {
  // The project holds the 3,000 issues plus the one create-issue added (already a local row).
  const total = IMPORTED + 1;
  const searchesBefore = fake.seen(/search\/jql/).length;
  const job = await syncJob('sync-project-issues', tenantA, jiraA, { projectId: '1' });
  await waitFor(
    async () => {
      const progress = (await queue.getJob(job.id!))!.progress as { current?: number };
      return (progress.current ?? 0) >= 600 ? true : undefined;
    },
    120_000,
    () => 'import did not get going',
    20,
  );
  worker.child.kill('SIGKILL');
  await worker.exited;
  worker = await startApp('worker', env);
  const done = await finished(job);
  expect(await done.getState()).toBe('completed');
  expect(done.returnvalue).toEqual({ synced: total, errors: [] });
  const [{ n, distinct }] = (await query<{ n: string; distinct: string }>(
    urlA,
    `SELECT count(*) AS n, count(DISTINCT "externalId") AS distinct FROM "Issue" WHERE "externalId" LIKE 'IMP-%' AND "projectId" = 1`,
  )) as [{ n: string; distinct: string }];
  expect([Number(n), Number(distinct)]).toEqual([total, total]);
  // 31 pages of 100; at most the one page in flight at the kill was asked for again.
  const searches = fake.seen(/search\/jql/).length - searchesBefore;
  expect(searches).toBeGreaterThanOrEqual(31);
  expect(searches).toBeLessThanOrEqual(32);
  // Synced Jira issues, the updated GitHub issue, the issue linked after a crash (CRASH-2) and
  // every imported one are searchable.
  expect(await documentIds(`testplanit-${tenantA}-issues`)).toHaveLength(120 + 1 + 1 + total);
}, 300_000);

test('bad input fails that job alone with a precise message', async () => {
  const noProject = await finished(await syncJob('sync-project-issues', tenantA, jiraA));
  expect(noProject.failedReason).toContain('projectId: projectId is required');
  const noTitle = await finished(await syncJob('create-issue', tenantA, jiraA, { projectId: '1', data: {} }));
  expect(noTitle.failedReason).toContain('data.title: data.title is required');
  const unknownIntegration = await finished(await syncJob('sync-issues', tenantB, 9_999));
  expect(unknownIntegration.failedReason).toBe('Integration 9999 not found');
  expect(unknownIntegration.attemptsMade).toBe(1);
  const unknownTenant = await finished(await syncJob('sync-issues', 'nobody', 1));
  expect(unknownTenant.failedReason).toBe('No configuration found for tenant: nobody');
});
