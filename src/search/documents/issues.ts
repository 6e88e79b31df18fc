/**
 * Issue documents. An issue belongs to a project directly or through whatever links it (cases,
 * sessions, runs, their results and step results); issues reachable from no live project are not
 * searchable. Each issue is indexed once per tenant, under its own project when it has one,
 * else the first linked project found in TestPlanIt's order. A chunk is one SQL statement
 * (jsonRows); the Prisma builder it replaced is test/support/prismaDocuments.ts.
 */
import { Prisma } from '@prisma/client';
import { joinText, plainText } from '../text';
import {
  afterCursor,
  direct,
  jsonDate,
  jsonRows,
  referencing,
  via,
  type DocumentScope,
  type DocumentSource,
} from './source';

/**
 * Issues reached from changed rows, every way `belongs` and `owningProject` reach a project:
 * `key` names the changed rows' id among p (project), c (case), s (session), r (run),
 * sr (session result), rr (run result), sx (step result).
 */
function issuesOf(key: string): string {
  const paths = [
    `SELECT i.id FROM "Issue" i JOIN "Projects" p ON p.id = i."projectId"`,
    `SELECT l."A" FROM "_IssueToRepositoryCases" l JOIN "RepositoryCases" c ON c.id = l."B" JOIN "Projects" p ON p.id = c."projectId"`,
    `SELECT l."A" FROM "_IssueToSessions" l JOIN "Sessions" s ON s.id = l."B" JOIN "Projects" p ON p.id = s."projectId"`,
    `SELECT l."A" FROM "_IssueToTestRuns" l JOIN "TestRuns" r ON r.id = l."B" JOIN "Projects" p ON p.id = r."projectId"`,
    `SELECT l."A" FROM "_IssueToSessionResults" l JOIN "SessionResults" sr ON sr.id = l."B"
       JOIN "Sessions" s ON s.id = sr."sessionId" JOIN "Projects" p ON p.id = s."projectId"`,
    `SELECT l."A" FROM "_IssueToTestRunResults" l JOIN "TestRunResults" rr ON rr.id = l."B"
       JOIN "TestRuns" r ON r.id = rr."testRunId" JOIN "Projects" p ON p.id = r."projectId"`,
    `SELECT l."A" FROM "_IssueToTestRunStepResults" l JOIN "TestRunStepResults" sx ON sx.id = l."B"
       JOIN "TestRunResults" rr ON rr.id = sx."testRunResultId" JOIN "TestRuns" r ON r.id = rr."testRunId"
       JOIN "Projects" p ON p.id = r."projectId"`,
  ];
  // Only the paths through the changed table: the alias must occur in the path.
  return paths
    .filter((path) => new RegExp(`\\b${key.split('.')[0]} ON\\b`).test(path))
    .map((path) => `${path} WHERE ${key} IN $ints`)
    .join(' UNION ');
}

function live(scope: DocumentScope): Prisma.ProjectsWhereInput {
  return scope.projectId ? { id: scope.projectId, isDeleted: false } : { isDeleted: false };
}

function belongs(scope: DocumentScope): Prisma.IssueWhereInput {
  const project = live(scope);
  const run: Prisma.TestRunsWhereInput = { isDeleted: false, project };
  const session: Prisma.SessionsWhereInput = { isDeleted: false, project };
  return {
    OR: [
      { project },
      { repositoryCases: { some: { project } } },
      { sessions: { some: session } },
      { testRuns: { some: run } },
      { sessionResults: { some: { session } } },
      { testRunResults: { some: { testRun: run } } },
      { testRunStepResults: { some: { testRunResult: { testRun: run } } } },
    ],
  };
}

/** An issue with its owning project (owningProject), creator and integration, as the statement in `build` returns it. */
interface IssueRow {
  id: number;
  projectId: number;
  projectName: string;
  projectIconUrl: string | null;
  name: string;
  title: string;
  description: string | null;
  externalId: string | null;
  note: Prisma.JsonValue;
  /** `data.url` when it is a string, else externalUrl; null when neither. */
  url: string | null;
  /** Null when the issue has no integration. */
  integrationName: string | null;
  isDeleted: boolean;
  createdAt: string;
  createdById: string;
  createdByName: string;
  createdByImage: string | null;
}

/**
 * The project an issue is indexed under, for `issues` of the statement in `build`: its own when
 * live, else the first of TestPlanIt's order (linked cases, sessions, runs, session results, run
 * results, step results), each by the lowest linked id whose project is live and, for sessions
 * and runs, which is not deleted itself. The same rules `belongs` states: an issue gets a project
 * exactly when it belongs. COALESCE stops at the first path that finds one.
 */
const owningProject = Prisma.sql`COALESCE(
  (SELECT p.id FROM "Projects" p WHERE p.id = i."projectId" AND NOT p."isDeleted"),
  (SELECT p.id FROM "_IssueToRepositoryCases" l JOIN "RepositoryCases" c ON c.id = l."B"
     JOIN "Projects" p ON p.id = c."projectId"
   WHERE l."A" = i.id AND NOT p."isDeleted" ORDER BY c.id LIMIT 1),
  (SELECT p.id FROM "_IssueToSessions" l JOIN "Sessions" s ON s.id = l."B" JOIN "Projects" p ON p.id = s."projectId"
   WHERE l."A" = i.id AND NOT s."isDeleted" AND NOT p."isDeleted" ORDER BY s.id LIMIT 1),
  (SELECT p.id FROM "_IssueToTestRuns" l JOIN "TestRuns" r ON r.id = l."B" JOIN "Projects" p ON p.id = r."projectId"
   WHERE l."A" = i.id AND NOT r."isDeleted" AND NOT p."isDeleted" ORDER BY r.id LIMIT 1),
  (SELECT p.id FROM "_IssueToSessionResults" l JOIN "SessionResults" sr ON sr.id = l."B"
     JOIN "Sessions" s ON s.id = sr."sessionId" JOIN "Projects" p ON p.id = s."projectId"
   WHERE l."A" = i.id AND NOT s."isDeleted" AND NOT p."isDeleted" ORDER BY sr.id LIMIT 1),
  (SELECT p.id FROM "_IssueToTestRunResults" l JOIN "TestRunResults" rr ON rr.id = l."B"
     JOIN "TestRuns" r ON r.id = rr."testRunId" JOIN "Projects" p ON p.id = r."projectId"
   WHERE l."A" = i.id AND NOT r."isDeleted" AND NOT p."isDeleted" ORDER BY rr.id LIMIT 1),
  (SELECT p.id FROM "_IssueToTestRunStepResults" l JOIN "TestRunStepResults" sx ON sx.id = l."B"
     JOIN "TestRunResults" rr ON rr.id = sx."testRunResultId" JOIN "TestRuns" r ON r.id = rr."testRunId"
     JOIN "Projects" p ON p.id = r."projectId"
   WHERE l."A" = i.id AND NOT r."isDeleted" AND NOT p."isDeleted" ORDER BY sx.id LIMIT 1))`;

export const issueSource: DocumentSource = {
  entity: 'issues',
  perProject: false,
  count: (db, scope) => db.issue.count({ where: belongs(scope) }),
  async pageIds(db, scope, afterId, limit) {
    const rows = await db.issue.findMany({
      where: { ...belongs(scope), ...afterCursor(afterId) },
      select: { id: true },
      orderBy: { id: 'asc' },
      take: limit,
    });
    return rows.map((row) => row.id);
  },
  async belonging(db, ids) {
    const rows = await db.issue.findMany({ where: { ...belongs({}), id: { in: ids } }, select: { id: true } });
    return rows.map((row) => row.id);
  },
  async build(db, ids) {
    // Issues no live project reaches have no owner and are left out by the inner join.
    const issues = await jsonRows<IssueRow>(
      db,
      Prisma.sql`
        WITH issues AS (
          SELECT i.*, ${owningProject} AS "ownerId" FROM "Issue" i WHERE i.id = ANY(${ids}::int[])
        )
        SELECT i.id, o.id AS "projectId", o.name AS "projectName", o."iconUrl" AS "projectIconUrl", i.name, i.title,
          i.description, i."externalId", i.note,
          CASE WHEN jsonb_typeof(i.data -> 'url') = 'string' THEN i.data ->> 'url' ELSE i."externalUrl" END AS url,
          g.name AS "integrationName", i."isDeleted", i."createdAt", i."createdById", u.name AS "createdByName",
          u.image AS "createdByImage"
        FROM issues i
        JOIN "Projects" o ON o.id = i."ownerId"
        JOIN "User" u ON u.id = i."createdById"
        LEFT JOIN "Integration" g ON g.id = i."integrationId"`,
    );
    return issues.map((issue) => {
      const note = plainText(issue.note);
      return {
        id: issue.id,
        projectId: issue.projectId,
        projectName: issue.projectName,
        projectIconUrl: issue.projectIconUrl,
        name: issue.name,
        title: issue.title,
        description: issue.description,
        externalId: issue.externalId,
        note,
        // Absent rather than null without a url, as the Prisma builder left it.
        url: issue.url ?? undefined,
        issueSystem: issue.integrationName ?? 'Unknown',
        isDeleted: issue.isDeleted,
        createdAt: jsonDate(issue.createdAt),
        createdById: issue.createdById,
        createdByName: issue.createdByName,
        createdByImage: issue.createdByImage,
        searchableContent: joinText(
          issue.name,
          issue.title,
          issue.description,
          issue.externalId,
          note,
          issue.integrationName,
        ),
      };
    });
  },
  changeSources: [
    direct('Issue', 'id'),
    direct('_IssueToRepositoryCases', 'A'),
    direct('_IssueToSessions', 'A'),
    direct('_IssueToTestRuns', 'A'),
    direct('_IssueToSessionResults', 'A'),
    direct('_IssueToTestRunResults', 'A'),
    direct('_IssueToTestRunStepResults', 'A'),
    via('User', 'id', referencing('Issue', 'createdById', '$texts')),
    via('Integration', 'id', referencing('Issue', 'integrationId')),
    // Whether an issue is searchable, and under which project, follows what links it: a linked
    // case, session or run (or a result of one) that moves, is deleted or whose project changes
    // changes the issue's document.
    via('Projects', 'id', issuesOf('p.id')),
    via('RepositoryCases', 'id', issuesOf('c.id')),
    via('Sessions', 'id', issuesOf('s.id')),
    via('TestRuns', 'id', issuesOf('r.id')),
    via('SessionResults', 'id', issuesOf('sr.id')),
    via('TestRunResults', 'id', issuesOf('rr.id')),
    via('TestRunStepResults', 'id', issuesOf('sx.id')),
  ],
};
