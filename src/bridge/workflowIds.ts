/**
 * Workflow identity for a BullMQ job.
 *
 *   <tenantKey>/<queue>/<jobId>/attempt-<attemptsMade>
 *
 * BullMQ increments `attemptsMade` only when a job fails, never when it is redelivered (a
 * stalled job after a bridge crash, or one the bridge handed back on shutdown). So:
 * - a redelivered job computes the same id and attaches to the workflow already running
 *   (conflict policy USE_EXISTING) or picks up the result of the one that already succeeded
 *   (reuse policy ALLOW_DUPLICATE_FAILED_ONLY rejects a second run of a success);
 * - a retry after failure, automatic or the admin's Retry button, has a new attemptsMade and
 *   so a new workflow; a retry that resets attemptsMade reuses the id of a failed workflow,
 *   which ALLOW_DUPLICATE_FAILED_ONLY permits.
 * A workflow id is therefore run to success at most once.
 */
import type { QueueName } from '../jobs/queues';

export function workflowIdForJob(tenantKey: string, queue: QueueName, jobId: string, attemptsMade: number): string {
  return `${tenantKey}/${queue}/${jobId}/attempt-${attemptsMade}`;
}

/** Same for every delivery and attempt of one job: keys writes that must happen once per job. */
export function idempotencyKeyForJob(tenantKey: string, queue: QueueName, jobId: string): string {
  return `${tenantKey}/${queue}/${jobId}`;
}
