/**
 * Starts a job's workflow, or attaches to the one already started under its id. A Temporal outage
 * does not fail jobs: the start is retried with backoff while the jobs stay active in BullMQ. A
 * start Temporal refuses for what it carries (an input over the payload size limit, say) is
 * final: retrying would refuse it again, so it is thrown as WorkflowStartRefused.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import {
  isGrpcServiceError,
  ServiceError,
  WorkflowExecutionAlreadyStartedError,
  type Client,
  type WorkflowHandle,
} from '@temporalio/client';
import { taskQueueFor } from '../jobs/ids';
import type { QueueName } from '../jobs/queues';
import type { WorkflowName } from '../jobs/routes';
import type { Logger } from '../logging';
import { jobSearchAttributes } from '../temporal/searchAttributes';

export interface StarterDeps {
  client: Client;
  logger: Logger;
  taskQueuePrefix: string;
  /** A tenant's fairness weight, passed on to Temporal's task fairness. */
  weightOf(tenantKey: string): number;
  /** The client shares the worker's NativeConnection: a start hands the first task straight to it. */
  eagerStart: boolean;
  /** Aborted on shutdown: a start still retrying gives up. */
  shutdown: AbortSignal;
}

export interface StartRequest {
  workflowType: WorkflowName;
  workflowId: string;
  queue: QueueName;
  jobName: string;
  args: unknown[];
  tenantKey: string;
  /** For log lines: the tenant id, or "(single-tenant)". */
  tenantLabel: string;
  /** JobRoute.workflowTaskTimeoutMs; Temporal's default when absent. */
  workflowTaskTimeoutMs?: number;
}

const START_RETRY_MAX_DELAY_MS = 30_000;
const GRPC_INVALID_ARGUMENT = 3;
const GRPC_RESOURCE_EXHAUSTED = 8;

export class WorkflowStartRefused extends Error {
  override readonly name = 'WorkflowStartRefused';
}

/** Why Temporal will never accept this start, or undefined when trying again may succeed. */
function permanentRefusal(error: unknown): string | undefined {
  const cause = error instanceof ServiceError ? error.cause : error;
  if (!isGrpcServiceError(cause)) return undefined;
  if (cause.code === GRPC_INVALID_ARGUMENT) return cause.details || cause.message;
  // Rate limits are RESOURCE_EXHAUSTED too, and pass; a message over gRPC's size limit does not.
  if (cause.code === GRPC_RESOURCE_EXHAUSTED && /larger than max/i.test(cause.details ?? '')) return cause.details;
  return undefined;
}

/** Returns undefined when the bridge is shutting down before the start went through. */
export type StartOrAttach = (request: StartRequest) => Promise<WorkflowHandle | undefined>;

export function createWorkflowStarter(deps: StarterDeps): StartOrAttach {
  return async function startOrAttach(request) {
    const { workflowId, tenantKey } = request;
    for (let attempt = 0; !deps.shutdown.aborted; attempt += 1) {
      try {
        return await deps.client.workflow.start(request.workflowType, {
          workflowId,
          taskQueue: taskQueueFor(deps.taskQueuePrefix, request.queue),
          args: request.args,
          // A redelivered job attaches to its running workflow or gets the result of the one that
          // succeeded; only a failed one may run again under the same id (src/jobs/ids.ts).
          workflowIdConflictPolicy: 'USE_EXISTING',
          workflowIdReusePolicy: 'ALLOW_DUPLICATE_FAILED_ONLY',
          typedSearchAttributes: jobSearchAttributes(tenantKey, request.queue, request.jobName),
          // On a server with task-queue fairness, tasks of a tenant with a backlog are interleaved
          // with other tenants' tasks, in the same proportions as the bridge's starts.
          priority: { fairnessKey: tenantKey, fairnessWeight: deps.weightOf(tenantKey) },
          requestEagerStart: deps.eagerStart,
          workflowTaskTimeout: request.workflowTaskTimeoutMs,
        });
      } catch (error) {
        if (error instanceof WorkflowExecutionAlreadyStartedError) return deps.client.workflow.getHandle(workflowId);
        const refusal = permanentRefusal(error);
        if (refusal) throw new WorkflowStartRefused(`Temporal refused to start the workflow: ${refusal}`);
        const delay = Math.min(START_RETRY_MAX_DELAY_MS, 500 * 2 ** attempt);
        deps.logger.error(
          `Could not start workflow ${workflowId} for tenant ${request.tenantLabel}; retrying in ${delay} ms`,
          {
            tenant: tenantKey,
            error: (error as Error).message,
          },
        );
        await sleep(delay, undefined, { signal: deps.shutdown }).catch(() => undefined);
      }
    }
    return undefined;
  };
}
