import { continueAsNew, patched, proxyActivities, rootCause, workflowInfo } from '@temporalio/workflow';
import { failure } from '../failures/types';
import type { DigestOutcome, NotificationActivities } from '../activities/notifications';
import type { JobStatus, JobWorkflowInput } from '../jobs/jobInput';
import type {
  CreateNotificationPayload,
  ProcessUserNotificationsPayload,
  SendDigestEmailPayload,
  SendNotificationEmailPayload,
  TenantOnlyPayload,
} from '../jobs/payloads';
import { JobReporter, type JobCompletion } from './jobStatus';
import { withRunKey } from './origin';
import { runIsLong } from './pacing';

// Database work: TestPlanIt's notification queue retries 3 times with exponential backoff from 5 s.
const database = proxyActivities<NotificationActivities>({
  startToCloseTimeout: '1 minute',
  retry: { initialInterval: '5 seconds', backoffCoefficient: 2, maximumAttempts: 3 },
});

/**
 * Email work runs on the emails task queue, so EMAIL_CONCURRENCY bounds SMTP connections whether
 * an email comes from a notification flow or from an `emails` job. TestPlanIt's email queue
 * retries 5 times from 10 s; here that applies to 4xx and connection failures only.
 */
export function emailActivities() {
  const taskQueue = workflowInfo().taskQueue.replace(/-(notifications|emails|forecast-updates)$/, '-emails');
  return proxyActivities<NotificationActivities>({
    taskQueue,
    // Bounds how long a send on a worker that died is awaited before it is retried elsewhere;
    // the SMTP transport's own timeouts (15 s connect, 30 s socket) fit inside.
    startToCloseTimeout: '45 seconds',
    retry: { initialInterval: '10 seconds', backoffCoefficient: 2, maximumInterval: '5 minutes', maximumAttempts: 5 },
  });
}

/** `create-notification`: the Notification row, then, in immediate mode, its email in the same flow. */
export async function createNotificationWorkflow(
  input: JobWorkflowInput<CreateNotificationPayload>,
): Promise<JobCompletion<undefined>> {
  const reporter = new JobReporter();
  const created = await database.createNotification(input);
  if (created.mode === 'IN_APP_EMAIL_IMMEDIATE' && created.notificationId) {
    await emailActivities().sendNotificationEmail({ origin: input.origin, notificationId: created.notificationId });
  }
  return reporter.complete(undefined);
}

/** `process-user-notifications`: counts unread notifications (all TestPlanIt does with it). */
export async function processUserNotificationsWorkflow(
  input: JobWorkflowInput<ProcessUserNotificationsPayload>,
): Promise<JobCompletion<number>> {
  const reporter = new JobReporter();
  return reporter.complete(await database.countUnreadNotifications(input));
}

/** `send-notification-email` (web apps that still enqueue emails themselves). */
export async function sendNotificationEmailWorkflow(
  input: JobWorkflowInput<SendNotificationEmailPayload>,
): Promise<JobCompletion<undefined>> {
  const reporter = new JobReporter();
  await emailActivities().sendNotificationEmail({ origin: input.origin, notificationId: input.payload.notificationId });
  return reporter.complete(undefined);
}

/** `send-digest-email` (web apps that still enqueue digests themselves). */
export async function sendDigestEmailWorkflow(
  input: JobWorkflowInput<SendDigestEmailPayload>,
): Promise<JobCompletion<undefined>> {
  const reporter = new JobReporter();
  await emailActivities().sendDigestEmail(input);
  return reporter.complete(undefined);
}

export interface DailyDigestSummary {
  status: 'completed';
  usersProcessed: number;
  emailsSent: number;
  failures: string[];
}

interface DigestProgress {
  since: string;
  afterUserId?: string;
  summary: DailyDigestSummary;
  status: Pick<JobStatus, 'progress' | 'logOffset'>;
}

const USERS_PER_PAGE = 100;
const USERS_IN_PARALLEL = 5;
/**
 * A run continues as new after this many pages, or earlier once its history is long (runIsLong):
 * a page is some 400 events (an activity per user), more when sends fail and are retried.
 * Histories from before the second condition continue after 10 pages only.
 */
const PAGES_PER_RUN = 10;
const DIGEST_HISTORY_PATCH = 'daily-digest-history-bound';

/** What went wrong, not "Activity task failed": the message of the failure's root cause. */
export function failureMessage(error: unknown): string {
  return rootCause(error) ?? String(error);
}

/**
 * `send-daily-digest`: every user in daily mode with unread notifications from the last 24 hours
 * gets one digest email; their notifications are marked read once it was accepted. One user's
 * failure (a rejected address) is recorded and the others carry on.
 */
export async function sendDailyDigestWorkflow(
  input: JobWorkflowInput<TenantOnlyPayload>,
  carried?: DigestProgress,
): Promise<JobCompletion<DailyDigestSummary>> {
  input = { ...input, origin: withRunKey(input.origin) };
  const reporter = new JobReporter(carried?.status);
  const email = emailActivities();
  const since = carried?.since ?? new Date(Date.now() - 24 * 60 * 60 * 1000).toISOString();
  const summary: DailyDigestSummary = carried?.summary ?? {
    status: 'completed',
    usersProcessed: 0,
    emailsSent: 0,
    failures: [],
  };
  let afterUserId = carried?.afterUserId;

  for (let page = 0; ; page += 1) {
    if (page === PAGES_PER_RUN || (page > 0 && runIsLong(input.pacing) && patched(DIGEST_HISTORY_PATCH))) {
      await continueAsNew<typeof sendDailyDigestWorkflow>(input, {
        since,
        afterUserId,
        summary,
        status: reporter.carryOver(),
      });
    }
    const users = await database.listDigestRecipients({ origin: input.origin, afterUserId, limit: USERS_PER_PAGE });
    if (users.length === 0) break;
    for (let i = 0; i < users.length; i += USERS_IN_PARALLEL) {
      const batch = users.slice(i, i + USERS_IN_PARALLEL);
      const outcomes = await Promise.all(
        batch.map((userId) =>
          email
            .sendUserDigest({ origin: input.origin, since, userId })
            .catch((error: unknown): DigestOutcome | string => `${userId}: ${failureMessage(error)}`),
        ),
      );
      for (const outcome of outcomes) {
        summary.usersProcessed += 1;
        if (typeof outcome === 'string') {
          summary.failures.push(outcome);
          reporter.log(`Digest failed for user ${outcome}`);
        } else if (outcome.outcome !== 'nothing-to-send') {
          summary.emailsSent += 1;
        }
      }
    }
    afterUserId = users[users.length - 1];
    reporter.setProgress({ usersProcessed: summary.usersProcessed, emailsSent: summary.emailsSent });
    reporter.log(`Processed daily digest for ${summary.usersProcessed} users, ${summary.emailsSent} emails sent`);
    if (users.length < USERS_PER_PAGE) break;
  }
  if (summary.failures.length > 0 && summary.emailsSent === 0 && summary.usersProcessed === summary.failures.length) {
    throw failure('DigestFailed', `Every digest failed: ${summary.failures.slice(0, 5).join('; ')}`);
  }
  return reporter.complete(summary);
}
