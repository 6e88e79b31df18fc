/**
 * Issue documents. An issue belongs to a project directly or through whatever links it (cases,
 * sessions, runs, their results and step results); issues reachable from no live project are not
 * searchable. Each issue is indexed once per tenant, under its own project when it has one,
 * else the first linked project found in TestPlanIt's order.
 */
import type { Prisma } from '@prisma/client';
import { joinText, plainText } from '../text';
import { afterCursor, type DocumentScope, type DocumentSource } from './source';

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
    ['Issue', 'id'],
    ['_IssueToRepositoryCases', 'A'],
    ['_IssueToSessions', 'A'],
    ['_IssueToTestRuns', 'A'],
    ['_IssueToSessionResults', 'A'],
    ['_IssueToTestRunResults', 'A'],
    ['_IssueToTestRunStepResults', 'A'],
  ],
};
