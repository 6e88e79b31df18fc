/**
 * Issue documents. An issue belongs to a project directly or through whatever links it (cases,
 * sessions, runs, their results and step results); issues reachable from no live project are not
 * searchable. Each issue is indexed once per tenant, under its own project when it has one,
 * else the first linked project found in TestPlanIt's order.
 */
import type { Prisma } from '@prisma/client';
import { joinText, plainText } from '../text';
import { afterCursor, direct, referencing, via, type DocumentScope, type DocumentSource } from './source';

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

const projectFields = { id: true, name: true, iconUrl: true } as const;

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

const liveRun = { isDeleted: false, project: { isDeleted: false } } as const;
const include = {
  createdBy: { select: { name: true, image: true } },
  integration: { select: { name: true } },
  project: { select: { ...projectFields, isDeleted: true } },
  repositoryCases: {
    where: { project: { isDeleted: false } },
    take: 1,
    orderBy: { id: 'asc' },
    select: { project: { select: projectFields } },
  },
  sessions: { where: liveRun, take: 1, orderBy: { id: 'asc' }, select: { project: { select: projectFields } } },
  testRuns: { where: liveRun, take: 1, orderBy: { id: 'asc' }, select: { project: { select: projectFields } } },
  sessionResults: {
    where: { session: liveRun },
    take: 1,
    orderBy: { id: 'asc' },
    select: { session: { select: { project: { select: projectFields } } } },
  },
  testRunResults: {
    where: { testRun: liveRun },
    take: 1,
    orderBy: { id: 'asc' },
    select: { testRun: { select: { project: { select: projectFields } } } },
  },
  testRunStepResults: {
    where: { testRunResult: { testRun: liveRun } },
    take: 1,
    orderBy: { id: 'asc' },
    select: { testRunResult: { select: { testRun: { select: { project: { select: projectFields } } } } } },
  },
} satisfies Prisma.IssueInclude;

type IssueRow = Prisma.IssueGetPayload<{ include: typeof include }>;

function owningProject(issue: IssueRow): { id: number; name: string; iconUrl: string | null } | undefined {
  if (issue.project && !issue.project.isDeleted) return issue.project;
  return (
    issue.repositoryCases[0]?.project ??
    issue.sessions[0]?.project ??
    issue.testRuns[0]?.project ??
    issue.sessionResults[0]?.session.project ??
    issue.testRunResults[0]?.testRun.project ??
    issue.testRunStepResults[0]?.testRunResult.testRun.project
  );
}

function issueUrl(issue: IssueRow): string | undefined {
  const data = issue.data as { url?: unknown } | null;
  if (data && typeof data.url === 'string') return data.url;
  return issue.externalUrl ?? undefined;
}

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
    const issues = await db.issue.findMany({ where: { id: { in: ids } }, include, orderBy: { id: 'asc' } });
    return issues.flatMap((issue) => {
      const project = owningProject(issue);
      if (!project) return [];
      const note = plainText(issue.note);
      return [
        {
          id: issue.id,
          projectId: project.id,
          projectName: project.name,
          projectIconUrl: project.iconUrl,
          name: issue.name,
          title: issue.title,
          description: issue.description,
          externalId: issue.externalId,
          note,
          url: issueUrl(issue),
          issueSystem: issue.integration?.name ?? 'Unknown',
          isDeleted: issue.isDeleted,
          createdAt: issue.createdAt,
          createdById: issue.createdById,
          createdByName: issue.createdBy.name,
          createdByImage: issue.createdBy.image,
          searchableContent: joinText(
            issue.name,
            issue.title,
            issue.description,
            issue.externalId,
            note,
            issue.integration?.name,
          ),
        },
      ];
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
