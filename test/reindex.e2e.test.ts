/**
 * elasticsearch-reindex jobs on the real stack: PostgreSQL seeded with realistic search data for
 * two tenants, the real Elasticsearch, Temporal, the bridge and the worker as processes.
 */
import { execFile } from 'node:child_process';
import * as path from 'node:path';
import { promisify } from 'node:util';
import type { Job, Queue } from 'bullmq';
import { createTenantDatabase, databaseUrl, dropDatabase, query, seedBasics } from './support/databases';
import { startApp, waitFor, type AppProcess } from './support/processes';
import { documentIds, es, getDocument, indicesBehind, indicesStartingWith } from './support/search';
import { seedSearchData } from './support/searchData';
import { services, uniqueSuffix } from './support/services';
import { startStack, stackEnv, stopStack } from './support/stack';
import { withTemporal } from './support/temporal';
import { jobFinished, testplanitQueue } from './support/testplanit';
import { jobInstanceOf, workflowIdForJob } from '../src/jobs/ids';
import { DOCUMENT_SOURCES } from '../src/search/documents';
import { createPrismaClient } from '../src/tenancy/prismaPool';

const suffix = uniqueSuffix();
const tenantA = `ra_${suffix}`;
const tenantB = `rb_${suffix}`;
const dbA = `tpw_rx_a_${suffix}`;
const dbB = `tpw_rx_b_${suffix}`;
const urlA = databaseUrl(dbA);
const urlB = databaseUrl(dbB);
const CASES_PER_PROJECT_A = 4_000;

const alias = (tenant: string, base: string) => `testplanit-${tenant}-${base}`;
const BASES = {
  projects: 'projects',
  repositoryCases: 'repository-cases',
  sharedSteps: 'shared-steps',
  testRuns: 'test-runs',
  sessions: 'sessions',
  issues: 'issues',
  milestones: 'milestones',
} as const;
type Entity = keyof typeof BASES;

/** The rows each index must hold, by TestPlanIt's rules, read straight from the database. */
const EXPECTED_ROWS: Record<Entity, string> = {
  projects: `SELECT id FROM "Projects"`,
  repositoryCases: `SELECT c.id FROM "RepositoryCases" c JOIN "Projects" p ON p.id = c."projectId" WHERE NOT c."isArchived" AND NOT p."isDeleted"`,
  sharedSteps: `SELECT g.id FROM "SharedStepGroup" g JOIN "Projects" p ON p.id = g."projectId" WHERE NOT p."isDeleted"`,
  testRuns: `SELECT r.id FROM "TestRuns" r JOIN "Projects" p ON p.id = r."projectId" WHERE NOT p."isDeleted"`,
  sessions: `SELECT s.id FROM "Sessions" s JOIN "Projects" p ON p.id = s."projectId" WHERE NOT p."isDeleted"`,
  milestones: `SELECT m.id FROM "Milestones" m JOIN "Projects" p ON p.id = m."projectId" WHERE NOT p."isDeleted"`,
  issues: `SELECT i.id FROM "Issue" i WHERE i."projectId" IS NOT NULL
             OR EXISTS (SELECT 1 FROM "_IssueToRepositoryCases" l JOIN "RepositoryCases" c ON c.id = l."B"
                        JOIN "Projects" p ON p.id = c."projectId" WHERE l."A" = i.id AND NOT p."isDeleted")
             OR EXISTS (SELECT 1 FROM "_IssueToTestRuns" l JOIN "TestRuns" r ON r.id = l."B" WHERE l."A" = i.id AND NOT r."isDeleted")`,
};

async function expectedIds(url: string, entity: Entity): Promise<number[]> {
  return (await query<{ id: number }>(url, `${EXPECTED_ROWS[entity]} ORDER BY 1`)).map((row) => row.id);
}

let env: Record<string, string>;
let worker: AppProcess;
let bridge: AppProcess;
let queue: Queue;

function finished(job: Job, timeoutMs = 240_000): Promise<Job> {
  return jobFinished(queue, job, timeoutMs, () => worker.output().slice(-3000));
}

function reindex(tenantId: string, entityType: string, projectId?: number): Promise<Job> {
  return queue.add('reindex', { entityType, userId: 'user-admin', tenantId, ...(projectId ? { projectId } : {}) });
}

async function progressOf(job: Job): Promise<number> {
  const progress = (await queue.getJob(job.id!))!.progress;
  return typeof progress === 'number' ? progress : 0;
}

async function waitForProgress(job: Job, min: number, max: number): Promise<number> {
  return waitFor(
    async () => {
      const progress = await progressOf(job);
      if (progress >= max) throw new Error(`job ${job.id} went past ${max}% before the test could act (${progress}%)`);
      return progress >= min ? progress : undefined;
    },
    120_000,
    async () => `job ${job.id} at ${await progressOf(job)}%`,
    25,
  );
}

async function expectIndexMatchesDatabase(tenant: string, url: string, entity: Entity): Promise<void> {
  const behind = await indicesBehind(alias(tenant, BASES[entity]));
  expect(behind.alias).toBe(true);
  expect(behind.indices).toHaveLength(1);
  expect(behind.writeIndex).toBe(behind.indices[0]);
  const ids = await documentIds(alias(tenant, BASES[entity]));
  expect(new Set(ids).size).toBe(ids.length);
  expect(ids).toEqual(await expectedIds(url, entity));
}

beforeAll(async () => {
  await seedBasics(await createTenantDatabase(dbA), 3);
  await seedBasics(await createTenantDatabase(dbB), 1);
  await seedSearchData(urlA, { casesPerProject: CASES_PER_PROJECT_A });
  await seedSearchData(urlB, { casesPerProject: 300, issues: 6 });
  // A deleted project of tenant A: its documents stay out of every index.
  await query(urlA, `UPDATE "Projects" SET "isDeleted" = true WHERE id = 3`);
  env = stackEnv({
    name: 'rx',
    suffix,
    tenants: {
      [tenantA]: { databaseUrl: urlA, elasticsearchNode: services.elasticsearchNode },
      [tenantB]: { databaseUrl: urlB, elasticsearchNode: services.elasticsearchNode },
    },
    extra: { BRIDGE_STATUS_POLL_MS: '100', REINDEX_CHUNK_SIZE: '250' },
  });
  queue = testplanitQueue('elasticsearch-reindex', env.BULLMQ_PREFIX!);
  ({ worker, bridge } = await startStack(env));
}, 300_000);

afterAll(async () => {
  await stopStack(bridge, worker);
  await queue?.obliterate({ force: true });
  await queue?.close();
  for (const tenant of [tenantA, tenantB]) {
    const indices = await indicesStartingWith(`testplanit-${tenant}-`);
    if (indices.length > 0) await es.indices.delete({ index: indices });
  }
  await es.close();
  await Promise.all([dropDatabase(dbA), dropDatabase(dbB)]);
});

test('a full reindex builds every index of the tenant from its database, with TestPlanIt’s documents, and leaves the other tenant alone', async () => {
  const jobB = await finished(await reindex(tenantB, 'all'));
  expect(await jobB.getState()).toBe('completed');
  const tenantBIndices = await indicesStartingWith(`testplanit-${tenantB}-`);
  expect(tenantBIndices).toHaveLength(7);

  // TestPlanIt created tenant A's cases index itself, under the name the alias takes; it holds a
  // document of a case that no longer exists.
  await es.indices.create({ index: alias(tenantA, 'repository-cases') });
  await es.index({
    index: alias(tenantA, 'repository-cases'),
    id: '999999',
    document: { id: 999999, name: 'gone' },
    refresh: true,
  });

  const job = await finished(await reindex(tenantA, 'all'));
  expect(await job.getState()).toBe('completed');
  for (const entity of Object.keys(BASES) as Entity[]) await expectIndexMatchesDatabase(tenantA, urlA, entity);
  expect(await getDocument(alias(tenantA, 'repository-cases'), 999999)).toBeUndefined();

  const expectedCount = async (entity: Entity) => (await expectedIds(urlA, entity)).length;
  const results = {
    projects: await expectedCount('projects'),
    repositoryCases: await expectedCount('repositoryCases'),
    sharedSteps: await expectedCount('sharedSteps'),
    testRuns: await expectedCount('testRuns'),
    sessions: await expectedCount('sessions'),
    issues: await expectedCount('issues'),
    milestones: await expectedCount('milestones'),
  };
  expect(job.returnvalue).toEqual({
    success: true,
    results,
    totalDocuments: Object.values(results).reduce((a, b) => a + b, 0),
  });
  expect(results.repositoryCases).toBeGreaterThan(7_000);
  expect(job.progress).toBe(100);
  const { logs } = await queue.getJobLogs(job.id!);
  expect(logs[0]).toBe('Starting reindex operation...');
  expect(logs).toContain('Found 2 projects to process');
  const [{ n: casesP1 }] = (await query<{ n: string }>(
    urlA,
    `SELECT count(*) AS n FROM "RepositoryCases" WHERE "projectId" = 1 AND NOT "isArchived"`,
  )) as [{ n: string }];
  expect(logs).toContain(`Syncing ${casesP1} repository cases for project Project 1`);
  expect(logs).toContain('Syncing 2 shared steps for project Project 2');
  expect(logs.at(-1)).toBe('Reindex completed successfully!');

  // Documents carry what TestPlanIt's search reads.
  const [sample] = await query<{ id: number }>(
    urlA,
    `SELECT c.id FROM "RepositoryCases" c WHERE c.id % 10 = 0 AND c.id % 50 <> 0 AND c.id % 97 <> 0 AND "projectId" = 2 ORDER BY c.id LIMIT 1`,
  );
  const doc = await getDocument<Record<string, any>>(alias(tenantA, 'repository-cases'), sample!.id);
  expect(doc).toMatchObject({
    id: sample!.id,
    projectId: 2,
    projectName: 'Project 2',
    folderPath: '/Root/Authentication/Login',
    templateName: 'Default',
    stateName: 'New',
    stateIcon: 'circle',
    stateColor: '#6b7280',
    isDeleted: false,
    isArchived: false,
    creatorName: 'Admin',
  });
  expect(doc!.tags.map((tag: { name: string }) => tag.name).sort()).toEqual(
    [`tag-${1 + (sample!.id % 20)}`, `tag-${1 + ((sample!.id + 7) % 20)}`].sort(),
  );
  const shared = doc!.steps.filter((step: { isSharedStep: boolean }) => step.isSharedStep);
  expect(
    shared.map((step: { step: string; sharedStepGroupName: string }) => [step.step, step.sharedStepGroupName]),
  ).toEqual([
    ['Shared action 1', 'Log in as admin'],
    ['Shared action 2', 'Log in as admin'],
  ]);
  const [sharedStep] = await query<{ id: number }>(
    urlA,
    `SELECT id FROM "Steps" WHERE "testCaseId" = $1 AND "sharedStepGroupId" IS NOT NULL`,
    [sample!.id],
  );
  expect(shared.map((step: { id: number }) => step.id)).toEqual([sharedStep!.id * 1000, sharedStep!.id * 1000 + 1]);
  const byName = Object.fromEntries(doc!.customFields.map((field: { fieldName: string }) => [field.fieldName, field]));
  expect(byName.Priority).toMatchObject({
    fieldType: 'Select',
    fieldOption: { name: ['High', 'Medium', 'Low'][sample!.id % 3], icon: { name: 'circle' } },
  });
  expect(byName.Platforms.valueArray).toHaveLength(2);
  expect(byName.Preconditions).toMatchObject({ fieldType: 'Text Long', value: `Preconditions for case ${sample!.id}` });
  expect(byName.Smoke).toMatchObject({ valueBoolean: true });
  expect(doc!.searchableContent).toContain('Shared action 1');
  expect(doc!.searchableContent).toContain(`Enter credentials step 1 of case ${sample!.id}`);

  const deletedCase = await query<{ id: number }>(
    urlA,
    `SELECT id FROM "RepositoryCases" WHERE "isDeleted" AND NOT "isArchived" LIMIT 1`,
  );
  expect(await getDocument(alias(tenantA, 'repository-cases'), deletedCase[0]!.id)).toMatchObject({ isDeleted: true });
  const issue = await getDocument<Record<string, unknown>>(alias(tenantA, 'issues'), 3);
  expect(issue).toMatchObject({
    title: 'Login fails 3',
    projectName: 'Project 1',
    issueSystem: 'Jira Cloud',
    url: 'https://jira.example.test/browse/AUTH-3',
  });
  const run = await getDocument<Record<string, unknown>>(alias(tenantA, 'test-runs'), 1);
  expect(run).toMatchObject({
    configurationName: 'Chrome on Linux',
    milestoneName: 'Release 1',
    note: 'Nightly regression 1',
  });

  // Tenant B's indices are the very same ones as before A's reindex.
  expect(await indicesStartingWith(`testplanit-${tenantB}-`)).toEqual(tenantBIndices);
  for (const entity of Object.keys(BASES) as Entity[]) await expectIndexMatchesDatabase(tenantB, urlB, entity);
}, 300_000);

test('searches during a rebuild never fail or come back empty, and rows written meanwhile are caught up before the swap', async () => {
  const cases = alias(tenantA, 'repository-cases');
  const liveBefore = (await indicesBehind(cases)).indices[0]!;
  const countBefore = (await es.count({ index: cases })).count;
  const [first, second, third] = (
    await query<{ id: number }>(
      urlA,
      `SELECT id FROM "RepositoryCases" WHERE "projectId" = 1 AND NOT "isArchived" ORDER BY id LIMIT 3`,
    )
  ).map((row) => row.id);

  let searching = true;
  const counts: number[] = [];
  const failures: string[] = [];
  const searches = (async () => {
    while (searching) {
      try {
        counts.push((await es.count({ index: cases, query: { match: { searchableContent: 'credentials' } } })).count);
      } catch (error) {
        failures.push(String(error));
      }
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
  })();

  const job = await reindex(tenantA, 'repositoryCases');
  await waitForProgress(job, 25, 85);
  // The web app's edits while the rebuild loads: the first cases were loaded already.
  await query(
    urlA,
    `UPDATE "RepositoryCases" SET name = 'Renamed during the rebuild', "currentVersion" = "currentVersion" + 1 WHERE id = $1`,
    [first],
  );
  await query(urlA, `DELETE FROM "RepositoryCases" WHERE id = $1`, [second]);
  await query(urlA, `UPDATE "RepositoryCases" SET "isArchived" = true WHERE id = $1`, [third]);
  const [added] = await query<{ id: number }>(
    urlA,
    `INSERT INTO "RepositoryCases" ("projectId", "repositoryId", "folderId", "templateId", name, "stateId", "creatorId")
     SELECT "projectId", "repositoryId", "folderId", "templateId", 'Added during the rebuild', "stateId", "creatorId" FROM "RepositoryCases" WHERE id = $1 RETURNING id`,
    [first],
  );
  await query(
    urlA,
    `INSERT INTO "Steps" ("testCaseId", "order", step) VALUES ($1, 1, '"Enter credentials for the new case"'::jsonb)`,
    [added!.id],
  );
  const done = await finished(job);
  searching = false;
  await searches;

  expect(await done.getState()).toBe('completed');
  expect(failures).toEqual([]);
  expect(counts.length).toBeGreaterThan(20);
  const countAfter = (await es.count({ index: cases, query: { match: { searchableContent: 'credentials' } } })).count;
  const countOld = counts[0]!;
  expect(countOld).toBeGreaterThan(7_000);
  // Every search saw the whole old index or the whole new one, never a partial or empty one.
  expect(counts.filter((count) => count !== countOld && count !== countAfter)).toEqual([]);
  expect(countBefore).toBeGreaterThan(0);

  await expectIndexMatchesDatabase(tenantA, urlA, 'repositoryCases');
  expect(await getDocument(cases, first!)).toMatchObject({ name: 'Renamed during the rebuild' });
  expect(await getDocument(cases, second!)).toBeUndefined();
  expect(await getDocument(cases, third!)).toBeUndefined();
  expect(await getDocument(cases, added!.id)).toMatchObject({
    name: 'Added during the rebuild',
    steps: [{ step: 'Enter credentials for the new case' }],
  });
  const liveAfter = (await indicesBehind(cases)).indices[0]!;
  expect(liveAfter).not.toBe(liveBefore);
  expect(await indicesStartingWith(`${cases}-v`)).toEqual([liveAfter]);
}, 300_000);

/** Our triggers on TestPlanIt's tables and our tables, which exist only while a rebuild runs. */
async function changeTracking(url: string): Promise<{ triggers: number; tables: number }> {
  const [row] = await query<{ triggers: number; tables: number }>(
    url,
    `SELECT (SELECT count(*)::int FROM pg_trigger WHERE tgname LIKE 'testplanit_workers_search_%') AS triggers,
            (SELECT count(*)::int FROM pg_class WHERE relkind = 'r' AND relname LIKE 'testplanit_workers_search_%') AS tables`,
  );
  return row!;
}

test('catch-up rebuilds every document a change during the rebuild altered: unlinked tags, edited, moved and deleted steps, changed and removed custom field values, renamed tags, folders and shared steps', async () => {
  const cases = alias(tenantA, 'repository-cases');
  // Cases near the start of project 1 (the first ones a rebuild loads), each with its own kind of
  // change, none of them deleted or expanding a shared step group.
  const [
    untagged,
    stepEdited,
    stepDeleted,
    stepMovedFrom,
    stepMovedTo,
    fieldChanged,
    fieldRemoved,
    renamed,
    tagged,
    filed,
    shared,
  ] = (
    await query<{ id: number }>(
      urlA,
      `SELECT id FROM "RepositoryCases" WHERE "projectId" = 1 AND NOT "isArchived" AND NOT "isDeleted" AND id % 10 <> 0
         ORDER BY id OFFSET 20 LIMIT 11`,
    )
  ).map((row) => row.id) as [number, number, number, number, number, number, number, number, number, number, number];
  const firstStep = async (caseId: number) =>
    (
      await query<{ id: number }>(
        urlA,
        `SELECT id FROM "Steps" WHERE "testCaseId" = $1 AND NOT "isDeleted" AND "sharedStepGroupId" IS NULL ORDER BY "order" LIMIT 1`,
        [caseId],
      )
    )[0]!.id;
  // Rows of their own for the lookups, so renaming them touches these cases alone: a tag, a folder
  // two levels above a case, a shared step group one case expands.
  const [tag] = await query<{ id: number }>(urlA, `INSERT INTO "Tags" (name) VALUES ('catch-up-tag') RETURNING id`);
  await query(urlA, `INSERT INTO "_RepositoryCasesToTags" ("A", "B") VALUES ($1, $2)`, [tagged, tag!.id]);
  const [outer] = await query<{ id: number }>(
    urlA,
    `INSERT INTO "RepositoryFolders" ("projectId", "repositoryId", "parentId", name, "creatorId")
     SELECT "projectId", "repositoryId", id, 'Catch-up', 'user-admin' FROM "RepositoryFolders" WHERE id = (SELECT "folderId" FROM "RepositoryCases" WHERE id = $1)
     RETURNING id`,
    [filed],
  );
  await query(
    urlA,
    `WITH leaf AS (INSERT INTO "RepositoryFolders" ("projectId", "repositoryId", "parentId", name, "creatorId")
       SELECT "projectId", "repositoryId", id, 'Leaf', 'user-admin' FROM "RepositoryFolders" WHERE id = $1 RETURNING id)
     UPDATE "RepositoryCases" SET "folderId" = (SELECT id FROM leaf) WHERE id = $2`,
    [outer!.id, filed],
  );
  const [group] = await query<{ id: number }>(
    urlA,
    `INSERT INTO "SharedStepGroup" (name, "projectId", "createdById", "updatedAt") VALUES ('Catch-up group', 1, 'user-admin', now()) RETURNING id`,
  );
  await query(
    urlA,
    `INSERT INTO "SharedStepItem" ("sharedStepGroupId", "order", step, "expectedResult", "updatedAt")
     VALUES ($1, 1, '"Catch-up item one"'::jsonb, '""'::jsonb, now()), ($1, 2, '"Catch-up item two"'::jsonb, '""'::jsonb, now())`,
    [group!.id],
  );
  await query(urlA, `INSERT INTO "Steps" ("testCaseId", "order", "sharedStepGroupId") VALUES ($1, 9, $2)`, [
    shared,
    group!.id,
  ]);
  const [movedStep, editedStep, deletedStep] = [
    await firstStep(stepMovedFrom),
    await firstStep(stepEdited),
    await firstStep(stepDeleted),
  ];
  const fieldId = async (systemName: string) =>
    (await query<{ id: number }>(urlA, `SELECT id FROM "CaseFields" WHERE "systemName" = $1`, [systemName]))[0]!.id;
  const [component, preconditions] = [await fieldId('component'), await fieldId('preconditions')];
  expect(await changeTracking(urlA)).toEqual({ triggers: 0, tables: 0 });

  const job = await reindex(tenantA, 'repositoryCases');
  await waitForProgress(job, 25, 85);
  const tracking = await changeTracking(urlA);
  expect(tracking.triggers).toBeGreaterThan(0);
  expect(tracking.tables).toBe(2);
  // The web app's edits while the rebuild loads; every case above was loaded already.
  const [unlinkedTag] = await query<{ B: number }>(
    urlA,
    `DELETE FROM "_RepositoryCasesToTags" WHERE ("A", "B") = (SELECT "A", min("B") FROM "_RepositoryCasesToTags" WHERE "A" = $1 GROUP BY "A") RETURNING "B"`,
    [untagged],
  );
  await query(urlA, `UPDATE "Steps" SET step = '"Edited during the rebuild"'::jsonb WHERE id = $1`, [editedStep]);
  await query(urlA, `DELETE FROM "Steps" WHERE id = $1`, [deletedStep]);
  await query(urlA, `UPDATE "Steps" SET "testCaseId" = $2, "order" = 7 WHERE id = $1`, [movedStep, stepMovedTo]);
  await query(
    urlA,
    `UPDATE "CaseFieldValues" SET value = '"auth-changed"'::jsonb WHERE "testCaseId" = $1 AND "fieldId" = $2`,
    [fieldChanged, component],
  );
  await query(urlA, `DELETE FROM "CaseFieldValues" WHERE "testCaseId" = $1 AND "fieldId" = $2`, [
    fieldRemoved,
    preconditions,
  ]);
  await query(urlA, `UPDATE "RepositoryCases" SET name = 'Case row edited during the rebuild' WHERE id = $1`, [
    renamed,
  ]);
  await query(urlA, `UPDATE "Tags" SET name = 'catch-up-tag-renamed' WHERE id = $1`, [tag!.id]);
  await query(urlA, `UPDATE "RepositoryFolders" SET name = 'Caught up' WHERE id = $1`, [outer!.id]);
  await query(urlA, `UPDATE "SharedStepGroup" SET name = 'Catch-up group renamed' WHERE id = $1`, [group!.id]);
  await query(urlA, `DELETE FROM "SharedStepItem" WHERE "sharedStepGroupId" = $1 AND "order" = 2`, [group!.id]);
  const done = await finished(job);
  expect(await done.getState()).toBe('completed');
  expect((await queue.getJobLogs(done.id!)).logs).toContain(`Switched ${cases} to the rebuilt index`);
  // The rebuild took its triggers and tables with it.
  expect(await changeTracking(urlA)).toEqual({ triggers: 0, tables: 0 });

  type CaseDocument = Record<string, any>;
  const indexed = async (id: number) => (await getDocument<CaseDocument>(cases, id))!;
  const stepTexts = (doc: CaseDocument) => doc.steps.map((step: { step: string }) => step.step);
  const fieldNames = (doc: CaseDocument) => doc.customFields.map((field: { fieldName: string }) => field.fieldName);
  expect((await indexed(untagged)).tags.map((t: { id: number }) => t.id)).not.toContain(unlinkedTag!.B);
  expect(stepTexts(await indexed(stepEdited))).toContain('Edited during the rebuild');
  expect((await indexed(stepDeleted)).steps.map((step: { id: number }) => step.id)).not.toContain(deletedStep);
  expect((await indexed(stepMovedFrom)).steps.map((step: { id: number }) => step.id)).not.toContain(movedStep);
  expect((await indexed(stepMovedTo)).steps.map((step: { id: number }) => step.id)).toContain(movedStep);
  expect((await indexed(fieldChanged)).customFields).toContainEqual(
    expect.objectContaining({ fieldName: 'Component', value: 'auth-changed' }),
  );
  expect(fieldNames(await indexed(fieldRemoved))).not.toContain('Preconditions');
  expect(await indexed(renamed)).toMatchObject({ name: 'Case row edited during the rebuild' });
  expect((await indexed(tagged)).tags).toContainEqual({ id: tag!.id, name: 'catch-up-tag-renamed' });
  expect((await indexed(filed)).folderPath).toMatch(/\/Caught up\/Leaf$/);
  expect((await indexed(shared)).steps.filter((step: { isSharedStep: boolean }) => step.isSharedStep)).toEqual([
    expect.objectContaining({ step: 'Catch-up item one', sharedStepGroupName: 'Catch-up group renamed' }),
  ]);

  // And each is exactly the document the database makes now.
  const db = createPrismaClient(urlA, { maxClients: 1, connectionsPerClient: 1, idleTimeoutMs: 1_000 });
  try {
    const ids = [
      untagged,
      stepEdited,
      stepDeleted,
      stepMovedFrom,
      stepMovedTo,
      fieldChanged,
      fieldRemoved,
      renamed,
      tagged,
      filed,
      shared,
    ] as number[];
    const built = JSON.parse(JSON.stringify(await DOCUMENT_SOURCES.repositoryCases.build(db, ids))) as CaseDocument[];
    expect(built.map((doc) => doc.id)).toEqual([...ids].sort((a, b) => a - b));
    for (const doc of built) expect(await indexed(doc.id)).toEqual(doc);
  } finally {
    await db.$disconnect();
  }
  await expectIndexMatchesDatabase(tenantA, urlA, 'repositoryCases');
}, 300_000);

test('a second reindex of the same index waits for the running one instead of rebuilding in parallel', async () => {
  const cases = alias(tenantA, 'repository-cases');
  let watching = true;
  let mostIndices = 0;
  const watcher = (async () => {
    while (watching) {
      mostIndices = Math.max(mostIndices, (await indicesStartingWith(`${cases}-v`)).length);
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  })();
  const firstJob = await reindex(tenantA, 'repositoryCases');
  await waitForProgress(firstJob, 11, 90);
  const secondJob = await reindex(tenantA, 'repositoryCases');
  const [first, second] = [await finished(firstJob), await finished(secondJob)];
  watching = false;
  await watcher;

  expect([await first.getState(), await second.getState()]).toEqual(['completed', 'completed']);
  expect((await queue.getJobLogs(second.id!)).logs).toContain(
    `Waiting for the repository cases reindex already running for this tenant (${tenantA}/reindex/repositoryCases) to finish`,
  );
  expect(second.finishedOn!).toBeGreaterThan(first.finishedOn!);
  // The live index and at most one rebuild at any moment.
  expect(mostIndices).toBe(2);
  await expectIndexMatchesDatabase(tenantA, urlA, 'repositoryCases');
  expect(await indicesStartingWith(`${cases}-v`)).toHaveLength(1);
}, 300_000);

test('a worker killed mid-rebuild resumes from its last chunk; every index ends complete and duplicate-free', async () => {
  const job = await reindex(tenantA, 'all');
  await waitForProgress(job, 30, 75);
  worker.child.kill('SIGKILL');
  await worker.exited;
  worker = await startApp('worker', env);
  const done = await finished(job);
  expect(await done.getState()).toBe('completed');
  for (const entity of Object.keys(BASES) as Entity[]) await expectIndexMatchesDatabase(tenantA, urlA, entity);
  // Each index is its alias's one versioned index: nothing left over from the interrupted run.
  expect(await indicesStartingWith(`testplanit-${tenantA}-`)).toHaveLength(7);
  // It resumed, not restarted: the first project's cases were announced once.
  const { logs } = await queue.getJobLogs(done.id!);
  expect(
    logs.filter((line) => line.startsWith('Syncing') && line.endsWith('repository cases for project Project 1')),
  ).toHaveLength(1);
  expect(logs.at(-1)).toBe('Reindex completed successfully!');
}, 300_000);

test('cancel stops a rebuild cleanly: the job fails as cancelled, the live index is untouched and the partial one is gone', async () => {
  const cases = alias(tenantA, 'repository-cases');
  const liveBefore = (await indicesBehind(cases)).indices;
  const job = await reindex(tenantA, 'repositoryCases');
  await waitForProgress(job, 20, 85);
  await withTemporal((client) =>
    client.workflow.getHandle(workflowIdForJob(jobInstanceOf(tenantA, 'elasticsearch-reindex', job), 0)).cancel(),
  );
  const done = await finished(job);
  expect(await done.getState()).toBe('failed');
  expect(done.failedReason).toMatch(/cancel/i);
  expect(done.attemptsMade).toBe(1);
  expect((await indicesBehind(cases)).indices).toEqual(liveBefore);
  await waitFor(
    async () => ((await indicesStartingWith(`${cases}-v`)).length === 1 ? true : undefined),
    30_000,
    () => 'partial index not removed',
  );
  // Discarding the rebuild ended its change tracking too.
  expect(await changeTracking(urlA)).toEqual({ triggers: 0, tables: 0 });
  await expectIndexMatchesDatabase(tenantA, urlA, 'repositoryCases');
}, 300_000);

test('a project’s reindex rewrites that project’s documents in the live index', async () => {
  const cases = alias(tenantA, 'repository-cases');
  const liveBefore = (await indicesBehind(cases)).indices;
  const [edited, removed] = (
    await query<{ id: number }>(
      urlA,
      `SELECT id FROM "RepositoryCases" WHERE "projectId" = 2 AND NOT "isArchived" ORDER BY id LIMIT 2`,
    )
  ).map((row) => row.id);
  await query(urlA, `UPDATE "RepositoryCases" SET name = 'Edited outside the web app' WHERE id = $1`, [edited]);
  await query(urlA, `DELETE FROM "RepositoryCases" WHERE id = $1`, [removed]);
  const done = await finished(await reindex(tenantA, 'repositoryCases', 2));
  expect(await done.getState()).toBe('completed');
  const [{ n }] = (await query<{ n: string }>(
    urlA,
    `SELECT count(*) AS n FROM "RepositoryCases" WHERE "projectId" = 2 AND NOT "isArchived"`,
  )) as [{ n: string }];
  expect(done.returnvalue).toMatchObject({
    success: true,
    results: { repositoryCases: Number(n) },
    totalDocuments: Number(n),
  });
  expect((await indicesBehind(cases)).indices).toEqual(liveBefore);
  await es.indices.refresh({ index: cases });
  expect(await getDocument(cases, edited!)).toMatchObject({ name: 'Edited outside the web app' });
  expect(await getDocument(cases, removed!)).toBeUndefined();
  await expectIndexMatchesDatabase(tenantA, urlA, 'repositoryCases');
}, 300_000);

test('bad input fails that job alone, at once, with a precise message', async () => {
  const invalid = await finished(
    await queue.add('reindex', { entityType: 'everything', userId: 'user-admin', tenantId: tenantA }),
  );
  expect(await invalid.getState()).toBe('failed');
  expect(invalid.failedReason).toContain('entityType');
  expect(invalid.attemptsMade).toBe(1);
  // TestPlanIt's Testmo importer queues its reindex without a tenant.
  const anonymous = await finished(
    await queue.add('reindex-after-import-7', { entityType: 'all', userId: 'user-admin' }),
  );
  expect(anonymous.failedReason).toBe('tenantId is required in multi-tenant mode');
  const unknown = await finished(await reindex('nobody', 'projects'));
  expect(unknown.failedReason).toBe('No configuration found for tenant: nobody');
  const fine = await finished(
    await queue.add('reindex-after-import-8', { entityType: 'projects', userId: 'user-admin', tenantId: tenantB }),
  );
  expect(await fine.getState()).toBe('completed');
  expect(fine.returnvalue).toMatchObject({ success: true, results: { projects: 1 } });
});

test('operators reindex a tenant from the CLI, which prints progress and the result', async () => {
  const { stdout } = await promisify(execFile)(
    process.execPath,
    ['--import', 'tsx', 'src/search/cli.ts', '--tenant', tenantB, '--entity', 'sessions'],
    {
      cwd: path.resolve(__dirname, '..'),
      env: { ...process.env, ...env },
    },
  );
  expect(stdout).toMatch(
    new RegExp(`^Started ${tenantB}/elasticsearch-reindex/cli-\\S+ \\(tenant ${tenantB}, sessions\\)`),
  );
  expect(stdout).toContain('  Syncing 5 sessions for project Project 1');
  expect(stdout).toContain('  Reindex completed successfully!');
  expect(stdout).toContain('"sessions": 5');
  await expectIndexMatchesDatabase(tenantB, urlB, 'sessions');
}, 120_000);
