import { workflowInfo } from '@temporalio/workflow';
import type { JobOrigin } from '../jobs/jobInput';

/**
 * A run started by a Temporal Schedule has no BullMQ job to key its writes on; its workflow id
 * (which carries the scheduled time) is unique per run and stable across retries, so it serves.
 */
export function withRunKey(origin: JobOrigin): JobOrigin {
  return origin.idempotencyKey ? origin : { ...origin, idempotencyKey: workflowInfo().workflowId };
}
