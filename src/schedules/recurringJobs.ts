/**
 * The recurring jobs TestPlanIt's scheduler creates per tenant as BullMQ repeatables
 * (scheduler.ts, contract section 6), now Temporal Schedules.
 */
import type { QueueName } from '../jobs/queues';
import type { WorkflowName } from '../jobs/routes';

export interface RecurringJob {
  jobName: string;
  queue: QueueName;
  cron: string;
  workflowType: WorkflowName;
}

export const RECURRING_JOBS: readonly RecurringJob[] = [
  {
    jobName: 'update-all-cases-forecast',
    queue: 'forecast-updates',
    cron: '0 3 * * *',
    workflowType: 'updateAllCasesForecastWorkflow',
  },
  {
    jobName: 'auto-complete-milestones',
    queue: 'forecast-updates',
    cron: '0 6 * * *',
    workflowType: 'autoCompleteMilestonesWorkflow',
  },
  {
    jobName: 'milestone-due-notifications',
    queue: 'forecast-updates',
    cron: '0 6 * * *',
    workflowType: 'milestoneDueNotificationsWorkflow',
  },
  { jobName: 'send-daily-digest', queue: 'notifications', cron: '0 8 * * *', workflowType: 'sendDailyDigestWorkflow' },
];
