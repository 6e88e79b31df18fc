/** Issues of Testmo's issue targets, and their links to cases, runs, results and sessions. */
import { allocateIds, insertRows } from '../idMap';
import { toInt, toText } from '../values';
import { column, importConfigured, importLinks, type ImportPhase } from './context';

/** An issue is its display id within its integration: the same issue linked twice is one row. */
export const issuesPhase: ImportPhase = {
  entity: 'issues',
  dataset: 'issues',
  requires: ['issue_targets'],
  // Each chunk matches its issues against those earlier chunks created.
  readsBack: ['Issue'],
  importRows: async (ctx, rows) => {
    await ctx.ids.load('issueTarget', column(rows, 'target_id'));
    await ctx.ids.load('project', column(rows, 'project_id'));
    const keyOf = (row: Record<string, unknown>) => {
      const integrationId = ctx.ids.int('issueTarget', toInt(row.target_id));
      const displayId = toText(row.display_id);
      return integrationId === undefined || displayId === undefined ? undefined : `${integrationId}\u0000${displayId}`;
    };
    return importConfigured(ctx, rows, {
      type: 'issue',
      keyOf,
      existing: async (keys) => {
        const pairs = keys.map((key) => key.split('\u0000'));
        const found = await ctx.tx.issue.findMany({
          where: {
            OR: pairs.map(([integrationId, externalId]) => ({ integrationId: Number(integrationId), externalId })),
          },
          select: { id: true, integrationId: true, externalId: true },
        });
        return new Map(found.map((issue) => [`${issue.integrationId}\u0000${issue.externalId}`, issue.id]));
      },
      create: async (items) => {
        const ids = await allocateIds(ctx.sql, 'Issue', items.length);
        const data = items.map(({ row, key }, index) => {
          const [integrationId, displayId] = key.split('\u0000') as [string, string];
          return {
            id: ids[index]!,
            name: displayId,
            title: toText(row.title) ?? displayId,
            externalId: displayId,
            externalKey: displayId,
            integrationId: Number(integrationId),
            projectId: ctx.ids.int('project', toInt(row.project_id)) ?? null,
            createdById: ctx.importerId,
          };
        });
        await insertRows(ctx.sql, 'Issue', data);
        return ids;
      },
    });
  },
};

const issueLink = (
  entity: string,
  dataset: string,
  owner: {
    table: string;
    type: 'case' | 'run' | 'runResult' | 'session' | 'sessionResult';
    column: string;
    requires: string;
  },
): ImportPhase => ({
  entity,
  dataset,
  requires: ['issues', owner.requires],
  importRows: (ctx, rows) =>
    importLinks(ctx, rows, {
      table: owner.table,
      a: { type: 'issue', column: 'issue_id' },
      b: { type: owner.type, column: owner.column },
    }),
});

export const issueLinkPhases: ImportPhase[] = [
  issueLink('repositoryCaseIssues', 'repository_case_issues', {
    table: '_IssueToRepositoryCases',
    type: 'case',
    column: 'case_id',
    requires: 'repository_cases',
  }),
  issueLink('runIssues', 'run_issues', { table: '_IssueToTestRuns', type: 'run', column: 'run_id', requires: 'runs' }),
  issueLink('runResultIssues', 'run_result_issues', {
    table: '_IssueToTestRunResults',
    type: 'runResult',
    column: 'result_id',
    requires: 'run_results',
  }),
  issueLink('sessionIssues', 'session_issues', {
    table: '_IssueToSessions',
    type: 'session',
    column: 'session_id',
    requires: 'sessions',
  }),
  issueLink('sessionResultIssues', 'session_result_issues', {
    table: '_IssueToSessionResults',
    type: 'sessionResult',
    column: 'result_id',
    requires: 'session_results',
  }),
];
