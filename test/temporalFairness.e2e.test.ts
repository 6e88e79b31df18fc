/**
 * Does the Temporal server's own task-queue fairness work on the dev server that scripts/infra.sh
 * runs (`matching.enableFairness`, one partition per task queue)? The bridge's gate orders starts
 * fairly whatever the server does; this checks the second line of defence, for backlogs that do
 * reach Temporal (several bridges, or a start window larger than the workers can take).
 *
 * With no worker polling, one tenant's backlog of workflow tasks builds up, then another tenant's
 * few tasks arrive behind it; a worker then takes them one at a time and records the order.
 */
import { Client, Connection } from '@temporalio/client';
import { NativeConnection, Worker } from '@temporalio/worker';
import type { JobWorkflowInput } from '../src/jobs/jobInput';
import type { AuditEventPayload } from '../src/jobs/payloads';
import { bundleWorkflows } from '../src/worker/workflowBundle';
import { services, uniqueSuffix } from './support/services';
import { auditEventData } from './support/testplanit';

const suffix = uniqueSuffix();
const NOISY = 60;
const QUIET = 5;

function input(tenantId: string, i: number): JobWorkflowInput<AuditEventPayload> {
  const jobId = `${tenantId}-${i}`;
  return {
    origin: {
      queue: 'audit-logs',
      jobName: 'audit-event',
      jobId,
      tenantId,
      idempotencyKey: `${tenantId}/audit-logs/${jobId}@0`,
    },
    payload: auditEventData({ tenantId, entityId: jobId }) as AuditEventPayload,
  };
}

test('tasks of a tenant arriving behind another tenant’s backlog are dispatched among the first, not after it', async () => {
  const taskQueue = `fairness-${suffix}`;
  const connection = await Connection.connect({ address: services.temporalAddress });
  const client = new Client({ connection });
  const native = await NativeConnection.connect({ address: services.temporalAddress });
  try {
    const start = (tenantId: string, i: number) =>
      client.workflow.start('auditEventWorkflow', {
        taskQueue,
        workflowId: `fairness-${suffix}-${tenantId}-${i}`,
        args: [input(tenantId, i)],
        priority: { fairnessKey: tenantId },
      });
    for (let i = 0; i < NOISY; i += 1) await start('noisy', i);
    for (let i = 0; i < QUIET; i += 1) await start('quiet', i);

    const order: string[] = [];
    const worker = await Worker.create({
      connection: native,
      taskQueue,
      workflowBundle: await bundleWorkflows(),
      activities: {
        recordAuditEvent: async ({ origin }: JobWorkflowInput<AuditEventPayload>) => {
          order.push(origin.tenantId!);
          return true;
        },
      },
      maxConcurrentWorkflowTaskExecutions: 2,
      maxConcurrentWorkflowTaskPolls: 2,
      maxConcurrentLocalActivityExecutions: 1,
    });
    await worker.runUntil(async () => {
      while (order.length < NOISY + QUIET) await new Promise((resolve) => setTimeout(resolve, 50));
    });

    const quietPositions = order.flatMap((tenant, index) => (tenant === 'quiet' ? [index] : []));
    expect(quietPositions).toHaveLength(QUIET);
    // In arrival order they would be the last five (60-64); with fairness they come early, each
    // turn alternating with the backlog (a few tasks may already sit in the poller's buffer).
    expect(Math.max(...quietPositions)).toBeLessThan(3 * QUIET + 8);
  } finally {
    await native.close();
    await connection.close();
  }
});
