import { continueAsNew, patched, proxyActivities, workflowInfo } from '@temporalio/workflow';
import type { DueMilestone, ForecastActivities } from '../activities/forecasts';
import type { NotificationActivities } from '../activities/notifications';
import { milestoneReminderKey } from '../jobs/ids';
import type { JobOrigin, JobStatus, JobWorkflowInput } from '../jobs/jobInput';
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

// A range is one statement over 25,000 cases: seconds usually, minutes for a tenant with long
// result histories, so it is bounded loosely and heartbeats instead; a range lost with a killed
// worker is retried elsewhere once its heartbeats stop for 10 s.
const rangeChunks = proxyActivities<ForecastActivities>({
  startToCloseTimeout: '15 minutes',
  heartbeatTimeout: '10 seconds',
  retry: { initialInterval: '5 seconds', backoffCoefficient: 2, maximumAttempts: 5 },
});

/** TestPlanIt's forecast worker result shape. */
export interface ForecastResult {
  status: 'completed';
  successCount: number;
  failCount: number;
}

const CASES_PER_CHUNK = 2_000;
/**
 * The cases are updated in ranges of CASES_PER_RANGE, planned RANGES_PER_PLAN at a time by one
 * index read, and run RANGE_LANES at once (one statement each, on their own database sessions):
 * when one range ends its lane starts the next, so the database has work while the other's
 * result crosses Temporal. A range is large because each statement pays a fixed cost (hashing the
 * results and links it joins, ~150 ms on 100k cases): from 25,000 cases on, a range costs per
 * case what one statement over all cases does, and still ends within a second or so (a
 * checkpoint and a progress report each). The queue gives a forecast job RANGE_LANES slots.
 */
export const CASES_PER_RANGE = 25_000;
export const RANGES_PER_PLAN = 8;
export const RANGE_LANES = 2;
/** Plans per run before continue-as-new: some 1,200 events of history (4 million cases). */
export const PLANS_PER_RUN = 20;
const FORECAST_RANGES_PATCH = 'forecast-parallel-ranges';
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
 * `update-all-cases-forecast`: every active case in planned ranges (one activity and one SQL
 * statement each, two at a time), then every open test run in keyset chunks. The cursor and the
 * plan live in workflow state, so a worker killed mid-way resumes at the ranges it was on; a
 * range re-run writes the same values. Histories from before the ranges (keyset chunks of
 * 2,000, one at a time) replay on the old path.
 */
export async function updateAllCasesForecastWorkflow(
  input: JobWorkflowInput<TenantOnlyPayload>,
  carried?: AllCasesProgress,
): Promise<JobCompletion<ForecastResult>> {
  const reporter = new JobReporter(carried?.status);
  const origin = withRunKey(input.origin);
  const ranges = patched(FORECAST_RANGES_PATCH);
  let state: Omit<AllCasesProgress, 'status'>;
  let firstPlan: Promise<number[]> | undefined;
  if (carried) {
    state = carried;
  } else {
    // The first plan's read goes out with the count: one round trip fewer before any work.
    firstPlan = ranges ? planRanges(origin, 0) : undefined;
    state = {
      phase: 'cases',
      cursor: 0,
      totalCases: await forecasts.countForecastCases({ origin }),
      casesUpdated: 0,
      runsUpdated: 0,
    };
    reporter.log(`Updating forecasts of ${state.totalCases} cases`);
  }

  for (let chunk = 0; ; chunk += 1) {
    const runLimit = ranges && state.phase === 'cases' ? PLANS_PER_RUN : CHUNKS_PER_RUN;
    if (chunk === runLimit || (chunk > 0 && runIsLong(input.pacing) && patched(FORECAST_HISTORY_PATCH))) {
      await continueAsNew<typeof updateAllCasesForecastWorkflow>(input, { ...state, status: reporter.carryOver() });
    }
    if (state.phase === 'cases' && ranges) {
      const uppers = await (firstPlan ?? planRanges(origin, state.cursor));
      firstPlan = undefined;
      if (uppers.length === 0) {
        state.phase = 'runs';
        state.cursor = 0;
        reporter.log(`Updated forecasts of ${state.casesUpdated} cases; updating open test runs`);
        continue;
      }
      const lows = uppers.map((_, i) => (i === 0 ? state.cursor : uppers[i - 1]!));
      let next = 0;
      const lane = async (): Promise<void> => {
        while (next < uppers.length) {
          const i = next++;
          const { updated } = await rangeChunks.updateCaseForecastRange({
            origin,
            afterCaseId: lows[i]!,
            upToCaseId: uppers[i]!,
          });
          state.casesUpdated += updated;
          reportCaseProgress(reporter, state);
        }
      };
      await Promise.all(Array.from({ length: RANGE_LANES }, lane));
      // Every range of the plan is done: only now does the cursor move past them all, so a
      // continue-as-new never carries a half-done plan.
      state.cursor = uppers[uppers.length - 1]!;
    } else if (state.phase === 'cases') {
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
      reportCaseProgress(reporter, state);
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

function planRanges(origin: JobOrigin, afterCaseId: number): Promise<number[]> {
  return chunks.planCaseForecastRanges({ origin, afterCaseId, rangeSize: CASES_PER_RANGE, count: RANGES_PER_PLAN });
}

function reportCaseProgress(reporter: JobReporter, state: Omit<AllCasesProgress, 'status'>): void {
  const percentage = state.totalCases ? Math.min(95, Math.round((state.casesUpdated / state.totalCases) * 95)) : 95;
  reporter.setProgress({
    current: state.casesUpdated,
    total: state.totalCases,
    percentage,
    message: `Updated ${state.casesUpdated} of ${state.totalCases} cases`,
  });
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
