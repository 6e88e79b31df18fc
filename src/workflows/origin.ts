import { workflowInfo } from '@temporalio/workflow';
import { RUN_KEY_FROM_WORKFLOW } from '../jobs/ids';
import type { JobOrigin } from '../jobs/jobInput';

/**
 * A run started by a Temporal Schedule has no BullMQ job to key its writes on; its workflow id
 * (which carries the scheduled time) is unique per run and stable across retries, so it serves.
 * Every workflow a schedule starts (schedules/recurringJobs.ts) calls this before its first activity.
 */
export function withRunKey(origin: JobOrigin): JobOrigin {
  return origin.idempotencyKey !== RUN_KEY_FROM_WORKFLOW
    ? origin
    : { ...origin, idempotencyKey: workflowInfo().workflowId };
}
