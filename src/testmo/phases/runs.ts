/** Exploratory sessions and test runs with their cases, results and tags. */
import type { Prisma } from '@prisma/client';
import { htmlToTipTap, toBool, toDate, toInt, toText } from '../values';
import { column, importCreated, importLinks, type ImportPhase, type PhaseContext, type StagedRow } from './context';
import { userOf } from './projects';

const json = (html: unknown) => (htmlToTipTap(toText(html)) as Prisma.InputJsonValue | undefined) ?? undefined;

/** Testmo elapsed times are seconds, as TestPlanIt's. */
const seconds = (value: unknown) => toInt(value) ?? null;

async function loadRunReferences(ctx: PhaseContext, rows: StagedRow[]): Promise<void> {
  await ctx.ids.load('project', column(rows, 'project_id'));
  await ctx.ids.load('milestone', column(rows, 'milestone_id'));
  await ctx.ids.load('configuration', column(rows, 'config_id'));
  await ctx.ids.load('user', [...column(rows, 'created_by'), ...column(rows, 'assignee_id')]);
}

export const sessionsPhase: ImportPhase = {
  entity: 'sessions',
  dataset: 'sessions',
  requires: ['projects'],
  importRows: async (ctx, rows) => {
    await loadRunReferences(ctx, rows);
    await ctx.ids.load('template', column(rows, 'template_id'));
    return importCreated<Prisma.SessionsCreateManyInput & { id: number }>(ctx, rows, {
      type: 'session',
      build: async (row, id) => {
        const projectId = ctx.ids.int('project', toInt(row.project_id));
        if (projectId === undefined) return undefined;
        const completed = toBool(row.is_closed) ?? false;
        return {
          id,
          projectId,
          templateId: ctx.ids.int('template', toInt(row.template_id)) ?? (await ctx.defaults.template()),
          name: toText(row.name) ?? `Session ${toInt(row.id)}`,
          note: json(row.note),
          mission: json(row.custom_mission),
          configId: ctx.ids.int('configuration', toInt(row.config_id)) ?? null,
          milestoneId: ctx.ids.int('milestone', toInt(row.milestone_id)) ?? null,
          // Testmo's states are case workflow states; sessions take TestPlanIt's session default.
          stateId: await ctx.defaults.workflowState('SESSIONS'),
          assignedToId: ctx.ids.get('user', toInt(row.assignee_id)) ?? null,
          estimate: seconds(row.estimate),
          elapsed: seconds(row.elapsed),
          isCompleted: completed,
          completedAt: completed ? (toDate(row.closed_at) ?? null) : null,
          createdAt: toDate(row.created_at) ?? new Date(),
          createdById: userOf(ctx, row.created_by),
        };
      },
    });
  },
};

export const sessionResultsPhase: ImportPhase = {
  entity: 'sessionResults',
  dataset: 'session_results',
  requires: ['sessions'],
  importRows: async (ctx, rows) => {
    await ctx.ids.load('session', column(rows, 'session_id'));
    await ctx.ids.load('status', column(rows, 'status_id'));
    await ctx.ids.load('user', column(rows, 'created_by'));
    return importCreated<Prisma.SessionResultsCreateManyInput & { id: number }>(ctx, rows, {
      type: 'sessionResult',
      build: async (row, id) => {
        const sessionId = ctx.ids.int('session', toInt(row.session_id));
        if (sessionId === undefined) return undefined;
        return {
          id,
          sessionId,
          statusId: ctx.ids.int('status', toInt(row.status_id)) ?? (await ctx.defaults.status()),
          resultData: json(row.comment),
          elapsed: seconds(row.elapsed),
          createdAt: toDate(row.created_at) ?? new Date(),
          createdById: userOf(ctx, row.created_by),
        };
      },
    });
  },
};

export const sessionTagsPhase: ImportPhase = {
  entity: 'sessionTags',
  dataset: 'session_tags',
  requires: ['sessions', 'tags'],
  importRows: (ctx, rows) =>
    importLinks(ctx, rows, {
      table: '_SessionsToTags',
      a: { type: 'session', column: 'session_id' },
      b: { type: 'tag', column: 'tag_id' },
    }),
};

export const runsPhase: ImportPhase = {
  entity: 'testRuns',
  dataset: 'runs',
  requires: ['projects'],
  importRows: async (ctx, rows) => {
    await loadRunReferences(ctx, rows);
    return importCreated<Prisma.TestRunsCreateManyInput & { id: number }>(ctx, rows, {
      type: 'run',
      build: async (row, id) => {
        const projectId = ctx.ids.int('project', toInt(row.project_id));
        if (projectId === undefined) return undefined;
        const completed = toBool(row.is_closed) ?? false;
        return {
          id,
          projectId,
          name: toText(row.name) ?? `Run ${toInt(row.id)}`,
          note: json(row.note),
          docs: json(row.docs),
          configId: ctx.ids.int('configuration', toInt(row.config_id)) ?? null,
          milestoneId: ctx.ids.int('milestone', toInt(row.milestone_id)) ?? null,
          stateId: await ctx.defaults.workflowState('RUNS'),
          elapsed: seconds(row.elapsed),
          isCompleted: completed,
          completedAt: completed ? (toDate(row.closed_at) ?? null) : null,
          createdAt: toDate(row.created_at) ?? new Date(),
          createdById: userOf(ctx, row.created_by),
        };
      },
    });
  },
};

/** A run's tests (`run_tests`): one TestRunCases row per run and case. */
export const runCasesPhase: ImportPhase = {
  entity: 'testRunCases',
  dataset: 'run_tests',
  requires: ['runs', 'repository_cases'],
  importRows: async (ctx, rows) => {
    await ctx.ids.load('run', column(rows, 'run_id'));
    await ctx.ids.load('case', column(rows, 'case_id'));
    await ctx.ids.load('status', column(rows, 'status_id'));
    await ctx.ids.load('user', column(rows, 'assignee_id'));
    const seen = new Set<string>();
    return importCreated<Prisma.TestRunCasesCreateManyInput & { id: number }>(ctx, rows, {
      type: 'runCase',
      build: (row, id) => {
        const testRunId = ctx.ids.int('run', toInt(row.run_id));
        const repositoryCaseId = ctx.ids.int('case', toInt(row.case_id));
        if (testRunId === undefined || repositoryCaseId === undefined || seen.has(`${testRunId}:${repositoryCaseId}`))
          return undefined;
        seen.add(`${testRunId}:${repositoryCaseId}`);
        return {
          id,
          testRunId,
          repositoryCaseId,
          order: toInt(row.display_order) ?? 0,
          statusId: ctx.ids.int('status', toInt(row.status_id)) ?? null,
          assignedToId: ctx.ids.get('user', toInt(row.assignee_id)) ?? null,
          isCompleted: toBool(row.is_completed) ?? ctx.ids.int('status', toInt(row.status_id)) !== undefined,
          elapsed: seconds(row.elapsed),
        };
      },
    });
  },
};

export const runResultsPhase: ImportPhase = {
  entity: 'testRunResults',
  dataset: 'run_results',
  requires: ['run_tests'],
  importRows: async (ctx, rows) => {
    await ctx.ids.load('run', column(rows, 'run_id'));
    await ctx.ids.load('runCase', column(rows, 'test_id'));
    await ctx.ids.load('status', column(rows, 'status_id'));
    await ctx.ids.load('user', column(rows, 'created_by'));
    return importCreated<Prisma.TestRunResultsCreateManyInput & { id: number }>(ctx, rows, {
      type: 'runResult',
      build: async (row, id) => {
        const testRunId = ctx.ids.int('run', toInt(row.run_id));
        const testRunCaseId = ctx.ids.int('runCase', toInt(row.test_id));
        if (testRunId === undefined || testRunCaseId === undefined) return undefined;
        return {
          id,
          testRunId,
          testRunCaseId,
          statusId: ctx.ids.int('status', toInt(row.status_id)) ?? (await ctx.defaults.status()),
          executedById: userOf(ctx, row.created_by),
          executedAt: toDate(row.created_at) ?? new Date(),
          elapsed: seconds(row.elapsed),
          notes: json(row.comment),
          isDeleted: toBool(row.is_deleted) ?? false,
        };
      },
    });
  },
};

export const runTagsPhase: ImportPhase = {
  entity: 'runTags',
  dataset: 'run_tags',
  requires: ['runs', 'tags'],
  importRows: (ctx, rows) =>
    importLinks(ctx, rows, {
      table: '_TagsToTestRuns',
      a: { type: 'tag', column: 'tag_id' },
      b: { type: 'run', column: 'run_id' },
    }),
};
