/**
 * The documents of every entity built by one SQL statement per chunk are the very documents the
 * Prisma builders made (test/support/prismaCaseDocuments.ts, test/support/prismaDocuments.ts):
 * same fields, same values, same order of keys and of nested items, on the realistic search data
 * plus the edge cases it lacks. Counting, paging and pruning pick exactly the documents the build
 * makes.
 */
import type { Pool } from 'pg';
import { DOCUMENT_SOURCES, serializedDocuments, type SearchDocument } from '../src/search/documents';
import { SEARCH_ENTITIES, type SearchEntity } from '../src/search/entities';
import { connectTenantDatabase, type DatabaseClient } from '../src/tenancy/prismaPool';
import { createTenantDatabase, databaseUrl, dropDatabase, query, seedBasics } from './support/databases';
import { prismaCaseDocuments } from './support/prismaCaseDocuments';
import { prismaDocuments } from './support/prismaDocuments';
import { seedSearchData } from './support/searchData';
import { uniqueSuffix } from './support/services';

const name = `tpw_docsql_${uniqueSuffix()}`;
const url = databaseUrl(name);
let db: DatabaseClient;
let pg: Pool;

/** Edge cases the realistic data does not have, each on its own case. */
async function seedEdgeCases(): Promise<void> {
  await query(url, `UPDATE "Projects" SET "iconUrl" = 'https://icons.example.test/p2.png' WHERE id = 2`);
  await query(url, `UPDATE "User" SET image = 'https://avatars.example.test/admin.png'`);
  // A case with nothing attached, one in the root folder (path "/Root"), one with a float forecast.
  await query(
    url,
    `INSERT INTO "RepositoryCases" ("projectId", "repositoryId", "folderId", "templateId", name, "stateId", "creatorId", "forecastManual", "forecastAutomated", source)
     VALUES (1, 1, 1, 1, 'Bare case', 1, 'user-admin', 12, 3.25, 'JUNIT')`,
  );
  // A shared step group with no items, and a deleted group still expanded (TestPlanIt keeps its items).
  await query(
    url,
    `INSERT INTO "SharedStepGroup" (name, "projectId", "createdById", "updatedAt") VALUES ('Empty group', 1, 'user-admin', now())`,
  );
  const [edge] = await query<{ id: number }>(
    url,
    `SELECT min(id) AS id FROM "RepositoryCases" WHERE NOT "isArchived" AND "projectId" = 1 AND id % 10 <> 0`,
  );
  await query(
    url,
    `INSERT INTO "Steps" ("testCaseId", "order", "sharedStepGroupId")
     SELECT $1, 5, id FROM "SharedStepGroup" WHERE name IN ('Empty group', 'Retired setup') AND "projectId" = 1`,
    [edge!.id],
  );
  // Steps stored as JSON strings of TipTap, as plain JSON strings and as nothing; two steps of one order.
  await query(
    url,
    `INSERT INTO "Steps" ("testCaseId", "order", step, "expectedResult") VALUES
       ($1, 6, to_jsonb('{"type":"doc","content":[{"type":"text","text":"Stringified"}]}'::text), NULL),
       ($1, 6, '"plain words"'::jsonb, '{"type":"doc"}'::jsonb)`,
    [edge!.id],
  );
  // Custom fields of the remaining types: a date, a dropdown whose option has no icon, an unknown type, null values.
  await query(
    url,
    `INSERT INTO "CaseFieldTypes" (type) VALUES ('Date'), ('Dropdown'), ('Link'), ('Integer'), ('Steps') ON CONFLICT DO NOTHING`,
  );
  await query(
    url,
    `INSERT INTO "CaseFields" ("displayName", "systemName", "typeId")
     SELECT f.display, f.system, t.id FROM (VALUES ('Due', 'due', 'Date'), ('Browser', 'browser', 'Dropdown'),
       ('Spec', 'spec', 'Link'), ('Runs', 'runs', 'Integer'), ('Other', 'other', 'Steps')) AS f(display, system, type)
     JOIN "CaseFieldTypes" t ON t.type = f.type`,
  );
  await query(
    url,
    `INSERT INTO "FieldOptions" (name, "order", "iconId", "iconColorId") VALUES ('Firefox', 1, NULL, 1), ('Chrome', 2, 1, NULL)`,
  );
  await query(
    url,
    `INSERT INTO "CaseFieldAssignment" ("fieldOptionId", "caseFieldId")
     SELECT o.id, f.id FROM "FieldOptions" o, "CaseFields" f WHERE o.name IN ('Firefox', 'Chrome') AND f."systemName" = 'browser'`,
  );
  await query(
    url,
    `INSERT INTO "CaseFieldValues" ("testCaseId", "fieldId", value)
     SELECT $1::int, f.id, CASE f."systemName"
         WHEN 'due' THEN '"2026-11-22T10:00:00.000Z"'::jsonb
         WHEN 'browser' THEN to_jsonb((SELECT id FROM "FieldOptions" WHERE name = 'Firefox'))
         WHEN 'spec' THEN '"https://spec.example.test"'::jsonb
         WHEN 'runs' THEN '7'::jsonb
         ELSE '{"kind": "other", "n": [1, 2.5]}'::jsonb END
     FROM "CaseFields" f WHERE f."systemName" IN ('due', 'browser', 'spec', 'runs', 'other')
     UNION ALL SELECT $1::int, f.id, NULL FROM "CaseFields" f WHERE f."systemName" IN ('component', 'due')
     UNION ALL SELECT $1::int, f.id, '"not a date"'::jsonb FROM "CaseFields" f WHERE f."systemName" = 'due'`,
    [edge!.id],
  );
}

const tiptapText = (text: string) =>
  JSON.stringify({ type: 'doc', content: [{ type: 'paragraph', content: [{ type: 'text', text }] }] });

/**
 * Edge cases of the other entities: absent optional relations, a user without an image, rich text
 * as JSON strings, odd JSON, timestamps with microseconds and without a time zone, deleted rows,
 * and issues reached every way (and ways that do not count) with their project chosen in order.
 * Project 3 is deleted afterwards (beforeAll).
 */
async function seedEntityEdgeCases(): Promise<void> {
  const sql = (text: string, params: unknown[] = []) => query(url, text, params);
  await sql(
    `INSERT INTO "User" (id, name, email, password, "updatedAt") VALUES ('user-plain', 'Plain', 'plain@example.test', 'x', now())`,
  );
  await sql(`INSERT INTO "FieldIcon" (name) VALUES ('play')`);
  await sql(`INSERT INTO "Color" ("colorFamilyId", value, "order") VALUES (1, '#22c55e', 1)`);
  await sql(`INSERT INTO "Workflows" (name, "iconId", "colorId", "workflowType", scope)
    SELECT 'Running', i.id, c.id, 'IN_PROGRESS', 'RUNS' FROM "FieldIcon" i, "Color" c WHERE i.name = 'play' AND c.value = '#22c55e'`);
  const [{ id: running }] = (await sql(`SELECT id FROM "Workflows" WHERE name = 'Running'`)) as [{ id: number }];
  await sql(`INSERT INTO "Status" (name, "systemName", "colorId", "isEnabled", "isSuccess", "isFailure", "isCompleted")
    VALUES ('Passed', 'passed', 1, true, true, false, true)`);

  // Projects: rich text as a JSON string, plain words, broken JSON, nothing; a creator without an image.
  await sql(`UPDATE "Projects" SET note = $1, docs = 'Plain project docs' WHERE id = 1`, [
    tiptapText('Project one note'),
  ]);
  await sql(
    `INSERT INTO "Projects" (name, "createdBy", note, "isDeleted") VALUES ('Project plain', 'user-plain', '{broken', false)`,
  );

  // Shared steps: items as a JSON string, a JSON string of words, a number, null, an array, an
  // object with numbers and nested keys; two items of one order; a group of a user without image.
  await sql(
    `INSERT INTO "SharedStepGroup" (name, "projectId", "createdById", "updatedAt") VALUES ('Mixed items', 2, 'user-plain', now())`,
  );
  await sql(
    `INSERT INTO "SharedStepItem" ("sharedStepGroupId", "order", step, "expectedResult", "updatedAt")
     SELECT g.id, i.o, i.step, i.expected, now() FROM "SharedStepGroup" g, (VALUES
       (2, to_jsonb($1::text), '"plain words"'::jsonb),
       (1, '42'::jsonb, 'null'::jsonb),
       (1, '{"type":"doc","attrs":{"zeta":1.50,"a":[true,null,"x"]},"content":[{"type":"text","text":"Nested"}]}'::jsonb, '[]'::jsonb)
     ) AS i(o, step, expected) WHERE g.name = 'Mixed items'`,
    [tiptapText('Stringified item')],
  );

  // Test runs: one with nothing optional (a completed JUnit run, timestamp without time zone),
  // one with everything and rich text as a JSON string.
  await sql(
    `INSERT INTO "TestRuns" ("projectId", name, "stateId", "createdById", "forecastManual", "forecastAutomated", elapsed,
       "isCompleted", "completedAt", "testRunType")
     VALUES (2, 'Bare run', $1, 'user-plain', 10, 2.5, 3600, true, '2026-03-04 05:06:07.891', 'JUNIT')`,
    [running],
  );
  await sql(
    `INSERT INTO "TestRuns" ("projectId", name, "stateId", "createdById", "configId", "milestoneId", note, docs)
     SELECT 1, 'Full run', $1, 'user-admin', (SELECT min(id) FROM "Configurations"),
       (SELECT max(id) FROM "Milestones" WHERE "projectId" = 1), to_jsonb($2::text), '{"type":"doc"}'::jsonb`,
    [running, tiptapText('Run note as a string')],
  );
  await sql(`INSERT INTO "_TagsToTestRuns" ("A", "B")
    SELECT t.id, r.id FROM "TestRuns" r JOIN "Tags" t ON t.name IN ('tag-3', 'tag-17') WHERE r.name = 'Full run'`);

  // Sessions: one with nothing optional (deleted, completed), one assigned to a user without an image.
  await sql(
    `INSERT INTO "Sessions" ("projectId", "templateId", name, "stateId", "createdById", estimate, "forecastManual",
       "forecastAutomated", elapsed, "isCompleted", "isDeleted", "completedAt", note)
     VALUES (2, 1, 'Bare session', 1, 'user-plain', 1800, 5, 0.75, 60, true, true, '2026-03-04 05:06:07.891', to_jsonb($1::text))`,
    [tiptapText('Session note as a string')],
  );
  await sql(
    `INSERT INTO "Sessions" ("projectId", "templateId", name, "stateId", "createdById", "assignedToId", "configId", "milestoneId", note)
     SELECT 1, 1, 'Assigned session', $1, 'user-admin', 'user-plain', (SELECT min(id) FROM "Configurations"),
       (SELECT min(id) FROM "Milestones" WHERE "projectId" = 1), '"just words"'::jsonb`,
    [running],
  );
  await sql(`INSERT INTO "_SessionsToTags" ("A", "B")
    SELECT s.id, t.id FROM "Sessions" s JOIN "Tags" t ON t.name IN ('tag-2', 'tag-12') WHERE s.name = 'Assigned session'`);

  // Milestones: a type without an icon, no dates, deleted; a completion time with microseconds.
  await sql(`INSERT INTO "MilestoneTypes" (name, "iconId") VALUES ('Sprint', NULL)`);
  await sql(
    `INSERT INTO "Milestones" ("projectId", "milestoneTypesId", name, "createdBy", docs, "isCompleted", "isDeleted")
     SELECT 2, t.id, 'Bare milestone', 'user-plain', to_jsonb($1::text), true, true FROM "MilestoneTypes" t WHERE t.name = 'Sprint'`,
    [tiptapText('Milestone docs as a string')],
  );
  await sql(
    `INSERT INTO "Milestones" ("projectId", "milestoneTypesId", name, "createdBy", "completedAt", "createdAt")
     VALUES (2, 1, 'Precise milestone', 'user-admin', '2026-05-06 07:08:09.123456+00', '2026-05-01 00:00:00.999999+00')`,
  );

  // What issues link to: cases, sessions, runs and results in live, deleted and soon-deleted projects.
  const one = async (text: string): Promise<number> => ((await sql(text)) as [{ id: number }])[0].id;
  // The last case of project 1 with steps (the bare case has none).
  const case1 = await one(
    `SELECT max(c.id) AS id FROM "RepositoryCases" c JOIN "Steps" s ON s."testCaseId" = c.id WHERE c."projectId" = 1`,
  );
  const case2 = await one(`SELECT min(id) AS id FROM "RepositoryCases" WHERE "projectId" = 2`);
  const case3 = await one(`SELECT min(id) AS id FROM "RepositoryCases" WHERE "projectId" = 3`);
  const session1 = await one(`SELECT min(id) AS id FROM "Sessions" WHERE "projectId" = 1`);
  const assignedSession = await one(`SELECT id FROM "Sessions" WHERE name = 'Assigned session'`);
  const session2 = await one(`SELECT min(id) AS id FROM "Sessions" WHERE "projectId" = 2 AND NOT "isDeleted"`);
  const session3 = await one(`SELECT min(id) AS id FROM "Sessions" WHERE "projectId" = 3`);
  const deletedSession = await one(`SELECT id FROM "Sessions" WHERE name = 'Bare session'`);
  const run2 = await one(`SELECT min(id) AS id FROM "TestRuns" WHERE "projectId" = 2 AND NOT "isDeleted"`);
  const run3 = await one(`SELECT min(id) AS id FROM "TestRuns" WHERE "projectId" = 3`);
  const deletedRun = await one(`SELECT min(id) AS id FROM "TestRuns" WHERE "projectId" = 1 AND "isDeleted"`);
  const sessionResult = async (session: number) =>
    one(
      `INSERT INTO "SessionResults" ("sessionId", "createdById", "statusId") SELECT ${session}, 'user-admin', id FROM "Status" RETURNING id`,
    );
  const runResult = async (run: number, testCase: number) => {
    const runCase = await one(
      `INSERT INTO "TestRunCases" ("testRunId", "repositoryCaseId") VALUES (${run}, ${testCase}) RETURNING id`,
    );
    return one(`INSERT INTO "TestRunResults" ("testRunId", "testRunCaseId", "statusId", "executedById")
      SELECT ${run}, ${runCase}, id, 'user-admin' FROM "Status" RETURNING id`);
  };
  const sessionResult2 = await sessionResult(session2);
  const sessionResult3 = await sessionResult(session3);
  const runResult3 = await runResult(run3, case3);
  const runResult2 = await runResult(run2, case2);
  const stepResult2 = await one(`INSERT INTO "TestRunStepResults" ("testRunResultId", "stepId", "statusId")
    SELECT ${runResult2}, (SELECT min(id) FROM "Steps" WHERE "testCaseId" = ${case2}), id FROM "Status" RETURNING id`);
  const deletedRunResult = await runResult(deletedRun, case1);
  const stepResultOfDeletedRun = await one(`INSERT INTO "TestRunStepResults" ("testRunResultId", "stepId", "statusId")
    SELECT ${deletedRunResult}, (SELECT min(id) FROM "Steps" WHERE "testCaseId" = ${case1}), id FROM "Status" RETURNING id`);

  const issue = async (name: string, columns: Record<string, unknown> = {}): Promise<number> => {
    const values = { name, title: `Title of ${name}`, createdById: 'user-admin', ...columns };
    const keys = Object.keys(values);
    const [{ id }] = (await sql(
      `INSERT INTO "Issue" (${keys.map((key) => `"${key}"`).join(', ')}) VALUES (${keys.map((_, i) => `$${i + 1}`).join(', ')}) RETURNING id`,
      Object.values(values),
    )) as [{ id: number }];
    return id;
  };
  const link = (table: string, issueId: number, other: number) =>
    sql(`INSERT INTO "${table}" ("A", "B") VALUES ($1, $2)`, [issueId, other]);
  // The own project is deleted: the first linked case of a live project decides.
  const ownDeleted = await issue('EDGE-own-deleted', { projectId: 3 });
  await link('_IssueToRepositoryCases', ownDeleted, case3);
  await link('_IssueToRepositoryCases', ownDeleted, case2);
  // A deleted session does not count; the live one does.
  // (The deleted session has the lower id: taken first if its deletion were overlooked.)
  const viaSession = await issue('EDGE-session');
  await link('_IssueToSessions', viaSession, deletedSession);
  await link('_IssueToSessions', viaSession, assignedSession);
  // Only a deleted run (and its results) and a run of the deleted project: not searchable.
  const deadRuns = await issue('EDGE-dead-runs', { integrationId: null });
  await link('_IssueToTestRuns', deadRuns, deletedRun);
  await link('_IssueToTestRuns', deadRuns, run3);
  await link('_IssueToTestRunStepResults', deadRuns, stepResultOfDeletedRun);
  await link('_IssueToTestRunResults', deadRuns, deletedRunResult);
  // Only a result of a deleted session: not searchable.
  const deadSessionResult = await issue('EDGE-dead-session-result');
  await link('_IssueToSessionResults', deadSessionResult, await sessionResult(deletedSession));
  const viaSessionResult = await issue('EDGE-session-result');
  await link('_IssueToSessionResults', viaSessionResult, sessionResult3);
  await link('_IssueToSessionResults', viaSessionResult, sessionResult2);
  const viaRunResult = await issue('EDGE-run-result');
  await link('_IssueToTestRunResults', viaRunResult, runResult3);
  await link('_IssueToTestRunResults', viaRunResult, runResult2);
  const viaStepResult = await issue('EDGE-step-result');
  await link('_IssueToTestRunStepResults', viaStepResult, stepResult2);
  // Its own project comes first, then cases before sessions.
  const ownFirst = await issue('EDGE-own-first', { projectId: 1 });
  await link('_IssueToRepositoryCases', ownFirst, case2);
  const casesFirst = await issue('EDGE-cases-first');
  await link('_IssueToSessions', casesFirst, session1);
  await link('_IssueToRepositoryCases', casesFirst, case2);
  // Within each path the lowest linked id decides: each issue links a project 2 row and a later
  // project 1 row.
  const run1 = await one(`SELECT min(id) AS id FROM "TestRuns" WHERE "projectId" = 1 AND NOT "isDeleted"`);
  const bareCase = await one(`SELECT id FROM "RepositoryCases" WHERE name = 'Bare case'`);
  const fullRun = await one(`SELECT id FROM "TestRuns" WHERE name = 'Full run'`);
  const laterRunResult = await runResult(run1, case1);
  const laterStepResult = await one(`INSERT INTO "TestRunStepResults" ("testRunResultId", "stepId", "statusId")
    SELECT ${laterRunResult}, (SELECT min(id) FROM "Steps" WHERE "testCaseId" = ${case1}), id FROM "Status" RETURNING id`);
  const orders: Array<[string, string, number, number]> = [
    ['EDGE-case-order', '_IssueToRepositoryCases', case2, bareCase],
    ['EDGE-session-order', '_IssueToSessions', session2, assignedSession],
    ['EDGE-run-order', '_IssueToTestRuns', run2, fullRun],
    ['EDGE-session-result-order', '_IssueToSessionResults', sessionResult2, await sessionResult(session1)],
    ['EDGE-run-result-order', '_IssueToTestRunResults', runResult2, laterRunResult],
    ['EDGE-step-result-order', '_IssueToTestRunStepResults', stepResult2, laterStepResult],
  ];
  for (const [name, table, first, later] of orders) {
    const id = await issue(name);
    await link(table, id, later);
    await link(table, id, first);
  }
  // The own project alone, deleted: not searchable.
  await issue('EDGE-own-deleted-alone', { projectId: 3 });
  // The url: from data when a string there, else externalUrl, else absent.
  await issue('EDGE-no-integration', {
    projectId: 2,
    createdById: 'user-plain',
    externalUrl: 'https://ext.example.test/9',
    note: tiptapText('Issue note as a string'),
  });
  await issue('EDGE-url-number', {
    projectId: 2,
    data: '{"url": 5}',
    externalId: 'EXT-5',
    description: 'Has a description',
  });
  await issue('EDGE-data-string', {
    projectId: 2,
    data: '"https://string.example.test"',
    externalUrl: 'https://fallback.example.test',
  });
  await issue('EDGE-url-empty', {
    projectId: 2,
    data: '{"url": ""}',
    externalUrl: 'https://unused.example.test',
    isDeleted: true,
  });
  await issue('EDGE-data-array', { projectId: 2, data: '[1]', note: '{"type":"doc"}' });
}

beforeAll(async () => {
  await seedBasics(await createTenantDatabase(name), 3);
  await seedSearchData(url, { casesPerProject: 600 });
  await seedEdgeCases();
  await seedEntityEdgeCases();
  // Cases of a deleted project are not in the index.
  await query(url, `UPDATE "Projects" SET "isDeleted" = true WHERE id = 3`);
  ({ prisma: db, pg } = connectTenantDatabase(url, { maxClients: 1, connectionsPerClient: 2, idleTimeoutMs: 1_000 }));
}, 120_000);

afterAll(async () => {
  await db?.$disconnect();
  await dropDatabase(name);
});

test('one SQL statement per chunk builds exactly the documents the Prisma builder built', async () => {
  const ids = (await query<{ id: number }>(url, `SELECT id FROM "RepositoryCases" ORDER BY id`)).map((row) => row.id);
  // Ids that are no case at all are left out by both.
  ids.push(ids.at(-1)! + 1_000);
  let compared = 0;
  for (let start = 0; start < ids.length; start += 500) {
    const chunk = ids.slice(start, start + 500);
    const [fromSql, fromPrisma] = [
      await DOCUMENT_SOURCES.repositoryCases.build(db, chunk),
      await prismaCaseDocuments(db, chunk),
    ];
    expect(fromSql.map((doc) => doc.id)).toEqual(fromPrisma.map((doc) => doc.id));
    // Pruning keeps exactly the documents the build makes.
    const kept = await DOCUMENT_SOURCES.repositoryCases.belonging(db, chunk);
    expect([...kept].sort((a, b) => a - b)).toEqual(fromPrisma.map((doc) => doc.id));
    expect(fromSql).toEqual(fromPrisma);
    // What Elasticsearch receives, key order and Date serialisation included.
    expect(JSON.stringify(fromSql)).toBe(JSON.stringify(fromPrisma));
    // The reindex's path (one row at a time through pg, each document serialized as built) sends the same.
    const sent = await serializedDocuments(DOCUMENT_SOURCES.repositoryCases, db, pg, chunk);
    expect(sent).toEqual(fromPrisma.map((doc) => ({ id: doc.id, json: JSON.stringify(doc) })));
    compared += fromSql.length;
  }
  // Archived cases and the deleted project's are left out; every other case was compared.
  const [{ n }] = (await query<{ n: number }>(
    url,
    `SELECT count(*)::int AS n FROM "RepositoryCases" c JOIN "Projects" p ON p.id = c."projectId" WHERE NOT c."isArchived" AND NOT p."isDeleted"`,
  )) as [{ n: number }];
  expect(compared).toBe(n);
  expect(n).toBeGreaterThan(1_000);
}, 120_000);

/** The table whose ids each entity's documents carry. */
const TABLES: Record<SearchEntity, string> = {
  projects: 'Projects',
  repositoryCases: 'RepositoryCases',
  sharedSteps: 'SharedStepGroup',
  testRuns: 'TestRuns',
  sessions: 'Sessions',
  issues: 'Issue',
  milestones: 'Milestones',
};

async function allPageIds(entity: SearchEntity, scope: { projectId?: number }): Promise<number[]> {
  const ids: number[] = [];
  for (let page = await DOCUMENT_SOURCES[entity].pageIds(db, scope, 0, 700); page.length > 0;) {
    ids.push(...page);
    page = await DOCUMENT_SOURCES[entity].pageIds(db, scope, page.at(-1)!, 700);
  }
  return ids;
}

test.each(SEARCH_ENTITIES.filter((entity) => entity !== 'repositoryCases'))(
  '%s: one SQL statement per chunk builds exactly the documents the Prisma builder built; count, pages and prune agree',
  async (entity) => {
    const source = DOCUMENT_SOURCES[entity];
    const ids = (await query<{ id: number }>(url, `SELECT id FROM "${TABLES[entity]}" ORDER BY id`)).map(
      (row) => row.id,
    );
    // Ids that are no row at all are left out by both.
    ids.push(ids.at(-1)! + 1_000);
    const built: SearchDocument[] = [];
    // Small chunks, so documents meet in one chunk and also across chunks.
    for (let start = 0; start < ids.length; start += 7) {
      const chunk = ids.slice(start, start + 7);
      const [fromSql, fromPrisma] = [await source.build(db, chunk), await prismaDocuments[entity](db, chunk)];
      expect(fromSql.map((doc) => doc.id)).toEqual(fromPrisma.map((doc) => doc.id));
      const kept = await source.belonging(db, chunk);
      expect([...kept].sort((a, b) => a - b)).toEqual(fromPrisma.map((doc) => doc.id));
      expect(fromSql).toEqual(fromPrisma);
      // What Elasticsearch receives, key order, absent keys and Date serialisation included.
      expect(JSON.stringify(fromSql)).toBe(JSON.stringify(fromPrisma));
      built.push(...fromSql);
    }
    // One chunk of everything gives the same documents as the small chunks, and the reindex sends them.
    expect(JSON.stringify(await source.build(db, ids))).toBe(JSON.stringify(built));
    expect((await serializedDocuments(source, db, pg, ids)).map((doc) => doc.json)).toEqual(
      built.map((doc) => JSON.stringify(doc)),
    );
    // Counting and paging pick exactly the documents the build makes.
    expect(await source.count(db, {})).toBe(built.length);
    expect(await allPageIds(entity, {})).toEqual(built.map((doc) => doc.id));
    if (source.perProject) {
      for (const projectId of [1, 2, 3]) {
        const ofProject = built.filter((doc) => doc.projectId === projectId).map((doc) => doc.id);
        expect(await allPageIds(entity, { projectId })).toEqual(ofProject);
        expect(await source.count(db, { projectId })).toBe(ofProject.length);
      }
    }
    // Some rows are left out (deleted project, unreachable issues) except for projects, which are all in.
    if (entity === 'projects') expect(built.length).toBe(ids.length - 1);
    else expect(built.length).toBeLessThan(ids.length - 1);
    expect(built.length).toBeGreaterThan(3);
  },
);

/** The one document of `entity` whose row is named `name`. */
async function documentNamed(entity: SearchEntity, name: string): Promise<Record<string, unknown>> {
  const [row] = await query<{ id: number }>(url, `SELECT id FROM "${TABLES[entity]}" WHERE name = $1`, [name]);
  const [doc] = await DOCUMENT_SOURCES[entity].build(db, [row!.id]);
  return doc!;
}

/** A document as Elasticsearch receives it: undefined fields absent, dates as ISO strings. */
const sent = (doc: Record<string, unknown>): Record<string, unknown> => JSON.parse(JSON.stringify(doc));

test("the other entities' edge cases are in the compared documents", async () => {
  expect(await documentNamed('projects', 'Project 1')).toMatchObject({
    note: expect.stringContaining('"Project one note"'),
    searchableContent: 'Project 1 Project one note Plain project docs',
  });
  expect(await documentNamed('projects', 'Project plain')).toMatchObject({
    note: '{broken',
    docs: null,
    createdByImage: null,
    searchableContent: 'Project plain {broken',
  });
  expect(await documentNamed('projects', 'Project 3')).toMatchObject({ isDeleted: true });

  const mixed = await documentNamed('sharedSteps', 'Mixed items');
  expect(mixed.items).toEqual([
    { id: expect.any(Number), order: 1, step: '42', expectedResult: 'null' },
    {
      id: expect.any(Number),
      order: 1,
      step: '{"type":"doc","attrs":{"a":[true,null,"x"],"zeta":1.5},"content":[{"text":"Nested","type":"text"}]}',
      expectedResult: '[]',
    },
    {
      id: expect.any(Number),
      order: 2,
      step: expect.stringContaining('Stringified item'),
      expectedResult: 'plain words',
    },
  ]);
  expect(mixed.searchableContent).toBe('Mixed items   Nested  Stringified item plain words');
  expect(await documentNamed('sharedSteps', 'Empty group')).toMatchObject({
    items: [],
    searchableContent: 'Empty group',
  });

  const bareRun = await documentNamed('testRuns', 'Bare run');
  expect(bareRun).toMatchObject({
    note: '',
    docs: '',
    configId: null,
    milestoneId: null,
    stateName: 'Running',
    stateIcon: 'play',
    stateColor: '#22c55e',
    forecastAutomated: 2.5,
    testRunType: 'JUNIT',
    createdByImage: null,
    tags: [],
  });
  // A timestamp without time zone is UTC, as Prisma reads it.
  expect(bareRun.completedAt).toEqual(new Date('2026-03-04T05:06:07.891Z'));
  expect(sent(bareRun)).not.toHaveProperty('configurationName');
  expect(sent(bareRun)).not.toHaveProperty('milestoneName');
  expect(await documentNamed('testRuns', 'Full run')).toMatchObject({
    note: 'Run note as a string',
    configurationName: 'Chrome on Linux',
    milestoneName: 'Sprint under Release 1',
    tags: [{ name: 'tag-3' }, { name: 'tag-17' }],
  });

  const bareSession = await documentNamed('sessions', 'Bare session');
  expect(bareSession).toMatchObject({ note: 'Session note as a string', assignedToId: null, isDeleted: true });
  expect(bareSession.completedAt).toEqual(new Date('2026-03-04T05:06:07.891Z'));
  expect(Object.keys(sent(bareSession))).not.toEqual(expect.arrayContaining(['assignedToName']));
  expect(sent(bareSession)).not.toHaveProperty('assignedToImage');
  expect(await documentNamed('sessions', 'Assigned session')).toMatchObject({
    note: 'just words',
    mission: '',
    assignedToName: 'Plain',
    assignedToImage: null,
    tags: [{ name: 'tag-2' }, { name: 'tag-12' }],
  });

  const bareMilestone = await documentNamed('milestones', 'Bare milestone');
  expect(bareMilestone).toMatchObject({
    dueDate: null,
    completedAt: null,
    parentId: null,
    docs: 'Milestone docs as a string',
  });
  expect(sent(bareMilestone)).not.toHaveProperty('milestoneTypeIcon');
  expect(sent(bareMilestone)).not.toHaveProperty('parentName');
  const precise = await documentNamed('milestones', 'Precise milestone');
  expect(precise.dueDate).toEqual(new Date('2026-05-06T07:08:09.123Z'));
  expect(precise.createdAt).toEqual(new Date('2026-05-01T00:00:00.999Z'));
  expect(await documentNamed('milestones', 'Sprint under Release 1')).toMatchObject({ parentName: 'Release 1' });

  const issueIds = await query<{ id: number; name: string }>(
    url,
    `SELECT id, name FROM "Issue" WHERE name LIKE 'EDGE-%'`,
  );
  const issues = new Map(
    (
      await DOCUMENT_SOURCES.issues.build(
        db,
        issueIds.map((row) => row.id),
      )
    ).map((doc) => [issueIds.find((row) => row.id === doc.id)!.name, sent(doc)]),
  );
  const projectOf = Object.fromEntries([...issues].map(([issueName, doc]) => [issueName, doc.projectId]));
  expect(projectOf).toEqual({
    'EDGE-own-deleted': 2,
    'EDGE-session': 1,
    'EDGE-session-result': 2,
    'EDGE-run-result': 2,
    'EDGE-step-result': 2,
    'EDGE-own-first': 1,
    'EDGE-cases-first': 2,
    'EDGE-case-order': 2,
    'EDGE-session-order': 2,
    'EDGE-run-order': 2,
    'EDGE-session-result-order': 2,
    'EDGE-run-result-order': 2,
    'EDGE-step-result-order': 2,
    'EDGE-no-integration': 2,
    'EDGE-url-number': 2,
    'EDGE-data-string': 2,
    'EDGE-url-empty': 2,
    'EDGE-data-array': 2,
  });
  expect(issues.get('EDGE-no-integration')).toMatchObject({
    url: 'https://ext.example.test/9',
    issueSystem: 'Unknown',
    description: null,
    externalId: null,
    note: 'Issue note as a string',
    createdByImage: null,
  });
  expect(issues.get('EDGE-url-number')).not.toHaveProperty('url');
  expect(issues.get('EDGE-data-string')).toMatchObject({ url: 'https://fallback.example.test' });
  expect(issues.get('EDGE-url-empty')).toMatchObject({ url: '', isDeleted: true });
});

test('the edge cases are in the compared documents', async () => {
  const [edge] = await query<{ id: number }>(
    url,
    `SELECT "testCaseId" AS id FROM "Steps" s JOIN "SharedStepGroup" g ON g.id = s."sharedStepGroupId" WHERE g.name = 'Empty group'`,
  );
  const [bare] = await query<{ id: number }>(url, `SELECT id FROM "RepositoryCases" WHERE name = 'Bare case'`);
  const [doc, bareDoc] = await DOCUMENT_SOURCES.repositoryCases.build(db, [edge!.id, bare!.id]);
  expect(doc!.steps).toEqual(
    expect.arrayContaining([
      expect.objectContaining({ step: 'Stringified', expectedResult: '' }),
      expect.objectContaining({ step: 'plain words', expectedResult: '' }),
      expect.objectContaining({ step: 'Shared action 1', sharedStepGroupName: 'Retired setup' }),
    ]),
  );
  const fields = Object.fromEntries(
    (doc!.customFields as Array<{ fieldName: string }>).map((field) => [field.fieldName, field]),
  );
  expect(fields.Browser).toMatchObject({ fieldOption: { name: 'Firefox', iconColor: { value: '#6b7280' } } });
  expect(fields.Browser).not.toHaveProperty('fieldOption.icon');
  // jsonb keeps an object's keys shortest first.
  expect(fields.Other).toMatchObject({ value: '{"n":[1,2.5],"kind":"other"}' });
  expect(bareDoc).toMatchObject({
    folderPath: '/Root',
    tags: [],
    steps: [],
    customFields: [],
    source: 'JUNIT',
    forecastAutomated: 3.25,
    creatorImage: 'https://avatars.example.test/admin.png',
  });
  expect(bareDoc!.createdAt).toBeInstanceOf(Date);
});
