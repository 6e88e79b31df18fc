/**
 * `issue-sync` jobs: `sync-issues` (refresh every local issue of an integration), `sync-project-issues`
 * (import a tracker project's issues into a TestPlanIt project), `refresh-issue`, `create-issue`
 * and `update-issue` (which TestPlanIt leaves unimplemented). Synced issues are written to the
 * tenant's own `issues` search index as each batch lands.
 */
import { continueAsNew, patched, proxyActivities } from '@temporalio/workflow';
import type { IssueSyncActivities, SyncTarget } from '../activities/issueSync';
import type { SearchActivities } from '../activities/search';
import type { JobStatus, JobWorkflowInput } from '../jobs/jobInput';
import { issueOperationFor, type IssueOperation } from '../jobs/issueOperation';
import type { IssueSyncPayload, RefreshIssuePayload, WriteIssuePayload } from '../jobs/payloads';
import { failure } from '../failures/types';
import { JobReporter, type JobCompletion } from './jobStatus';
import { runIsLong } from './pacing';

// A batch heartbeats after every issue: a killed worker's batch is retried within the heartbeat
// timeout and goes on from its last issue. Rate-limited attempts carry their own retry delay.
const trackers = proxyActivities<IssueSyncActivities>({
  startToCloseTimeout: '10 minutes',
  heartbeatTimeout: '30 seconds',
  retry: { initialInterval: '2 seconds', backoffCoefficient: 2, maximumInterval: '2 minutes', maximumAttempts: 12 },
});
const search = proxyActivities<SearchActivities>({
  startToCloseTimeout: '2 minutes',
  retry: { initialInterval: '2 seconds', backoffCoefficient: 2, maximumInterval: '1 minute', maximumAttempts: 10 },
});

/** TestPlanIt pages local issues in batches of 50. */
const BATCH = 50;
const PAGE = 100;
/**
 * A run continues as new after this many batches (or pages), or earlier once its history is long
 * (runIsLong). Histories from before the second condition continue after 200 batches only.
 */
const BATCHES_PER_RUN = 200;
const SYNC_HISTORY_PATCH = 'issue-sync-history-bound';

/** TestPlanIt's sync result. */
export interface SyncResult {
  synced: number;
  errors: string[];
}

export interface SyncProgress {
  cursor: number | string | null;
  synced: number;
  errors: string[];
  total: number;
  status: Pick<JobStatus, 'progress' | 'logOffset'>;
}

type IssuePayload = IssueSyncPayload | RefreshIssuePayload | WriteIssuePayload;

/**
 * The job's operation. Workflows started before the bridge sent `operation` (runs in flight at a
 * deploy, recorded histories) have only the job name and TestPlanIt's fields: the same decision,
 * made from them as it was then.
 */
function operationOf(input: JobWorkflowInput<IssuePayload>): IssueOperation {
  const sent: IssueOperation | undefined = input.payload.operation;
  return sent ?? issueOperationFor(input.origin.jobName, input.payload);
}

function targetOf(input: JobWorkflowInput<IssuePayload>, operation: IssueOperation): SyncTarget {
  const projectId = operation.kind === 'importProject' ? operation.projectId : Number(input.payload.projectId ?? NaN);
  return {
    origin: input.origin,
    integrationId: input.payload.integrationId,
    userId: input.payload.userId,
    projectId: Number.isInteger(projectId) ? projectId : undefined,
  };
}

async function reindexIssues(target: SyncTarget, issueIds: number[]): Promise<void> {
  if (issueIds.length > 0) await search.indexDocumentsById({ origin: target.origin, entity: 'issues', ids: issueIds });
}

const MAX_ERRORS_KEPT = 200;

/** `sync-issues` and `sync-project-issues`. */
export async function issueSyncWorkflow(
  input: JobWorkflowInput<IssueSyncPayload>,
  carried?: SyncProgress,
): Promise<JobCompletion<SyncResult>> {
  const reporter = new JobReporter(carried?.status);
  const operation = operationOf(input);
  const target = targetOf(input, operation);
  const importing = operation.kind === 'importProject';
  const state: Omit<SyncProgress, 'status'> = carried ?? {
    cursor: importing ? null : 0,
    synced: 0,
    errors: [],
    total: 0,
  };
  if (!carried) {
    const plan = await trackers.planIssueSync(target);
    state.total = plan.total;
    reporter.log(
      importing
        ? `Importing issues of project ${target.projectId} from ${plan.integration}`
        : `Syncing ${plan.total} issues from ${plan.integration}`,
    );
  }

  for (let batch = 0; ; batch += 1) {
    if (batch === BATCHES_PER_RUN || (batch > 0 && runIsLong(input.pacing) && patched(SYNC_HISTORY_PATCH))) {
      await continueAsNew<typeof issueSyncWorkflow>(input, { ...state, status: reporter.carryOver() });
    }
    if (importing) {
      const page = await trackers.importIssuePage({ ...target, cursor: state.cursor as string | null, pageSize: PAGE });
      state.synced += page.synced;
      await reindexIssues(target, page.issueIds);
      reporter.setProgress({
        current: state.synced,
        total: state.synced,
        percentage: page.next ? 50 : 100,
        message: `Imported ${state.synced} issues`,
      });
      if (!page.next) break;
      state.cursor = page.next;
    } else {
      const result = await trackers.syncIssueBatch({ ...target, afterId: state.cursor as number, limit: BATCH });
      if (result.lastId === null) break;
      state.cursor = result.lastId;
      state.synced += result.synced;
      state.errors = [...state.errors, ...result.errors].slice(-MAX_ERRORS_KEPT);
      for (const error of result.errors) reporter.log(`Error: ${error}`);
      await reindexIssues(target, result.issueIds);
      const done = state.synced + state.errors.length;
      reporter.setProgress({
        current: done,
        total: state.total,
        percentage: state.total ? Math.min(100, Math.round((done / state.total) * 100)) : 100,
        message: `Syncing issue ${done} of ${state.total}`,
      });
    }
  }
  reporter.log(`Synced ${state.synced} issues${state.errors.length ? `, ${state.errors.length} errors` : ''}`);
  return reporter.complete({ synced: state.synced, errors: state.errors });
}

/** `refresh-issue`: TestPlanIt fails the job when the refresh fails. */
export async function refreshIssueWorkflow(
  input: JobWorkflowInput<RefreshIssuePayload>,
): Promise<JobCompletion<SyncResult>> {
  const reporter = new JobReporter();
  const operation = operationOf(input);
  const target = targetOf(input, operation);
  const externalId = operation.kind === 'refresh' ? operation.externalId : '';
  const { issueId } = await trackers.refreshIssue({ ...target, externalId });
  await reindexIssues(target, [issueId]);
  return reporter.complete({ synced: 1, errors: [] });
}

/** `create-issue` and `update-issue`: really change the tracker's issue, then the local row. */
export async function writeIssueWorkflow(
  input: JobWorkflowInput<WriteIssuePayload>,
): Promise<JobCompletion<{ success: true; issueId: number; externalId?: string }>> {
  const reporter = new JobReporter();
  const operation = operationOf(input);
  const target = targetOf(input, operation);
  if (operation.kind === 'create') {
    const created = await trackers.createTrackerIssue({
      ...target,
      title: operation.title,
      description: operation.description,
      issueType: operation.issueType,
      project: operation.project,
    });
    await reindexIssues(target, [created.issueId]);
    return reporter.complete({ success: true, ...created });
  }
  if (operation.kind !== 'update') {
    throw failure('InvalidWorkflowInput', `writeIssueWorkflow cannot run a ${operation.kind} operation`);
  }
  const updated = await trackers.updateTrackerIssue({
    ...target,
    externalId: operation.externalId,
    title: operation.title,
    description: operation.description,
    status: operation.status,
  });
  await reindexIssues(target, [updated.issueId]);
  return reporter.complete({ success: true, issueId: updated.issueId, externalId: operation.externalId });
}
