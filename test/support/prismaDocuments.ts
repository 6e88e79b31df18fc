/**
 * The project, shared step, test run, session, issue and milestone documents as the Prisma
 * builders made them before each was built by one SQL statement (src/search/documents/): nested
 * includes, several queries a chunk. Kept verbatim as the reference the SQL-built documents are
 * compared with (test/searchDocumentsSql.test.ts), so the faster builds cannot drift from what
 * TestPlanIt's search reads. The repository cases' builder is test/support/prismaCaseDocuments.ts.
 */
import type { Prisma } from '@prisma/client';
import type { SearchEntity } from '../../src/search/entities';
import type { SearchDocument } from '../../src/search/documents';
import { joinText, plainText } from '../../src/search/text';
import type { DatabaseClient } from '../../src/tenancy/prismaPool';
import { prismaCaseDocuments } from './prismaCaseDocuments';

type Builder = (db: DatabaseClient, ids: number[]) => Promise<SearchDocument[]>;

const liveProject = { project: { isDeleted: false } } as const;

async function projectDocuments(db: DatabaseClient, ids: number[]): Promise<SearchDocument[]> {
  const projects = await db.projects.findMany({
    where: { id: { in: ids } },
    include: { creator: { select: { name: true, image: true } } },
    orderBy: { id: 'asc' },
  });
  return projects.map((project) => ({
    id: project.id,
    name: project.name,
    iconUrl: project.iconUrl,
    note: project.note,
    docs: project.docs,
    isDeleted: project.isDeleted,
    createdAt: project.createdAt,
    createdById: project.createdBy,
    createdByName: project.creator.name,
    createdByImage: project.creator.image,
    searchableContent: joinText(project.name, plainText(project.note), plainText(project.docs)),
  }));
}

const sharedStepInclude = {
  project: { select: { name: true, iconUrl: true } },
  createdBy: { select: { name: true, image: true } },
  items: { orderBy: [{ order: 'asc' }, { id: 'asc' }] },
} satisfies Prisma.SharedStepGroupInclude;

function richTextSource(value: Prisma.JsonValue): string {
  return typeof value === 'string' ? value : JSON.stringify(value);
}

async function sharedStepDocuments(db: DatabaseClient, ids: number[]): Promise<SearchDocument[]> {
  const groups = await db.sharedStepGroup.findMany({
    where: { ...liveProject, id: { in: ids } },
    include: sharedStepInclude,
    orderBy: { id: 'asc' },
  });
  return groups.map((group) => ({
    id: group.id,
    name: group.name,
    projectId: group.projectId,
    projectName: group.project.name,
    projectIconUrl: group.project.iconUrl,
    createdAt: group.createdAt,
    createdById: group.createdById,
    createdByName: group.createdBy.name,
    createdByImage: group.createdBy.image,
    isDeleted: group.isDeleted,
    items: group.items.map((item) => ({
      id: item.id,
      order: item.order,
      step: richTextSource(item.step),
      expectedResult: richTextSource(item.expectedResult),
    })),
    searchableContent: joinText(
      group.name,
      ...group.items.map((item) => `${plainText(item.step)} ${plainText(item.expectedResult)}`),
    ),
  }));
}

const testRunInclude = {
  project: { select: { name: true, iconUrl: true } },
  createdBy: { select: { name: true, image: true } },
  state: { select: { name: true, icon: { select: { name: true } }, color: { select: { value: true } } } },
  configuration: { select: { name: true } },
  milestone: { select: { name: true } },
  tags: { select: { id: true, name: true }, orderBy: { id: 'asc' } },
} satisfies Prisma.TestRunsInclude;

async function testRunDocuments(db: DatabaseClient, ids: number[]): Promise<SearchDocument[]> {
  const runs = await db.testRuns.findMany({
    where: { ...liveProject, id: { in: ids } },
    include: testRunInclude,
    orderBy: { id: 'asc' },
  });
  return runs.map((run) => {
    const note = plainText(run.note);
    const docs = plainText(run.docs);
    const tags = run.tags.map((tag) => ({ id: tag.id, name: tag.name }));
    return {
      id: run.id,
      projectId: run.projectId,
      projectName: run.project.name,
      projectIconUrl: run.project.iconUrl,
      name: run.name,
      note,
      docs,
      configId: run.configId,
      configurationName: run.configuration?.name,
      milestoneId: run.milestoneId,
      milestoneName: run.milestone?.name,
      stateId: run.stateId,
      stateName: run.state.name,
      stateIcon: run.state.icon.name,
      stateColor: run.state.color.value,
      forecastManual: run.forecastManual,
      forecastAutomated: run.forecastAutomated,
      elapsed: run.elapsed,
      isCompleted: run.isCompleted,
      isDeleted: run.isDeleted,
      completedAt: run.completedAt,
      testRunType: run.testRunType,
      createdAt: run.createdAt,
      createdById: run.createdById,
      createdByName: run.createdBy.name,
      createdByImage: run.createdBy.image,
      tags,
      searchableContent: joinText(run.name, note, docs, tags.map((tag) => tag.name).join(' ')),
    };
  });
}

const sessionInclude = {
  project: { select: { name: true, iconUrl: true } },
  createdBy: { select: { name: true, image: true } },
  assignedTo: { select: { name: true, image: true } },
  state: { select: { name: true, icon: { select: { name: true } }, color: { select: { value: true } } } },
  template: { select: { templateName: true } },
  configuration: { select: { name: true } },
  milestone: { select: { name: true } },
  tags: { select: { id: true, name: true }, orderBy: { id: 'asc' } },
} satisfies Prisma.SessionsInclude;

async function sessionDocuments(db: DatabaseClient, ids: number[]): Promise<SearchDocument[]> {
  const sessions = await db.sessions.findMany({
    where: { ...liveProject, id: { in: ids } },
    include: sessionInclude,
    orderBy: { id: 'asc' },
  });
  return sessions.map((session) => {
    const note = plainText(session.note);
    const mission = plainText(session.mission);
    const tags = session.tags.map((tag) => ({ id: tag.id, name: tag.name }));
    return {
      id: session.id,
      projectId: session.projectId,
      projectName: session.project.name,
      projectIconUrl: session.project.iconUrl,
      templateId: session.templateId,
      templateName: session.template.templateName,
      name: session.name,
      note,
      mission,
      configId: session.configId,
      configurationName: session.configuration?.name,
      milestoneId: session.milestoneId,
      milestoneName: session.milestone?.name,
      stateId: session.stateId,
      stateName: session.state.name,
      stateIcon: session.state.icon.name,
      stateColor: session.state.color.value,
      assignedToId: session.assignedToId,
      assignedToName: session.assignedTo?.name,
      assignedToImage: session.assignedTo?.image,
      estimate: session.estimate,
      forecastManual: session.forecastManual,
      forecastAutomated: session.forecastAutomated,
      elapsed: session.elapsed,
      isCompleted: session.isCompleted,
      isDeleted: session.isDeleted,
      completedAt: session.completedAt,
      createdAt: session.createdAt,
      createdById: session.createdById,
      createdByName: session.createdBy.name,
      createdByImage: session.createdBy.image,
      tags,
      searchableContent: joinText(session.name, note, mission, tags.map((tag) => tag.name).join(' ')),
    };
  });
}

const projectFields = { id: true, name: true, iconUrl: true } as const;
const liveRun = { isDeleted: false, project: { isDeleted: false } } as const;
const issueInclude = {
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

type IssueRow = Prisma.IssueGetPayload<{ include: typeof issueInclude }>;

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

async function issueDocuments(db: DatabaseClient, ids: number[]): Promise<SearchDocument[]> {
  const issues = await db.issue.findMany({ where: { id: { in: ids } }, include: issueInclude, orderBy: { id: 'asc' } });
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
}

const milestoneInclude = {
  project: { select: { name: true, iconUrl: true } },
  creator: { select: { name: true, image: true } },
  milestoneType: { select: { name: true, icon: { select: { name: true } } } },
  parent: { select: { name: true } },
} satisfies Prisma.MilestonesInclude;

async function milestoneDocuments(db: DatabaseClient, ids: number[]): Promise<SearchDocument[]> {
  const milestones = await db.milestones.findMany({
    where: { ...liveProject, id: { in: ids } },
    include: milestoneInclude,
    orderBy: { id: 'asc' },
  });
  return milestones.map((milestone) => {
    const note = plainText(milestone.note);
    const docs = plainText(milestone.docs);
    return {
      id: milestone.id,
      projectId: milestone.projectId,
      projectName: milestone.project.name,
      projectIconUrl: milestone.project.iconUrl,
      name: milestone.name,
      note,
      docs,
      milestoneTypeId: milestone.milestoneTypesId,
      milestoneTypeName: milestone.milestoneType.name,
      milestoneTypeIcon: milestone.milestoneType.icon?.name,
      parentId: milestone.parentId,
      parentName: milestone.parent?.name,
      dueDate: milestone.completedAt,
      isCompleted: milestone.isCompleted,
      completedAt: milestone.completedAt,
      isDeleted: milestone.isDeleted,
      createdAt: milestone.createdAt,
      createdById: milestone.createdBy,
      createdByName: milestone.creator.name,
      createdByImage: milestone.creator.image,
      searchableContent: joinText(milestone.name, note, docs),
    };
  });
}

/** Documents for those of `ids` that belong in the index, in id order, as the Prisma builders made them. */
export const prismaDocuments: Record<SearchEntity, Builder> = {
  projects: projectDocuments,
  repositoryCases: prismaCaseDocuments,
  sharedSteps: sharedStepDocuments,
  testRuns: testRunDocuments,
  sessions: sessionDocuments,
  issues: issueDocuments,
  milestones: milestoneDocuments,
};
