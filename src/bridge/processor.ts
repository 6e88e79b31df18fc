/**
 * The BullMQ processor of the bridge: validates a job, starts (or attaches to) its workflow,
 * keeps the job active while the workflow runs, mirrors status, and settles the job with the
 * workflow's outcome. Bad input fails only that job, with a precise and non-retryable message.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { UnrecoverableError, WaitingError, type Job } from 'bullmq';
import {
  WorkflowExecutionAlreadyStartedError,
  type Client,
  type WorkflowHandle,
} from '@temporalio/client';
import type { Redis } from 'ioredis';
import { describeTenant, type JobStatus, type JobWorkflowInput } from '../jobs/jobInput';
import { describePayloadIssues } from '../jobs/payloads';
import type { QueueName } from '../jobs/queues';
import { jobInstanceKey, taskQueueFor, workflowIdForJob, type JobInstance } from '../jobs/ids';
import { findRoute, type JobRoute } from '../jobs/routes';
import type { Logger } from '../logging';
import { jobSearchAttributes } from '../temporal/searchAttributes';
import { TenancyError } from '../tenancy/errors';
import type { ResolvedTenant, TenantRegistry } from '../tenancy/registry';
import type { JobCompletion } from '../workflows/jobStatus';
import { jobErrorFromWorkflowFailure } from './failures';
import { JobStatusMirror } from './statusMirror';

export interface ProcessorDeps {
  client: Client;
  tenants: TenantRegistry;
  redis: Redis;
  logger: Logger;
  taskQueuePrefix: string;
  bullPrefix: string;
  statusPollMs: number;
  /** Aborted on shutdown: running jobs are handed back to the queue, their workflows go on. */
  shutdown: AbortSignal;
}

const START_RETRY_MAX_DELAY_MS = 30_000;

/** The job's tenantId as the web app sent it: any JSON value, or undefined. */
export function rawTenantId(job: Job | undefined): unknown {
  return typeof job?.data === 'object' && job.data !== null ? (job.data as { tenantId?: unknown }).tenantId : undefined;
}

/** The job's tenantId when it is a string, for log lines about jobs that may be invalid. */
export function namedTenantId(job: Job | undefined): string | undefined {
  const tenantId = rawTenantId(job);
  return typeof tenantId === 'string' ? tenantId : undefined;
}

export function createJobProcessor(queue: QueueName, deps: ProcessorDeps) {
  const { logger } = deps;

  return async function processJob(job: Job, token?: string): Promise<unknown> {
    const jobId = job.id!;
    const named = namedTenantId(job);

    const route = findRoute(queue, job.name);
    if (!route) throw rejectJob(jobId, `Unknown job type: ${job.name}`, named);

    let tenant: ResolvedTenant;
    try {
      tenant = deps.tenants.resolve(rawTenantId(job));
    } catch (error) {
      if (error instanceof TenancyError) throw rejectJob(jobId, error.message, named);
      throw error;
    }
    const tenantLabel = describeTenant(tenant.tenantId);
    logger.info(`Processing ${queue} job ${jobId} of type ${job.name} for tenant ${tenantLabel}`, {
      tenant: tenant.key,
      attempt: job.attemptsMade,
    });

    const parsed = route.payload.safeParse(job.data);
    if (!parsed.success) {
      throw rejectJob(jobId, `Invalid ${job.name} payload: ${describePayloadIssues(parsed.error)}`, tenant.tenantId);
    }

    const instance: JobInstance = { tenantKey: tenant.key, queue, jobId, createdAt: job.timestamp };
    const workflowId = workflowIdForJob(instance, job.attemptsMade);
    const input: JobWorkflowInput<unknown> = {
      origin: {
        queue,
        jobName: job.name,
        jobId,
        tenantId: tenant.tenantId,
        idempotencyKey: jobInstanceKey(instance),
      },
      payload: parsed.data,
    };
    const handle = await startOrAttach(route, workflowId, input, tenant, tenantLabel);
    if (!handle) return handBack(job, token, tenantLabel);

    const mirror = new JobStatusMirror(
      job,
      deps.redis,
      JobStatusMirror.stateKeyFor(deps.bullPrefix, queue, jobId),
      workflowId,
    );
    await mirror.load();

    const outcome = handle.result().then(
      (completion: JobCompletion<unknown>) => ({ ok: true as const, completion }),
      (error: unknown) => ({ ok: false as const, error }),
    );
    // Status is polled only for workflows that report it, starting after one interval and backing
    // off while nothing changes, so thousands of jobs in flight do not turn into a query storm.
    let pollDelay = deps.statusPollMs;
    for (;;) {
      const waitForPoll = route.reportsStatus ? pollDelay : 60 * 60 * 1000;
      const settled = await Promise.race([
        outcome,
        sleep(waitForPoll, undefined, { signal: deps.shutdown }).catch(() => undefined),
      ]);
      if (settled) {
        if (!settled.ok) {
          const jobError = jobErrorFromWorkflowFailure(settled.error);
          logger.warn(`${queue} job ${jobId} of type ${job.name} failed for tenant ${tenantLabel}: ${jobError.message}`, {
            tenant: tenant.key,
            workflowId,
            retryable: !(jobError instanceof UnrecoverableError),
          });
          throw jobError;
        }
        await mirror.apply(settled.completion.status);
        logger.info(`${queue} job ${jobId} of type ${job.name} completed for tenant ${tenantLabel}`, { tenant: tenant.key });
        return settled.completion.returnValue;
      }
      if (deps.shutdown.aborted) return handBack(job, token, tenantLabel);
      if (!route.reportsStatus) continue;
      const status = await handle.query<JobStatus>('jobStatus').catch((error: unknown) => {
        // No worker may be polling right now; the next poll tries again.
        logger.debug(`Status query of ${workflowId} failed: ${(error as Error).message}`, { tenant: tenant.key });
        return undefined;
      });
      const changed = status ? await mirror.apply(status) : false;
      pollDelay = changed ? deps.statusPollMs : Math.min(pollDelay * 2, deps.statusPollMs * 16);
    }
  };

  function rejectJob(jobId: string, message: string, tenantId: string | undefined): UnrecoverableError {
    const label = tenantId ?? (deps.tenants.multiTenant ? '(none)' : describeTenant(undefined));
    logger.warn(`Rejected ${queue} job ${jobId} for tenant ${label}: ${message}`, { tenant: tenantId });
    return new UnrecoverableError(message);
  }

  /**
   * Starts the job's workflow, or returns a handle to the one already started for it. A Temporal
   * outage does not fail jobs: the start is retried with backoff while the job stays active.
   * Returns undefined when the bridge is shutting down first.
   */
  async function startOrAttach(
    route: JobRoute,
    workflowId: string,
    input: JobWorkflowInput<unknown>,
    tenant: ResolvedTenant,
    tenantLabel: string,
  ): Promise<WorkflowHandle | undefined> {
    for (let attempt = 0; !deps.shutdown.aborted; attempt += 1) {
      try {
        return await deps.client.workflow.start(route.workflowType, {
          workflowId,
          taskQueue: taskQueueFor(deps.taskQueuePrefix, route.queue),
          args: [input],
          workflowIdConflictPolicy: 'USE_EXISTING',
          workflowIdReusePolicy: 'ALLOW_DUPLICATE_FAILED_ONLY',
          typedSearchAttributes: jobSearchAttributes(tenant.key, route.queue, input.origin.jobName),
          // Tasks of a tenant with a large backlog are interleaved with other tenants' tasks.
          priority: { fairnessKey: tenant.key },
        });
      } catch (error) {
        if (error instanceof WorkflowExecutionAlreadyStartedError) return deps.client.workflow.getHandle(workflowId);
        const delay = Math.min(START_RETRY_MAX_DELAY_MS, 500 * 2 ** attempt);
        logger.error(`Could not start workflow ${workflowId} for tenant ${tenantLabel}; retrying in ${delay} ms`, {
          tenant: tenant.key,
          error: (error as Error).message,
        });
        await sleep(delay, undefined, { signal: deps.shutdown }).catch(() => undefined);
      }
    }
    return undefined;
  }

  /** Puts the job back to waiting without counting an attempt; whoever picks it up attaches to the workflow. */
  async function handBack(job: Job, token: string | undefined, tenantLabel: string): Promise<never> {
    await job.moveToWait(token);
    logger.info(`Handed ${queue} job ${job.id} for tenant ${tenantLabel} back to the queue on shutdown`);
    throw new WaitingError();
  }
}
