/**
 * Which workflow does each job. A queue is consumed by the bridge only once every job name on
 * it has a route here; queues without routes stay untouched in Redis, so TestPlanIt's own worker
 * for them can keep running side by side during a migration.
 */
import type { z } from 'zod';
import {
  auditEventPayload,
  createNotificationPayload,
  createIssuePayload,
  issueSyncPayload,
  processUserNotificationsPayload,
  projectIssueSyncPayload,
  refreshIssuePayload,
  updateIssuePayload,
  reindexPayload,
  sendDigestEmailPayload,
  sendNotificationEmailPayload,
  tenantOnlyPayload,
  testmoImportPayload,
  updateSingleCaseForecastPayload,
} from './payloads';
import type { JobBatchInput, JobWorkflowInput } from './jobInput';
import type { QueueName } from './queues';
// Types only: the route table names workflows and is checked against their signatures, without
// loading workflow code into the bridge or the configuration.
import type * as workflows from '../workflows';

type Workflows = typeof workflows;
/** The name of a workflow the workers register (an export of src/workflows/index.ts). */
export type WorkflowName = keyof Workflows;
type FirstParameter<K extends WorkflowName> = Parameters<Workflows[K]>[0];

/**
 * Present (as `never`, which no value satisfies) when the payload schema's output does not fit
 * the workflow's input: a drifted payload or a renamed workflow fails to compile, as BullMQ ties
 * `Job<Data, Result, Name>` together.
 */
type Mismatch<In, K extends WorkflowName | undefined> = K extends WorkflowName
  ? [In] extends [FirstParameter<K>]
    ? unknown
    : { payloadDoesNotFitWorkflowInput: never }
  : unknown;

export interface JobRoute {
  queue: QueueName;
  /** An exact job name, or a matcher for families of names. */
  jobName: string | ((name: string) => boolean);
  workflowType: WorkflowName;
  payload: z.ZodType;
  /**
   * The workflow reports progress or log lines while it runs, so the bridge polls its status.
   * Short jobs do not: polling them would only load the server and the workers.
   */
  reportsStatus?: boolean;
  /**
   * Jobs of this route that wait for the same tenant's turn are run together by this workflow
   * (input JobBatchInput, result JobBatchResult). Only for families whose writes are idempotent
   * per job and that report no status.
   */
  batchWorkflowType?: WorkflowName;
  /**
   * Temporal's workflow task timeout for this route's workflows, when its tasks are known to be
   * short. A worker killed in the middle of a task leaves it to this timeout (Temporal's default:
   * 10 s) before another worker may take it, and every job of the tenant's batch waits meanwhile.
   */
  workflowTaskTimeoutMs?: number;
}

/** A route whose schema, workflow and batch workflow are checked against each other. */
function route<S extends z.ZodType, K extends WorkflowName, B extends WorkflowName | undefined = undefined>(
  spec: Omit<JobRoute, 'payload' | 'workflowType' | 'batchWorkflowType'> & {
    payload: S;
    workflowType: K;
    batchWorkflowType?: B;
  } & Mismatch<JobWorkflowInput<z.output<S>>, K> &
    Mismatch<JobBatchInput<z.output<S>>, B>,
): JobRoute {
  return spec;
}

export const JOB_ROUTES: readonly JobRoute[] = [
  route({
    queue: 'audit-logs',
    jobName: 'audit-event',
    workflowType: 'auditEventWorkflow',
    batchWorkflowType: 'auditEventBatchWorkflow',
    payload: auditEventPayload,
    // One task does it all: the insert is a local activity inside it, and the SDK reports a local
    // activity still running at a share of the timeout (80 % by default), so a slow insert does not trip it.
    workflowTaskTimeoutMs: 3_000,
  }),
  route({
    queue: 'notifications',
    jobName: 'create-notification',
    workflowType: 'createNotificationWorkflow',
    payload: createNotificationPayload,
  }),
  route({
    queue: 'notifications',
    jobName: 'process-user-notifications',
    workflowType: 'processUserNotificationsWorkflow',
    payload: processUserNotificationsPayload,
  }),
  route({
    queue: 'notifications',
    jobName: 'send-daily-digest',
    workflowType: 'sendDailyDigestWorkflow',
    payload: tenantOnlyPayload,
    reportsStatus: true,
  }),
  route({
    queue: 'emails',
    jobName: 'send-notification-email',
    workflowType: 'sendNotificationEmailWorkflow',
    payload: sendNotificationEmailPayload,
  }),
  route({
    queue: 'emails',
    jobName: 'send-digest-email',
    workflowType: 'sendDigestEmailWorkflow',
    payload: sendDigestEmailPayload,
  }),
  route({
    queue: 'forecast-updates',
    jobName: 'update-single-case-forecast',
    workflowType: 'updateSingleCaseForecastWorkflow',
    payload: updateSingleCaseForecastPayload,
  }),
  route({
    queue: 'forecast-updates',
    jobName: 'update-all-cases-forecast',
    workflowType: 'updateAllCasesForecastWorkflow',
    payload: tenantOnlyPayload,
    reportsStatus: true,
  }),
  route({
    queue: 'forecast-updates',
    jobName: 'auto-complete-milestones',
    workflowType: 'autoCompleteMilestonesWorkflow',
    payload: tenantOnlyPayload,
  }),
  route({
    queue: 'forecast-updates',
    jobName: 'milestone-due-notifications',
    workflowType: 'milestoneDueNotificationsWorkflow',
    payload: tenantOnlyPayload,
  }),
  route({
    queue: 'issue-sync',
    jobName: 'sync-issues',
    workflowType: 'issueSyncWorkflow',
    payload: issueSyncPayload,
    reportsStatus: true,
  }),
  route({
    queue: 'issue-sync',
    jobName: 'sync-project-issues',
    workflowType: 'issueSyncWorkflow',
    payload: projectIssueSyncPayload,
    reportsStatus: true,
  }),
  route({
    queue: 'issue-sync',
    jobName: 'refresh-issue',
    workflowType: 'refreshIssueWorkflow',
    payload: refreshIssuePayload,
  }),
  route({
    queue: 'issue-sync',
    jobName: 'create-issue',
    workflowType: 'writeIssueWorkflow',
    payload: createIssuePayload,
  }),
  route({
    queue: 'issue-sync',
    jobName: 'update-issue',
    workflowType: 'writeIssueWorkflow',
    payload: updateIssuePayload,
  }),
  route({
    queue: 'testmo-imports',
    jobName: 'process-testmo-import',
    workflowType: 'testmoImportWorkflow',
    payload: testmoImportPayload,
    reportsStatus: true,
  }),
  route({
    // TestPlanIt's reindex worker ignores the job name: `reindex` from the admin page,
    // `reindex-after-import-<importId>` from the Testmo importer, and any other are one job.
    queue: 'elasticsearch-reindex',
    jobName: () => true,
    workflowType: 'reindexWorkflow',
    payload: reindexPayload,
    reportsStatus: true,
  }),
];

export function findRoute(queue: string, jobName: string): JobRoute | undefined {
  return JOB_ROUTES.find(
    (route) =>
      route.queue === queue && (typeof route.jobName === 'string' ? route.jobName === jobName : route.jobName(jobName)),
  );
}

export function routedQueues(): QueueName[] {
  return [...new Set(JOB_ROUTES.map((route) => route.queue))];
}
