import { continueAsNew, patched, proxyActivities, workflowInfo } from '@temporalio/workflow';
import type { DueMilestone, ForecastActivities } from '../activities/forecasts';
import type { NotificationActivities } from '../activities/notifications';
import { milestoneReminderKey } from '../jobs/ids';
import type { JobStatus, JobWorkflowInput } from '../jobs/jobInput';
import type { TenantOnlyPayload, UpdateSingleCaseForecastPayload } from '../jobs/payloads';
import { JobReporter, type JobCompletion } from './jobStatus';
import { emailActivities, failureMessage } from './notifications';
import { withRunKey } from './origin';
import { runIsLong } from './pacing';

// TestPlanIt's forecast queue: 3 attempts, exponential backoff from 5 s.
const forecasts = proxyActivities<ForecastActivities & NotificationActivities>({
  startToCloseTimeout: '5 minutes',
  retry: { initialInterval: '5 seconds', backoffCoefficient: 2, maximumAttempts: 3 },
});

// A chunk is one SQL statement over a few thousand rows: a short timeout means a chunk lost with
// a killed worker is retried elsewhere within seconds, not minutes.
const chunks = proxyActivities<ForecastActivities>({
  startToCloseTimeout: '30 seconds',
  retry: { initialInterval: '5 seconds', backoffCoefficient: 2, maximumAttempts: 5 },
});

/** TestPlanIt's forecast worker result shape. */
export interface ForecastResult {
  status: 'completed';
  successCount: number;
  failCount: number;
}

const CASES_PER_CHUNK = 2_000;
const RUNS_PER_CHUNK = 500;
/**
 * Chunks per run before continue-as-new: keeps each run's history about a thousand events long;
 * or earlier once the history is long all the same (runIsLong). Histories from before the second
 * condition continue after 150 chunks only.
 */
const CHUNKS_PER_RUN = 150;
const FORECAST_HISTORY_PATCH = 'forecast-history-bound';

export interface AllCasesProgress {
  phase: 'cases' | 'runs';
  cursor: number;
  totalCases: number;
  casesUpdated: number;
  runsUpdated: number;
  status: Pick<JobStatus, 'progress' | 'logOffset'>;
}

/**
 * `update-all-cases-forecast`: every active case in keyset chunks (one activity and one SQL
 * statement each), then every open test run. The cursor lives in workflow state, so a worker
 * killed mid-way resumes at the chunk it was on; a chunk re-run writes the same values.
 */
export async function updateAllCasesForecastWorkflow(
  input: JobWorkflowInput<TenantOnlyPayload>,
  carried?: AllCasesProgress,
): Promise<JobCompletion<ForecastResult>> {
  const reporter = new JobReporter(carried?.status);
  const origin = withRunKey(input.origin);
  const state: Omit<AllCasesProgress, 'status'> = carried ?? {
    phase: 'cases',
    cursor: 0,
    totalCases: await forecasts.countForecastCases({ origin }),
    casesUpdated: 0,
    runsUpdated: 0,
  };
  if (!carried) reporter.log(`Updating forecasts of ${state.totalCases} cases`);

  for (let chunk = 0; ; chunk += 1) {
    if (chunk === CHUNKS_PER_RUN || (chunk > 0 && runIsLong(input.pacing) && patched(FORECAST_HISTORY_PATCH))) {
      await continueAsNew<typeof updateAllCasesForecastWorkflow>(input, { ...state, status: reporter.carryOver() });
    }
    if (state.phase === 'cases') {
      const result = await chunks.updateCaseForecastChunk({
        origin,
        afterCaseId: state.cursor,
        limit: CASES_PER_CHUNK,
      });
      if (result.lastCaseId === null) {
        state.phase = 'runs';
        state.cursor = 0;
        reporter.log(`Updated forecasts of ${state.casesUpdated} cases; updating open test runs`);
        continue;
      }
      state.cursor = result.lastCaseId;
      state.casesUpdated += result.updated;
      const percentage = state.totalCases ? Math.min(95, Math.round((state.casesUpdated / state.totalCases) * 95)) : 95;
      reporter.setProgress({
        current: state.casesUpdated,
        total: state.totalCases,
        percentage,
        message: `Updated ${state.casesUpdated} of ${state.totalCases} cases`,
      });
    } else {
      const result = await chunks.updateRunForecastChunk({ origin, afterRunId: state.cursor, limit: RUNS_PER_CHUNK });
      if (result.lastRunId === null) break;
      state.cursor = result.lastRunId;
      state.runsUpdated += result.updated;
    }
  }
  reporter.setProgress({ current: state.casesUpdated, total: state.totalCases, percentage: 100, message: 'Completed' });
  reporter.log(`Forecasts updated: ${state.casesUpdated} cases, ${state.runsUpdated} open test runs`);
  return reporter.complete({ status: 'completed', successCount: state.casesUpdated, failCount: 0 });
}

/** `update-single-case-forecast`. */
export async function updateSingleCaseForecastWorkflow(
  input: JobWorkflowInput<UpdateSingleCaseForecastPayload>,
): Promise<JobCompletion<{ updatedCaseIds: number[]; affectedTestRunIds: number[] }>> {
  const reporter = new JobReporter();
  return reporter.complete(await forecasts.updateSingleCaseForecast(input));
}

/** `auto-complete-milestones`. */
export async function autoCompleteMilestonesWorkflow(
  input: JobWorkflowInput<TenantOnlyPayload>,
): Promise<JobCompletion<ForecastResult & { milestoneIds: number[] }>> {
  const reporter = new JobReporter();
  const milestoneIds = await forecasts.autoCompleteMilestones({ origin: withRunKey(input.origin) });
  return reporter.complete({ status: 'completed', successCount: milestoneIds.length, failCount: 0, milestoneIds });
}

function reminder(milestone: DueMilestone): { title: string; message: string } {
  const due = milestone.dueDate.slice(0, 10);
  return milestone.isOverdue
    ? {
        title: 'Milestone overdue',
        message: `Milestone "${milestone.milestoneName}" in project "${milestone.projectName}" was due on ${due}`,
      }
    : {
        title: 'Milestone due soon',
        message: `Milestone "${milestone.milestoneName}" in project "${milestone.projectName}" is due on ${due}`,
      };
}

/**
 * `milestone-due-notifications`: a MILESTONE_DUE_REMINDER for everyone working on a milestone
 * that is overdue or due within its notifyDaysBefore window. Unlike TestPlanIt's worker, the
 * notifications keep the job's tenant, and each (milestone, user, day) is notified once however
 * often the job runs that day: the notification's idempotency key names all three.
 */
export async function milestoneDueNotificationsWorkflow(
  input: JobWorkflowInput<TenantOnlyPayload>,
): Promise<JobCompletion<ForecastResult>> {
  const reporter = new JobReporter();
  const now = new Date().toISOString();
  const day = now.slice(0, 10);
  input = { ...input, origin: withRunKey(input.origin) };
  const due = await forecasts.findDueMilestones({ origin: input.origin, now });
  let successCount = 0;
  let failCount = 0;
  for (const milestone of due) {
    const content = reminder(milestone);
    for (const userId of milestone.recipientIds) {
      const origin = { ...input.origin, idempotencyKey: milestoneReminderKey(milestone.milestoneId, userId, day) };
      try {
        const created = await forecasts.createNotification({
          origin,
          payload: {
            userId,
            type: 'MILESTONE_DUE_REMINDER',
            ...content,
            relatedEntityId: String(milestone.milestoneId),
            relatedEntityType: 'Milestone',
            data: {
              milestoneName: milestone.milestoneName,
              projectName: milestone.projectName,
              projectId: milestone.projectId,
              milestoneId: milestone.milestoneId,
              dueDate: milestone.dueDate,
              isOverdue: milestone.isOverdue,
            },
            tenantId: input.origin.tenantId,
          },
        });
        if (created.mode === 'IN_APP_EMAIL_IMMEDIATE' && created.notificationId) {
          await emailActivities().sendNotificationEmail({ origin, notificationId: created.notificationId });
        }
        successCount += 1;
      } catch (error) {
        failCount += 1;
        reporter.log(
          `Reminder for milestone ${milestone.milestoneId} to user ${userId} failed: ${failureMessage(error)}`,
        );
      }
    }
  }
  reporter.log(
    `Milestone reminders for ${due.length} milestones on ${workflowInfo().workflowId}: ${successCount} sent, ${failCount} failed`,
  );
  return reporter.complete({ status: 'completed', successCount, failCount });
}
