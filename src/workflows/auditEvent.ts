import { proxyLocalActivities } from '@temporalio/workflow';
import type { AuditActivities } from '../activities/audit';
import type { JobWorkflowInput } from '../jobs/jobInput';
import type { AuditEventPayload } from '../jobs/payloads';
import { JobReporter, type JobCompletion } from './jobStatus';

// A single short insert: as a local activity it runs inside the workflow task, which halves the
// round trips through the Temporal server per audit event. Retries back off within the task.
const { recordAuditEvent } = proxyLocalActivities<AuditActivities>({
  startToCloseTimeout: '30 seconds',
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
