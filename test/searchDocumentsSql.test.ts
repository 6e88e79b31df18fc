/**
 * The repository-case documents built by one SQL statement per chunk are the very documents the
 * Prisma builder made (test/support/prismaCaseDocuments.ts): same fields, same values, same order
 * of keys and of nested items, on the realistic search data plus the edge cases it lacks.
 */
import { DOCUMENT_SOURCES } from '../src/search/documents';
import { createPrismaClient, type DatabaseClient } from '../src/tenancy/prismaPool';
import { createTenantDatabase, databaseUrl, dropDatabase, query, seedBasics } from './support/databases';
import { prismaCaseDocuments } from './support/prismaCaseDocuments';
import { seedSearchData } from './support/searchData';
import { uniqueSuffix } from './support/services';

const name = `tpw_docsql_${uniqueSuffix()}`;
const url = databaseUrl(name);
let db: DatabaseClient;

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

beforeAll(async () => {
  await seedBasics(await createTenantDatabase(name), 3);
  await seedSearchData(url, { casesPerProject: 600 });
  await seedEdgeCases();
  // Cases of a deleted project are not in the index.
  await query(url, `UPDATE "Projects" SET "isDeleted" = true WHERE id = 3`);
  db = createPrismaClient(url, { maxClients: 1, connectionsPerClient: 2, idleTimeoutMs: 1_000 });
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
