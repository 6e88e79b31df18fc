/**
 * Testmo's automation datasets: results a CI pipeline sent to Testmo. They become what
 * TestPlanIt's own JUnit import makes of a report, as TestPlanIt's Testmo import does:
 * - an automation case is a JUnit repository case (`source` JUNIT, automated), matched on project,
 *   name and class name, so several Testmo cases with the same test (one per branch or
 *   environment) share one case, and a second import adds to it; it is filed in a folder tree
 *   under the repository's "Automation" folder, one folder per segment of Testmo's dotted folder;
 * - an automation run is a test run of type JUNIT with one JUnit suite;
 * - an automation run test is a JUnit result in that suite, plus the run's test-run case (one per
 *   run and case, holding the latest status);
 * - run fields (version, build, ...) go into the run's note as `{name: {type, value}}`, run links
 *   (the CI job's URL) become URL attachments of the run, a test's fields (its output and errors)
 *   go to the result's system-out and system-err, and run tags link tags to the run.
 * Testmo times automation in microseconds; TestPlanIt keeps seconds.
 */
import type { JUnitResultType, Prisma } from '@prisma/client';
import { allocateIds, insertRows, type Tx } from '../idMap';
import { toBool, toDate, toInt, toText } from '../values';
import {
  column,
  ImportDataError,
  importConfigured,
  importCreated,
  importLinks,
  nothing,
  type ImportPhase,
  type PhaseContext,
  type StagedRow,
} from './context';
import { userOf } from './projects';

/** TestPlanIt's chunk sizes for the automation datasets: 500 rows, run tests 2000. */
const AUTOMATION_CHUNK_ROWS = 500;
const RUN_TEST_CHUNK_ROWS = 2_000;

/**
 * A test's field longer than this is cut (as TestPlanIt cuts it): one runaway log must not make
 * a chunk's statement, or the result page, hundreds of megabytes.
 */
export const MAX_TEST_FIELD_CHARS = 500_000;

/**
 * The reference columns of rows that must hold Testmo ids when they hold anything. A value that
 * is not one (`"run_id": "nightly"`) is bad data: skipping the row would lose it without a word,
 * so the import fails naming the row.
 */
export function checkReferences(dataset: string, rows: StagedRow[], columns: string[]): void {
  for (const { rowIndex, row } of rows) {
    for (const name of columns) {
      const value = row[name];
      if (value === undefined || value === null || value === '') continue;
      if (toInt(value) === undefined)
        throw new ImportDataError(
          `${describeRow(dataset, rowIndex, row)}: ${name} ${JSON.stringify(value)} is not an id`,
        );
    }
  }
}

/** "Testmo automation_run_tests row 13 (id 345)": the row's position in its dataset, from 1. */
function describeRow(dataset: string, rowIndex: number, row: Record<string, unknown>): string {
  const id = toInt(row.id);
  return `Testmo ${dataset} row ${rowIndex + 1}${id === undefined ? '' : ` (id ${id})`}`;
}

/** Testmo's microseconds as TestPlanIt's seconds (JUnit times keep their fraction). */
const secondsOf = (microseconds: unknown): number | undefined => {
  const value = toInt(microseconds);
  return value === undefined ? undefined : value / 1_000_000;
};

/** Testmo's dotted folder of an automation case ("ios.checkout.CartTests"), as path segments. */
export function folderPath(folder: unknown): string[] {
  return (toText(folder) ?? '')
    .split('.')
    .map((segment) => segment.trim())
    .filter((segment) => segment.length > 0);
}

const caseNameOf = (row: Record<string, unknown>) => toText(row.name) ?? `Automation case ${toInt(row.id)}`;

/**
 * The folders automation cases are filed in: the project's live repository (created with its
 * root folder when the export brought none for the project), an "Automation" folder under its
 * root, and one folder per segment of the case's Testmo folder. TestPlanIt's importer puts
 * "Automation" at the top level with no parent; here it sits under the root folder every
 * imported repository has, so the tree keeps one root and the folders' unique key (which never
 * matches a NULL parent) makes find-or-create exact even when two chunks race for a name.
 */
class AutomationFolders {
  private readonly automationFolder = new Map<number, { repositoryId: number; folderId: number }>();
  private readonly folders = new Map<string, number>();

  constructor(private readonly ctx: PhaseContext) {}

  async of(projectId: number, path: string[]): Promise<{ repositoryId: number; folderId: number }> {
    const base = await this.automation(projectId);
    let folderId = base.folderId;
    for (const name of path) folderId = await this.folder(projectId, base.repositoryId, folderId, name);
    return { repositoryId: base.repositoryId, folderId };
  }

  private async automation(projectId: number): Promise<{ repositoryId: number; folderId: number }> {
    const known = this.automationFolder.get(projectId);
    if (known) return known;
    const tx = this.ctx.tx;
    const [live] = await tx.$queryRawUnsafe<Array<{ repositoryId: number; rootId: number | null }>>(
      `SELECT r.id AS "repositoryId",
              (SELECT f.id FROM "RepositoryFolders" f
                WHERE f."repositoryId" = r.id AND f."parentId" IS NULL AND NOT f."isDeleted" ORDER BY f.id LIMIT 1) AS "rootId"
         FROM "Repositories" r
        WHERE r."projectId" = $1 AND r."isActive" AND NOT r."isDeleted" AND NOT r."isArchived"
        ORDER BY r.id LIMIT 1`,
      projectId,
    );
    const repositoryId = live?.repositoryId ?? (await this.insertReturningId('Repositories', { projectId }));
    const rootId =
      live?.rootId ??
      (await this.insertReturningId('RepositoryFolders', {
        projectId,
        repositoryId,
        name: 'Root',
        creatorId: this.ctx.importerId,
      }));
    const found = { repositoryId, folderId: await this.folder(projectId, repositoryId, rootId, 'Automation') };
    this.automationFolder.set(projectId, found);
    return found;
  }

  private async insertReturningId(table: string, row: Record<string, unknown>): Promise<number> {
    const [id] = await allocateIds(this.ctx.sql, table, 1);
    await insertRows(this.ctx.sql, table, [{ id, ...row }]);
    return id!;
  }

  private async folder(projectId: number, repositoryId: number, parentId: number, name: string): Promise<number> {
    const key = `${parentId}\u0000${name}`;
    const known = this.folders.get(key);
    if (known !== undefined) return known;
    // An existing folder of this name under this parent is the folder; ON CONFLICT leaves it, and
    // the second SELECT (which sees it, unlike the INSERT's RETURNING) finds it.
    const [row] = await this.ctx.tx.$queryRawUnsafe<Array<{ id: number }>>(
      `WITH created AS (
         INSERT INTO "RepositoryFolders" ("projectId", "repositoryId", "parentId", name, "creatorId")
         VALUES ($1, $2, $3, $4, $5)
         ON CONFLICT ("projectId", "repositoryId", "parentId", name, "isDeleted") DO NOTHING
         RETURNING id)
       SELECT id FROM created
       UNION ALL
       SELECT id FROM "RepositoryFolders"
        WHERE "projectId" = $1 AND "repositoryId" = $2 AND "parentId" = $3 AND name = $4 AND NOT "isDeleted"
       LIMIT 1`,
      projectId,
      repositoryId,
      parentId,
      name,
      this.ctx.importerId,
    );
    this.folders.set(key, row!.id);
    return row!.id;
  }
}

/** The natural key of a JUnit case: project, class name (NULL without a folder) and name. */
type CaseKey = string;
const caseKey = (projectId: number, className: string | null, name: string): CaseKey =>
  JSON.stringify([projectId, className, name]);

export const automationCasesPhase: ImportPhase = {
  entity: 'automationCases',
  dataset: 'automation_cases',
  requires: ['projects'],
  maxChunkRows: AUTOMATION_CHUNK_ROWS,
  // Each chunk matches its cases against those earlier chunks created, and finds their folders.
  readsBack: ['RepositoryCases', 'RepositoryFolders'],
  importRows: async (ctx, rows) => {
    checkReferences('automation_cases', rows, ['id', 'project_id', 'created_by']);
    await ctx.ids.load('project', column(rows, 'project_id'));
    await ctx.ids.load('user', column(rows, 'created_by'));
    const folders = new AutomationFolders(ctx);
    return importConfigured<CaseKey, number>(ctx, rows, {
      type: 'automationCase',
      keyOf: (row) => {
        const projectId = ctx.ids.int('project', toInt(row.project_id));
        if (projectId === undefined) return undefined;
        const path = folderPath(row.folder);
        return caseKey(projectId, path.length > 0 ? path.join('.') : null, caseNameOf(row));
      },
      existing: async (keys) => {
        if (keys.length === 0) return new Map();
        const wanted = keys.map((key) => {
          const [projectId, className, name] = JSON.parse(key) as [number, string | null, string];
          return { projectId, className, name };
        });
        const found = await ctx.tx.$queryRawUnsafe<
          Array<{ id: number; projectId: number; className: string | null; name: string }>
        >(
          `SELECT DISTINCT ON (c."projectId", c."className", c.name) c.id, c."projectId", c."className", c.name
             FROM jsonb_to_recordset($1::jsonb) AS k("projectId" int, "className" text, name text)
             JOIN "RepositoryCases" c
               ON c."projectId" = k."projectId" AND c.name = k.name AND c."className" IS NOT DISTINCT FROM k."className"
            WHERE c.source = 'JUNIT'
            ORDER BY c."projectId", c."className", c.name, c.id`,
          JSON.stringify(wanted),
        );
        // A JUnit case the tenant already has is the case: Testmo's runs report on it, so it is
        // automated and live again, as TestPlanIt's importer leaves it.
        if (found.length > 0) {
          await ctx.tx.$executeRawUnsafe(
            `UPDATE "RepositoryCases" SET automated = true, "isDeleted" = false, "isArchived" = false
              WHERE id = ANY($1::int[]) AND NOT (automated AND NOT "isDeleted" AND NOT "isArchived")`,
            found.map((row) => row.id),
          );
        }
        return new Map(found.map((row) => [caseKey(row.projectId, row.className, row.name), row.id]));
      },
      create: async (items) => {
        const ids = await allocateIds(ctx.sql, 'RepositoryCases', items.length);
        const data: Array<Prisma.RepositoryCasesCreateManyInput & { id: number }> = [];
        for (const [index, { row, key }] of items.entries()) {
          const [projectId, className, name] = JSON.parse(key) as [number, string | null, string];
          const { repositoryId, folderId } = await folders.of(projectId, folderPath(row.folder));
          data.push({
            id: ids[index]!,
            projectId,
            repositoryId,
            folderId,
            name,
            className,
            source: 'JUNIT',
            automated: true,
            templateId: await ctx.defaults.template(),
            stateId: await ctx.defaults.workflowState('CASES'),
            order: 0,
            createdAt: toDate(row.created_at) ?? new Date(),
            creatorId: userOf(ctx, row.created_by),
          });
        }
        await insertRows(ctx.sql, 'RepositoryCases', data);
        return ids;
      },
    });
  },
};

export const automationRunsPhase: ImportPhase = {
  entity: 'automationRuns',
  dataset: 'automation_runs',
  requires: ['projects'],
  maxChunkRows: AUTOMATION_CHUNK_ROWS,
  importRows: async (ctx, rows) => {
    checkReferences('automation_runs', rows, ['id', 'project_id', 'config_id', 'milestone_id', 'created_by']);
    await ctx.ids.load('project', column(rows, 'project_id'));
    await ctx.ids.load('milestone', column(rows, 'milestone_id'));
    await ctx.ids.load('configuration', column(rows, 'config_id'));
    await ctx.ids.load('user', column(rows, 'created_by'));
    const suites: Array<{ sourceId: number; suite: Record<string, unknown> }> = [];
    const outcome = await importCreated<Prisma.TestRunsCreateManyInput & { id: number }>(ctx, rows, {
      type: 'automationRun',
      build: async (row, id) => {
        const projectId = ctx.ids.int('project', toInt(row.project_id));
        if (projectId === undefined) return undefined;
        const name = toText(row.name) ?? `Automation run ${toInt(row.id)}`;
        const createdAt = toDate(row.created_at) ?? new Date();
        // Testmo sends finished runs; one without the flag is complete, as TestPlanIt reads it.
        const completed = toBool(row.is_completed) ?? true;
        const completedAt = toDate(row.completed_at) ?? (completed ? createdAt : null);
        const elapsed = secondsOf(row.elapsed);
        const createdById = userOf(ctx, row.created_by);
        suites.push({
          sourceId: toInt(row.id)!,
          suite: {
            name,
            time: elapsed ?? 0,
            // Replaced by the imported results' own count once the run tests are in.
            tests: toInt(row.total_count) ?? 0,
            testRunId: id,
            timestamp: createdAt,
            createdAt,
            createdById,
          },
        });
        return {
          id,
          projectId,
          name,
          testRunType: 'JUNIT',
          configId: ctx.ids.int('configuration', toInt(row.config_id)) ?? null,
          milestoneId: ctx.ids.int('milestone', toInt(row.milestone_id)) ?? null,
          stateId: await ctx.defaults.workflowState('RUNS'),
          elapsed: elapsed === undefined ? null : Math.round(elapsed),
          isCompleted: completed,
          completedAt,
          createdAt,
          createdById,
        };
      },
    });
    const suiteIds = await allocateIds(ctx.sql, 'JUnitTestSuite', suites.length);
    await insertRows(
      ctx.sql,
      'JUnitTestSuite',
      suites.map(({ suite }, index) => ({ id: suiteIds[index]!, ...suite })),
    );
    suites.forEach(({ sourceId }, index) => ctx.ids.set('automationSuite', sourceId, suiteIds[index]!, 'created'));
    return outcome;
  },
};

interface StatusRow {
  id: number;
  name: string;
  systemName: string;
  aliases: string | null;
  isFailure: boolean;
}

/**
 * A JUnit result's type from Testmo's status name and the TestPlanIt status it maps to: skipped
 * or blocked is SKIPPED, an error or exception ERROR, a failure status or name FAILURE, anything
 * else PASSED (the order TestPlanIt's importer decides in).
 */
export function junitResultType(statusName: string | undefined, status: StatusRow | undefined): JUnitResultType {
  const words = [statusName, status?.systemName, status?.name, ...(status?.aliases?.split(',') ?? [])]
    .map((word) => word?.trim().toLowerCase())
    .filter((word): word is string => !!word);
  const mentions = (...needles: string[]) => words.some((word) => needles.some((needle) => word.includes(needle)));
  if (mentions('skip', 'block', 'omit')) return 'SKIPPED';
  if (mentions('error', 'exception')) return 'ERROR';
  if (status?.isFailure || mentions('fail')) return 'FAILURE';
  return 'PASSED';
}

/** The statuses of a chunk's tests: mapped Testmo status ids, else TestPlanIt's status of that name. */
async function statusesOf(ctx: PhaseContext, rows: StagedRow[]) {
  await ctx.ids.load('status', column(rows, 'status_id'));
  const ids = [...new Set(rows.flatMap(({ row }) => ctx.ids.int('status', toInt(row.status_id)) ?? []))];
  const names = [...new Set(rows.flatMap(({ row }) => toText(row.status)?.trim().toLowerCase() ?? []))];
  const found = await ctx.tx.$queryRawUnsafe<StatusRow[]>(
    `SELECT id, name, "systemName", aliases, "isFailure" FROM "Status"
      WHERE id = ANY($1::int[]) OR (NOT "isDeleted" AND lower("systemName") = ANY($2::text[]))`,
    ids,
    names,
  );
  const byId = new Map(found.map((status) => [status.id, status]));
  const byName = new Map(found.map((status) => [status.systemName.toLowerCase(), status]));
  return (row: Record<string, unknown>): StatusRow | undefined => {
    const mapped = ctx.ids.int('status', toInt(row.status_id));
    return (
      (mapped === undefined ? undefined : byId.get(mapped)) ??
      byName.get(toText(row.status)?.trim().toLowerCase() ?? '')
    );
  };
}

export const automationRunTestsPhase: ImportPhase = {
  entity: 'automationRunTests',
  dataset: 'automation_run_tests',
  requires: ['automation_runs', 'automation_cases'],
  maxChunkRows: RUN_TEST_CHUNK_ROWS,
  // Each chunk updates the test-run cases earlier chunks wrote (a case run again in a run).
  readsBack: ['TestRunCases'],
  importRows: async (ctx, rows) => {
    const dataset = 'automation_run_tests';
    checkReferences(dataset, rows, ['id', 'run_id', 'case_id', 'status_id', 'created_by']);
    await ctx.ids.load('automationRun', column(rows, 'run_id'));
    await ctx.ids.load('automationSuite', column(rows, 'run_id'));
    await ctx.ids.load('automationCase', column(rows, 'case_id'));
    await ctx.ids.load('user', column(rows, 'created_by'));
    const statusOf = await statusesOf(ctx, rows);
    const runIds = [...new Set(rows.flatMap(({ row }) => ctx.ids.int('automationRun', toInt(row.run_id)) ?? []))];
    const caseIds = [...new Set(rows.flatMap(({ row }) => ctx.ids.int('automationCase', toInt(row.case_id)) ?? []))];
    const runs = new Map(
      (
        await ctx.tx.$queryRawUnsafe<Array<{ id: number; projectId: number; executedAt: Date }>>(
          `SELECT id, "projectId", COALESCE("completedAt", "createdAt") AS "executedAt" FROM "TestRuns" WHERE id = ANY($1::int[])`,
          runIds,
        )
      ).map((run) => [run.id, run]),
    );
    const caseProjects = new Map(
      (
        await ctx.tx.$queryRawUnsafe<Array<{ id: number; projectId: number }>>(
          `SELECT id, "projectId" FROM "RepositoryCases" WHERE id = ANY($1::int[])`,
          caseIds,
        )
      ).map((row) => [row.id, row.projectId]),
    );
    const rowIndexOf = new Map(rows.map(({ rowIndex, row }) => [row, rowIndex]));

    // One test-run case per run and case; a case run twice in a run keeps its last status.
    const runCases = new Map<string, Record<string, unknown>>();
    const outcome = await importCreated<Prisma.JUnitTestResultCreateManyInput & { id: number }>(ctx, rows, {
      type: 'automationTest',
      build: (row, id) => {
        const testRunId = ctx.ids.int('automationRun', toInt(row.run_id));
        const testSuiteId = ctx.ids.int('automationSuite', toInt(row.run_id));
        const repositoryCaseId = ctx.ids.int('automationCase', toInt(row.case_id));
        const run = testRunId === undefined ? undefined : runs.get(testRunId);
        if (run === undefined || testSuiteId === undefined || repositoryCaseId === undefined) return undefined;
        if (caseProjects.get(repositoryCaseId) !== run.projectId) {
          // TestPlanIt's importer drops such a test; here the export is reported, since a run
          // that silently lacks tests looks complete.
          throw new ImportDataError(
            `${describeRow(dataset, rowIndexOf.get(row)!, row)}: automation case ${toInt(row.case_id)} and automation run ${toInt(row.run_id)} belong to different projects`,
          );
        }
        const status = statusOf(row);
        const time = secondsOf(row.elapsed);
        runCases.set(`${testRunId}:${repositoryCaseId}`, {
          testRunId,
          repositoryCaseId,
          order: rowIndexOf.get(row)!,
          statusId: status?.id ?? null,
          isCompleted: status !== undefined,
          completedAt: status === undefined ? null : run.executedAt,
          elapsed: time === undefined ? null : Math.round(time),
        });
        return {
          id,
          type: junitResultType(toText(row.status), status),
          repositoryCaseId,
          testSuiteId,
          statusId: status?.id ?? null,
          time: time ?? null,
          assertions: toInt(row.assertions) ?? null,
          file: toText(row.file) ?? null,
          line: toInt(row.line) ?? null,
          executedAt: run.executedAt,
          createdById: userOf(ctx, row.created_by),
        };
      },
    });
    if (runCases.size > 0) {
      await ctx.tx.$executeRawUnsafe(
        `INSERT INTO "TestRunCases" ("testRunId", "repositoryCaseId", "order", "statusId", "isCompleted", "completedAt", elapsed)
         SELECT "testRunId", "repositoryCaseId", "order", "statusId", "isCompleted", "completedAt", elapsed
           FROM jsonb_populate_recordset(NULL::"TestRunCases", $1::jsonb)
         ON CONFLICT ("testRunId", "repositoryCaseId") DO UPDATE
           SET "statusId" = EXCLUDED."statusId", "isCompleted" = EXCLUDED."isCompleted",
               "completedAt" = EXCLUDED."completedAt", elapsed = EXCLUDED.elapsed`,
        JSON.stringify([...runCases.values()]),
      );
    }
    return outcome;
  },
  finishStep: 'totalling the suites',
  // A suite's totals are its imported results', as a JUnit report's would be: set-based, once
  // every test is in, over the suites of this import only; idempotent.
  finish: async ({ tx, jobId }) => {
    await tx.$executeRawUnsafe(
      `UPDATE "JUnitTestSuite" s
          SET tests = t.tests, failures = t.failures, errors = t.errors, skipped = t.skipped, time = t.time
         FROM (SELECT r."testSuiteId" AS id, count(*)::int AS tests,
                      (count(*) FILTER (WHERE r.type = 'FAILURE'))::int AS failures,
                      (count(*) FILTER (WHERE r.type = 'ERROR'))::int AS errors,
                      (count(*) FILTER (WHERE r.type = 'SKIPPED'))::int AS skipped,
                      COALESCE(sum(r.time), 0) AS time
                 FROM "JUnitTestResult" r
                WHERE r."testSuiteId" IN (SELECT "targetId"::int FROM "TestmoImportMapping"
                                           WHERE "jobId" = $1 AND "entityType" = 'automationSuite')
                GROUP BY r."testSuiteId") t
        WHERE s.id = t.id`,
      jobId,
    );
  },
};

/** Run fields (Version, Build, ...): merged into the run's note, one key per field name. */
export const automationRunFieldsPhase: ImportPhase = {
  entity: 'automationRunFields',
  dataset: 'automation_run_fields',
  requires: ['automation_runs'],
  maxChunkRows: AUTOMATION_CHUNK_ROWS,
  importRows: async (ctx, rows) => {
    checkReferences('automation_run_fields', rows, ['run_id']);
    await ctx.ids.load('automationRun', column(rows, 'run_id'));
    const outcome = nothing();
    const fields = new Map<number, Record<string, { type: number | null; value: string | null }>>();
    for (const { row } of rows) {
      const runId = ctx.ids.int('automationRun', toInt(row.run_id));
      const name = toText(row.name);
      if (runId === undefined || name === undefined) {
        outcome.skipped += 1;
        continue;
      }
      const run = fields.get(runId) ?? {};
      run[name] = { type: toInt(row.type) ?? null, value: toText(row.value) ?? null };
      fields.set(runId, run);
      outcome.created += 1;
    }
    if (fields.size > 0) {
      await ctx.tx.$executeRawUnsafe(
        `UPDATE "TestRuns" t
            SET note = (CASE WHEN jsonb_typeof(t.note) = 'object' THEN t.note ELSE '{}'::jsonb END) || v.fields
           FROM jsonb_to_recordset($1::jsonb) AS v(id int, fields jsonb)
          WHERE t.id = v.id`,
        JSON.stringify([...fields].map(([id, run]) => ({ id, fields: run }))),
      );
    }
    return outcome;
  },
};

/**
 * Run links (the CI job, the build): URL attachments of the run. Like case steps they have no
 * Testmo id of their own; a chunk commits them with its checkpoint, once.
 */
export const automationRunLinksPhase: ImportPhase = {
  entity: 'automationRunLinks',
  dataset: 'automation_run_links',
  requires: ['automation_runs'],
  maxChunkRows: AUTOMATION_CHUNK_ROWS,
  importRows: async (ctx, rows) => {
    checkReferences('automation_run_links', rows, ['run_id', 'created_by']);
    await ctx.ids.load('automationRun', column(rows, 'run_id'));
    await ctx.ids.load('user', column(rows, 'created_by'));
    const outcome = nothing();
    const links: Array<Record<string, unknown>> = [];
    for (const { row } of rows) {
      const testRunsId = ctx.ids.int('automationRun', toInt(row.run_id));
      const url = toText(row.url);
      if (testRunsId === undefined || url === undefined) {
        outcome.skipped += 1;
        continue;
      }
      links.push({
        testRunsId,
        url,
        name: toText(row.name) ?? url,
        note: toText(row.note) ?? null,
        mimeType: 'text/uri-list',
        size: Buffer.byteLength(url),
        createdAt: toDate(row.created_at) ?? new Date(),
        createdById: userOf(ctx, row.created_by),
      });
    }
    outcome.created += await insertRows(ctx.sql, 'Attachments', links);
    return outcome;
  },
};

/**
 * A test's fields (its output, error trace, ...): appended to the JUnit result's system-err when
 * the name says error, else to its system-out (named, unless the name says output), in export
 * order. Each row is applied once: by the chunk that commits it with its checkpoint.
 */
export const automationRunTestFieldsPhase: ImportPhase = {
  entity: 'automationRunTestFields',
  dataset: 'automation_run_test_fields',
  requires: ['automation_run_tests'],
  maxChunkRows: AUTOMATION_CHUNK_ROWS,
  importRows: async (ctx, rows) => {
    const dataset = 'automation_run_test_fields';
    checkReferences(dataset, rows, ['test_id', 'run_id']);
    await ctx.ids.load('automationTest', column(rows, 'test_id'));
    await ctx.ids.load('automationSuite', column(rows, 'run_id'));
    const resultIds = [...new Set(rows.flatMap(({ row }) => ctx.ids.int('automationTest', toInt(row.test_id)) ?? []))];
    const suiteOf = new Map(
      (
        await ctx.tx.$queryRawUnsafe<Array<{ id: number; testSuiteId: number }>>(
          `SELECT id, "testSuiteId" FROM "JUnitTestResult" WHERE id = ANY($1::int[])`,
          resultIds,
        )
      ).map((row) => [row.id, row.testSuiteId]),
    );
    const outcome = nothing();
    const texts = new Map<number, { out: string[]; err: string[] }>();
    for (const { rowIndex, row } of rows) {
      const resultId = ctx.ids.int('automationTest', toInt(row.test_id));
      const name = toText(row.name);
      let value = toText(row.value);
      if (resultId === undefined || !suiteOf.has(resultId) || name === undefined || value === undefined) {
        outcome.skipped += 1;
        continue;
      }
      const runSuite = ctx.ids.int('automationSuite', toInt(row.run_id));
      if (runSuite !== undefined && runSuite !== suiteOf.get(resultId)) {
        throw new ImportDataError(
          `${describeRow(dataset, rowIndex, row)}: automation test ${toInt(row.test_id)} is not a test of automation run ${toInt(row.run_id)}`,
        );
      }
      if (value.length > MAX_TEST_FIELD_CHARS)
        value = `${value.slice(0, MAX_TEST_FIELD_CHARS)}\n\n... (cut, ${value.length} characters in Testmo)`;
      const text = texts.get(resultId) ?? { out: [], err: [] };
      const lower = name.toLowerCase();
      if (lower.includes('error')) text.err.push(value);
      else text.out.push(lower.includes('output') ? value : `${name}: ${value}`);
      texts.set(resultId, text);
      outcome.created += 1;
    }
    if (texts.size > 0) {
      await ctx.tx.$executeRawUnsafe(
        `UPDATE "JUnitTestResult" r
            SET "systemOut" = CASE WHEN v.out IS NULL THEN r."systemOut"
                                   WHEN COALESCE(r."systemOut", '') = '' THEN v.out
                                   ELSE r."systemOut" || E'\\n\\n' || v.out END,
                "systemErr" = CASE WHEN v.err IS NULL THEN r."systemErr"
                                   WHEN COALESCE(r."systemErr", '') = '' THEN v.err
                                   ELSE r."systemErr" || E'\\n\\n' || v.err END
           FROM jsonb_to_recordset($1::jsonb) AS v(id int, out text, err text)
          WHERE r.id = v.id`,
        JSON.stringify(
          [...texts].map(([id, { out, err }]) => ({
            id,
            out: out.length > 0 ? out.join('\n\n') : null,
            err: err.length > 0 ? err.join('\n\n') : null,
          })),
        ),
      );
    }
    return outcome;
  },
};

export const automationRunTagsPhase: ImportPhase = {
  entity: 'automationRunTags',
  dataset: 'automation_run_tags',
  requires: ['automation_runs', 'tags'],
  maxChunkRows: AUTOMATION_CHUNK_ROWS,
  importRows: (ctx, rows) => {
    checkReferences('automation_run_tags', rows, ['run_id', 'tag_id']);
    return importLinks(ctx, rows, {
      table: '_TagsToTestRuns',
      a: { type: 'tag', column: 'tag_id' },
      b: { type: 'automationRun', column: 'run_id' },
    });
  },
};

/** In TestPlanIt's order, after the repository's cases and before the manual runs. */
export const automationPhases: ImportPhase[] = [
  automationCasesPhase,
  automationRunsPhase,
  automationRunTestsPhase,
  automationRunFieldsPhase,
  automationRunLinksPhase,
  automationRunTestFieldsPhase,
  automationRunTagsPhase,
];
