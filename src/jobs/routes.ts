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
  singleIssuePayload,
  reindexPayload,
  sendDigestEmailPayload,
  sendNotificationEmailPayload,
  tenantOnlyPayload,
  testmoImportPayload,
  updateSingleCaseForecastPayload,
} from './payloads';
import type { QueueName } from './queues';

export interface JobRoute {
  queue: QueueName;
  /** An exact job name, or a matcher for families of names. */
  jobName: string | ((name: string) => boolean);
  workflowType: string;
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
  batchWorkflowType?: string;
}

export const JOB_ROUTES: readonly JobRoute[] = [
  {
    queue: 'audit-logs',
    jobName: 'audit-event',
    workflowType: 'auditEventWorkflow',
    batchWorkflowType: 'auditEventBatchWorkflow',
    payload: auditEventPayload,
  },
  { queue: 'notifications', jobName: 'create-notification', workflowType: 'createNotificationWorkflow', payload: createNotificationPayload },
  {
    queue: 'notifications',
    jobName: 'process-user-notifications',
    workflowType: 'processUserNotificationsWorkflow',
    payload: processUserNotificationsPayload,
  },
  {
    queue: 'notifications',
    jobName: 'send-daily-digest',
    workflowType: 'sendDailyDigestWorkflow',
    payload: tenantOnlyPayload,
    reportsStatus: true,
  },
  { queue: 'emails', jobName: 'send-notification-email', workflowType: 'sendNotificationEmailWorkflow', payload: sendNotificationEmailPayload },
  { queue: 'emails', jobName: 'send-digest-email', workflowType: 'sendDigestEmailWorkflow', payload: sendDigestEmailPayload },
  {
    queue: 'forecast-updates',
    jobName: 'update-single-case-forecast',
    workflowType: 'updateSingleCaseForecastWorkflow',
    payload: updateSingleCaseForecastPayload,
  },
  {
    queue: 'forecast-updates',
    jobName: 'update-all-cases-forecast',
    workflowType: 'updateAllCasesForecastWorkflow',
    payload: tenantOnlyPayload,
    reportsStatus: true,
  },
  { queue: 'forecast-updates', jobName: 'auto-complete-milestones', workflowType: 'autoCompleteMilestonesWorkflow', payload: tenantOnlyPayload },
  {
    queue: 'forecast-updates',
    jobName: 'milestone-due-notifications',
    workflowType: 'milestoneDueNotificationsWorkflow',
    payload: tenantOnlyPayload,
  },
  { queue: 'issue-sync', jobName: 'sync-issues', workflowType: 'issueSyncWorkflow', payload: issueSyncPayload, reportsStatus: true },
  { queue: 'issue-sync', jobName: 'sync-project-issues', workflowType: 'issueSyncWorkflow', payload: projectIssueSyncPayload, reportsStatus: true },
  { queue: 'issue-sync', jobName: 'refresh-issue', workflowType: 'refreshIssueWorkflow', payload: singleIssuePayload },
  { queue: 'issue-sync', jobName: 'create-issue', workflowType: 'writeIssueWorkflow', payload: createIssuePayload },
  { queue: 'issue-sync', jobName: 'update-issue', workflowType: 'writeIssueWorkflow', payload: singleIssuePayload },
  {
    queue: 'testmo-imports',
    jobName: 'process-testmo-import',
    workflowType: 'testmoImportWorkflow',
    payload: testmoImportPayload,
    reportsStatus: true,
  },
  {
    // TestPlanIt's reindex worker ignores the job name: `reindex` from the admin page,
    // `reindex-after-import-<importId>` from the Testmo importer, and any other are one job.
    queue: 'elasticsearch-reindex',
    jobName: () => true,
    workflowType: 'reindexWorkflow',
    payload: reindexPayload,
    reportsStatus: true,
  },
];

export function findRoute(queue: string, jobName: string): JobRoute | undefined {
  return JOB_ROUTES.find(
    (route) =>
      route.queue === queue &&
      (typeof route.jobName === 'string' ? route.jobName === jobName : route.jobName(jobName)),
  );
}

export function routedQueues(): QueueName[] {
  return [...new Set(JOB_ROUTES.map((route) => route.queue))];
}
