import { proxyLocalActivities } from '@temporalio/workflow';
import type { AuditActivities } from '../activities/audit';
import type { JobBatchInput, JobBatchResult, JobWorkflowInput } from '../jobs/jobInput';
import type { AuditEventPayload } from '../jobs/payloads';
import { JobReporter, type JobCompletion } from './jobStatus';

// A single short insert: as a local activity it runs inside the workflow task, which halves the
// round trips through the Temporal server per audit event. Short retries back off within the task;
// longer ones (an unreachable database) wait on a workflow timer, so the task ends and a worker
// asked to stop is not held by them.
const { recordAuditEvent, recordAuditEvents } = proxyLocalActivities<AuditActivities>({
  startToCloseTimeout: '30 seconds',
  localRetryThreshold: '4 seconds',
  retry: { initialInterval: '1 second', backoffCoefficient: 2, maximumInterval: '1 minute', maximumAttempts: 10 },
});

/** `audit-logs` / `audit-event`: one AuditLog row in the tenant's database, written once. */
export async function auditEventWorkflow(
  input: JobWorkflowInput<AuditEventPayload>,
): Promise<JobCompletion<undefined>> {
  const reporter = new JobReporter();
  await recordAuditEvent(input);
  return reporter.complete(undefined);
}

/**
 * `audit-logs` / `audit-event`, several jobs of one tenant at once (the bridge batches what waits
 * when it is the tenant's turn): one statement, one workflow, one outcome per job. A job
 * redelivered into another batch writes nothing twice: each row's id comes from its job.
 */
export async function auditEventBatchWorkflow(
  input: JobBatchInput<AuditEventPayload>,
): Promise<JobBatchResult<undefined>> {
  const outcomes = await recordAuditEvents(input.jobs);
  return {
    outcomes: outcomes.map((outcome) =>
      'error' in outcome
        ? { ok: false, message: outcome.error, nonRetryable: outcome.nonRetryable }
        : { ok: true, returnValue: undefined },
    ),
  };
}
