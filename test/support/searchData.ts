/**
 * Realistic search data, generated with set-based SQL so 100,000 cases take seconds: nested
 * folders, cases with rich-text steps (some expanding a shared step group), tags, six kinds of
 * custom field, test runs, sessions, milestones (one nested), and issues linked in every way
 * TestPlanIt links them, plus an orphan issue no project reaches. Some cases are deleted (still
 * indexed) and some archived (not indexed). Call after seedBasics.
 */
import { Client } from 'pg';

export interface SearchDataSize {
  casesPerProject: number;
  runsPerProject?: number;
  sessionsPerProject?: number;
  issues?: number;
}

const tiptap = (text: string) =>
  `jsonb_build_object('type','doc','content', jsonb_build_array(jsonb_build_object('type','paragraph','content', jsonb_build_array(jsonb_build_object('type','text','text', ${text})))))`;

export async function seedSearchData(url: string, size: SearchDataSize, userId = 'user-admin'): Promise<void> {
  const runs = size.runsPerProject ?? 10;
  const sessions = size.sessionsPerProject ?? 5;
  const issues = size.issues ?? 30;
  const client = new Client({ connectionString: url });
  await client.connect();
  const run = (sql: string, params: unknown[] = []) => client.query(sql, params);
  try {
    await run(
      `INSERT INTO "RepositoryFolders" ("projectId", "repositoryId", "parentId", name, "creatorId")
      SELECT f."projectId", f."repositoryId", f.id, 'Authentication', $1 FROM "RepositoryFolders" f WHERE f."parentId" IS NULL`,
      [userId],
    );
    await run(
      `INSERT INTO "RepositoryFolders" ("projectId", "repositoryId", "parentId", name, "creatorId")
      SELECT f."projectId", f."repositoryId", f.id, 'Login', $1 FROM "RepositoryFolders" f WHERE f.name = 'Authentication'`,
      [userId],
    );
    await run(`INSERT INTO "Tags" (name) SELECT 'tag-' || i FROM generate_series(1, 20) i ON CONFLICT DO NOTHING`);
    await run(
      `INSERT INTO "CaseFieldTypes" (type) VALUES ('Text String'), ('Select'), ('Multi-Select'), ('Checkbox'), ('Number'), ('Text Long') ON CONFLICT DO NOTHING`,
    );
    await run(`INSERT INTO "CaseFields" ("displayName", "systemName", "typeId")
      SELECT f.display, f.system, t.id FROM (VALUES ('Component', 'component', 'Text String'), ('Priority', 'priority', 'Select'),
        ('Platforms', 'platforms', 'Multi-Select'), ('Smoke', 'smoke', 'Checkbox'), ('Risk', 'risk', 'Number'),
        ('Preconditions', 'preconditions', 'Text Long')) AS f(display, system, type)
      JOIN "CaseFieldTypes" t ON t.type = f.type ON CONFLICT DO NOTHING`);
    await run(
      `INSERT INTO "FieldOptions" (name, "order", "iconId", "iconColorId") VALUES ('High', 1, 1, 1), ('Medium', 2, 1, 1), ('Low', 3, 1, 1), ('iOS', 1, NULL, NULL), ('Android', 2, NULL, NULL), ('Web', 3, NULL, NULL)`,
    );
    await run(`INSERT INTO "CaseFieldAssignment" ("fieldOptionId", "caseFieldId")
      SELECT o.id, f.id FROM "FieldOptions" o JOIN "CaseFields" f ON (f."systemName" = 'priority' AND o.name IN ('High', 'Medium', 'Low'))
        OR (f."systemName" = 'platforms' AND o.name IN ('iOS', 'Android', 'Web'))`);
    await run(`INSERT INTO "Configurations" (name) VALUES ('Chrome on Linux')`);

    await run(
      `INSERT INTO "RepositoryCases" ("projectId", "repositoryId", "folderId", "templateId", name, "className", source, "stateId", "creatorId",
         "isDeleted", "isArchived", estimate, automated)
       SELECT f."projectId", f."repositoryId", f.id, 1, 'Sign in with ' || (ARRAY['password','SSO','magic link','passkey'])[1 + i % 4] || ' #' || f."projectId" || '-' || i,
              CASE WHEN i % 3 = 0 THEN 'com.example.auth.LoginTest' || i END, 'MANUAL', 1, $2, i % 50 = 0, i % 97 = 0, i * 10, i % 4 = 0
       FROM "RepositoryFolders" f, generate_series(1, $1) i WHERE f.name = 'Login'`,
      [size.casesPerProject, userId],
    );
    await run(
      `INSERT INTO "SharedStepGroup" (name, "projectId", "createdById", "updatedAt", "isDeleted")
      SELECT 'Log in as admin', p.id, $1, now(), false FROM "Projects" p
      UNION ALL SELECT 'Retired setup', p.id, $1, now(), true FROM "Projects" p`,
      [userId],
    );
    await run(`INSERT INTO "SharedStepItem" ("sharedStepGroupId", "order", step, "expectedResult", "updatedAt")
      SELECT g.id, k, ${tiptap(`'Shared action ' || k`)}, ${tiptap(`'Shared outcome ' || k`)}, now() FROM "SharedStepGroup" g, generate_series(1, 2) k`);
    await run(`INSERT INTO "Steps" ("testCaseId", "order", step, "expectedResult", "isDeleted")
      SELECT c.id, k, ${tiptap(`'Enter credentials step ' || k || ' of case ' || c.id`)}, ${tiptap(`'Dashboard shows step ' || k`)}, k = 3 AND c.id % 5 = 0
      FROM "RepositoryCases" c, generate_series(1, 3) k`);
    await run(`INSERT INTO "Steps" ("testCaseId", "order", "sharedStepGroupId")
      SELECT c.id, 4, g.id FROM "RepositoryCases" c JOIN "SharedStepGroup" g ON g."projectId" = c."projectId" AND NOT g."isDeleted" WHERE c.id % 10 = 0`);
    await run(`INSERT INTO "_RepositoryCasesToTags" ("A", "B")
      SELECT c.id, t.id FROM "RepositoryCases" c JOIN "Tags" t ON t.name IN ('tag-' || (1 + c.id % 20), 'tag-' || (1 + (c.id + 7) % 20))`);
    await run(`INSERT INTO "CaseFieldValues" ("testCaseId", "fieldId", value)
      SELECT c.id, f.id, CASE f."systemName"
          WHEN 'component' THEN to_jsonb('auth-' || (c.id % 7))
          WHEN 'priority' THEN to_jsonb((SELECT o.id FROM "FieldOptions" o WHERE o.name = (ARRAY['High','Medium','Low'])[1 + c.id % 3]))
          WHEN 'platforms' THEN (SELECT jsonb_agg(o.id ORDER BY o.id) FROM "FieldOptions" o WHERE o.name IN ('iOS', CASE WHEN c.id % 2 = 0 THEN 'Web' ELSE 'Android' END))
          WHEN 'smoke' THEN to_jsonb(c.id % 2 = 0)
          WHEN 'risk' THEN to_jsonb(c.id % 9)
          ELSE ${tiptap(`'Preconditions for case ' || c.id`)} END
      FROM "RepositoryCases" c CROSS JOIN "CaseFields" f WHERE f."systemName" <> 'risk' OR c.id % 2 = 0`);

    await run(
      `INSERT INTO "Milestones" ("projectId", "milestoneTypesId", name, "createdBy", "completedAt", note)
      SELECT p.id, 1, 'Release ' || k, $1, now() + k * interval '7 days', ${tiptap(`'Ship release ' || k`)} FROM "Projects" p, generate_series(1, 2) k`,
      [userId],
    );
    await run(
      `INSERT INTO "Milestones" ("projectId", "milestoneTypesId", name, "createdBy", "parentId")
      SELECT m."projectId", 1, 'Sprint under ' || m.name, $1, m.id FROM "Milestones" m WHERE m.name = 'Release 1'`,
      [userId],
    );
    await run(
      `INSERT INTO "TestRuns" ("projectId", name, "stateId", "createdById", "configId", "milestoneId", note, "isDeleted")
       SELECT p.id, 'Regression run ' || k, 1, $2, (SELECT id FROM "Configurations" LIMIT 1),
              (SELECT m.id FROM "Milestones" m WHERE m."projectId" = p.id ORDER BY m.id LIMIT 1), ${tiptap(`'Nightly regression ' || k`)}, k = $1
       FROM "Projects" p, generate_series(1, $1) k`,
      [runs, userId],
    );
    await run(
      `INSERT INTO "_TagsToTestRuns" ("A", "B") SELECT t.id, r.id FROM "TestRuns" r JOIN "Tags" t ON t.name = 'tag-' || (1 + r.id % 20)`,
    );
    await run(
      `INSERT INTO "Sessions" ("projectId", "templateId", name, "stateId", "createdById", "assignedToId", mission)
       SELECT p.id, 1, 'Explore checkout ' || k, 1, $2, $2, ${tiptap(`'Find payment edge cases ' || k`)} FROM "Projects" p, generate_series(1, $1) k`,
      [sessions, userId],
    );
    await run(
      `INSERT INTO "_SessionsToTags" ("A", "B") SELECT s.id, t.id FROM "Sessions" s JOIN "Tags" t ON t.name = 'tag-' || (1 + s.id % 20)`,
    );
    await run(
      `INSERT INTO "Integration" (name, provider, "authType", credentials, "updatedAt") VALUES ('Jira Cloud', 'JIRA', 'API_KEY', '{}', now())`,
    );
    // Issues: a third with a project, a third linked to a case, a third to a run; the last links nowhere.
    await run(
      `INSERT INTO "Issue" (name, title, description, "externalId", "createdById", "projectId", "integrationId", data)
       SELECT 'AUTH-' || i, 'Login fails ' || i, 'Steps to reproduce ' || i, 'AUTH-' || i, $2,
              CASE WHEN i % 3 = 0 AND i < $1 THEN (SELECT min(id) FROM "Projects") END, (SELECT min(id) FROM "Integration"),
              jsonb_build_object('url', 'https://jira.example.test/browse/AUTH-' || i)
       FROM generate_series(1, $1) i`,
      [issues, userId],
    );
    await run(`INSERT INTO "_IssueToRepositoryCases" ("A", "B")
      SELECT i.id, (SELECT max(c.id) FROM "RepositoryCases" c WHERE NOT c."isArchived") FROM "Issue" i WHERE i.id % 3 = 1`);
    await run(`INSERT INTO "_IssueToTestRuns" ("A", "B")
      SELECT i.id, (SELECT min(r.id) FROM "TestRuns" r WHERE NOT r."isDeleted") FROM "Issue" i WHERE i.id % 3 = 2 AND i.id < (SELECT max(id) FROM "Issue")`);
    await run(`ANALYZE`);
  } finally {
    await client.end();
  }
}
