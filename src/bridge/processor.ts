/**
 * The BullMQ processor of the bridge: validates a job, waits for its turn at the queue's fair gate,
 * starts (or attaches to) its workflow, keeps the job active while the workflow runs, mirrors
 * status, and settles the job with the workflow's outcome. Bad input fails only that job, with a
 * precise and non-retryable message, before it takes a turn.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { UnrecoverableError, WaitingError, type Job } from 'bullmq';
import type { Redis } from 'ioredis';
import { describeTenant, type JobStatus, type JobWorkflowInput } from '../jobs/jobInput';
import { describePayloadIssues } from '../jobs/payloads';
import type { QueueName } from '../jobs/queues';
import { jobInstanceOf, jobInstanceKey, SINGLE_TENANT_KEY, workflowIdForJob } from '../jobs/ids';
import { findRoute, type JobRoute } from '../jobs/routes';
import type { Logger } from '../logging';
import { TenancyError } from '../tenancy/errors';
import type { ResolvedTenant, TenantRegistry } from '../tenancy/registry';
import { jobStatusQuery, type JobCompletion } from '../workflows/jobStatus';
import type { BatchSettlement, JobBatcher } from './batcher';
import type { FairGate } from './fairGate';
import type { JobSource } from './jobSource';
import { failureReasonOf, jobErrorFromWorkflowFailure } from './failures';
import { JobMeter, UNKNOWN_TENANT_LABEL, type BridgeMetrics, type FailureReason } from '../operations/metrics';
import { WorkflowStartRefused, type StartOrAttach } from './starter';
import { JobStatusMirror } from './statusMirror';

export interface ProcessorDeps {
  tenants: TenantRegistry;
  redis: Redis;
  logger: Logger;
  /** Aborted on shutdown: jobs are handed back to the queue, their workflows go on. */
  shutdown: AbortSignal;
  startOrAttach: StartOrAttach;
  statusPollMs: number;
  /**
   * A job whose workflow input is larger fails at once. Temporal refuses inputs over its blob size
   * limit, and a request over gRPC's 4 MB message limit makes the server drop the bridge's whole
   * connection, stalling every tenant's starts and result polls for half a minute (found by the
   * chaos run with 4 MB audit events): such a job must never reach Temporal.
   */
  maxInputBytes: number;
  /** The queue's start order across tenants. */
  gate: FairGate;
  /** The batcher of a route whose jobs run together (JobRoute.batchWorkflowType), if any. */
  batcherFor(route: JobRoute): JobBatcher | undefined;
  metrics: BridgeMetrics;
}

/** Tries of the last status copy once a workflow has finished (~20 s with the back-off). */
const MIRROR_FINAL_ATTEMPTS = 8;

/** A job still waiting for its turn after this long says so on the admin page. */
const WAITING_NOTICE_MS = 1_000;

const megabytes = (bytes: number) => (bytes / (1024 * 1024)).toFixed(1);

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
  const { logger, startOrAttach } = deps;

  /** Why each failure this processor throws failed, for metrics (a rejection, a workflow's end). */
  const reasons = new WeakMap<Error, FailureReason>();
  const failedFor = <E extends Error>(error: E, reason: FailureReason): E => {
    reasons.set(error, reason);
    return error;
  };

  return async function processJob(
    job: Job,
    token: string,
    source: Pick<JobSource, 'prefix' | 'boundTenantId'>,
  ): Promise<unknown> {
    const named = source.boundTenantId ?? rawTenantId(job);
    const tenantLabel = deps.tenants.multiTenant
      ? typeof named === 'string' && deps.tenants.knows(named)
        ? named
        : UNKNOWN_TENANT_LABEL
      : SINGLE_TENANT_KEY;
    const meter = new JobMeter(deps.metrics, queue, tenantLabel, job.timestamp);
    try {
      const value = await processAttempt(job, token, source, meter);
      meter.completed();
      return value;
    } catch (error) {
      if (error instanceof WaitingError) meter.handedBack();
      else meter.failed((error instanceof Error && reasons.get(error)) || 'other');
      throw error;
    }
  };

  async function processAttempt(
    job: Job,
    token: string,
    source: Pick<JobSource, 'prefix' | 'boundTenantId'>,
    meter: JobMeter,
  ): Promise<unknown> {
    const jobId = job.id!;
    const named = source.boundTenantId ?? namedTenantId(job);

    const route = findRoute(queue, job.name);
    if (!route) throw rejectJob(jobId, `Unknown job type: ${job.name}`, named, 'invalid_input');

    let tenant: ResolvedTenant;
    try {
      tenant = resolveTenant(job, source);
    } catch (error) {
      if (error instanceof TenancyError) throw rejectJob(jobId, error.message, named, 'unknown_tenant');
      throw error;
    }
    const tenantLabel = describeTenant(tenant.tenantId);
    logger.info(`Processing ${queue} job ${jobId} of type ${job.name} for tenant ${tenantLabel}`, {
      tenant: tenant.key,
      queue,
      jobId: job.id,
      attempt: job.attemptsMade,
    });

    const parsed = route.payload.safeParse(job.data);
    if (!parsed.success) {
      throw rejectJob(
        jobId,
        `Invalid ${job.name} payload: ${describePayloadIssues(parsed.error)}`,
        tenant.tenantId,
        'invalid_input',
      );
    }

    const instance = jobInstanceOf(tenant.key, queue, job);
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
    const bytes = Buffer.byteLength(JSON.stringify(input));
    if (bytes > deps.maxInputBytes) {
      throw rejectJob(
        jobId,
        `The ${job.name} job's data is ${megabytes(bytes)} MB; a workflow input may be at most ${megabytes(deps.maxInputBytes)} MB (Temporal's payload size limit)`,
        tenant.tenantId,
        'invalid_input',
      );
    }
    const batcher = deps.batcherFor(route);
    if (batcher) {
      const notice = waitingNotice(job, meter);
      const settlement = await batcher
        .submit(tenant, { input, workflowId, bytes, onStart: notice.started })
        .finally(notice.clear);
      if (settlement.kind !== 'alone') return settleBatched(job, token, settlement, tenant, tenantLabel);
    }

    const notice = waitingNotice(job, meter);
    // Undefined when the bridge stops first. Once the turn comes no "waiting" line is written;
    // "Started" follows if one was.
    const release = await deps.gate.acquire(tenant.key, deps.shutdown).catch(() => undefined);
    notice.clear();
    if (!release) return handBack(job, token, tenantLabel);
    try {
      return await runWorkflow(job, token, route, workflowId, input, tenant, tenantLabel, notice.started);
    } finally {
      release();
    }
  }

  /** Settles a job from its batch's outcome: its own result or failure, or a hand-back on shutdown. */
  async function settleBatched(
    job: Job,
    token: string | undefined,
    settlement: Exclude<BatchSettlement, { kind: 'alone' }>,
    tenant: ResolvedTenant,
    tenantLabel: string,
  ): Promise<unknown> {
    if (settlement.kind === 'handBack') return handBack(job, token, tenantLabel);
    if (settlement.kind === 'failed')
      return failJob(
        job,
        failedFor(jobErrorFromWorkflowFailure(settlement.error), failureReasonOf(settlement.error)),
        tenant,
        settlement.batchWorkflowId,
      );
    const { outcome, batchWorkflowId, batchSize } = settlement;
    if (!outcome.ok) {
      return failJob(
        job,
        failedFor(
          outcome.nonRetryable ? new UnrecoverableError(outcome.message) : new Error(outcome.message),
          'activity_failure',
        ),
        tenant,
        batchWorkflowId,
      );
    }
    // Operators find a batched job's execution from its log on the admin page. Like the status
    // mirror, a line Redis refuses (Valkey restarting) is not the job's failure.
    if (batchSize > 1)
      await job
        .log(`Ran in workflow ${batchWorkflowId} with ${batchSize - 1} other jobs of the tenant`)
        .catch((error: unknown) =>
          logger.warn(`Could not log ${queue} job ${job.id}'s batch workflow: ${(error as Error).message}`, {
            tenant: tenant.key,
          }),
        );
    logger.info(`${queue} job ${job.id} of type ${job.name} completed for tenant ${tenantLabel}`, {
      tenant: tenant.key,
      queue,
      jobId: job.id,
    });
    return outcome.returnValue;
  }

  /**
   * Copies status onto the job. The mirror is the admin page's view of the job, not its outcome: a
   * Redis error there (Valkey restarting and still loading its data, say) is retried up to
   * `attempts` times and then logged, never turned into the job's failure, which would spend a
   * BullMQ attempt and start the job's work again under a new workflow.
   */
  async function mirrorStatus(
    mirror: JobStatusMirror,
    status: JobStatus,
    job: Job,
    tenant: ResolvedTenant,
    attempts: number,
  ): Promise<boolean> {
    for (let attempt = 1; ; attempt++) {
      try {
        return await mirror.apply(status);
      } catch (error) {
        if (attempt >= attempts || deps.shutdown.aborted) {
          logger.warn(`Could not copy the status of ${queue} job ${job.id} to Redis: ${(error as Error).message}`, {
            tenant: tenant.key,
            queue,
            jobId: job.id,
          });
          return false;
        }
        await sleep(attempt * 500);
      }
    }
  }

  /** Fails the job with `error` (UnrecoverableError: no retries), saying so in the log. */
  function failJob(job: Job, error: Error, tenant: ResolvedTenant, workflowId: string): never {
    logger.warn(
      `${queue} job ${job.id} of type ${job.name} failed for tenant ${describeTenant(tenant.tenantId)}: ${error.message}`,
      {
        tenant: tenant.key,
        queue,
        jobId: job.id,
        workflowId,
        retryable: !(error instanceof UnrecoverableError),
      },
    );
    throw error;
  }

  /**
   * A job that waits for its turn longer than a moment says so in its log, so TestPlanIt's admin
   * page shows why an active job has not started, and then when it starts. The same for jobs run
   * alone and in batches.
   */
  function waitingNotice(job: Job, meter: JobMeter): { started(workflowId: string): void; clear(): void } {
    let waited = false;
    let started = false;
    const timer = setTimeout(() => {
      if (started) return;
      waited = true;
      const { running, waiting } = deps.gate.stats();
      job.log(`Waiting for a worker slot: ${running} ${queue} jobs running, ${waiting} waiting`).catch(() => undefined);
    }, WAITING_NOTICE_MS);
    return {
      started(workflowId) {
        started = true;
        meter.started();
        clearTimeout(timer);
        if (waited) job.log(`Started workflow ${workflowId}`).catch(() => undefined);
      },
      clear: () => clearTimeout(timer),
    };
  }

  async function runWorkflow(
    job: Job,
    token: string | undefined,
    route: JobRoute,
    workflowId: string,
    input: JobWorkflowInput<unknown>,
    tenant: ResolvedTenant,
    tenantLabel: string,
    onStart: (workflowId: string) => void,
  ): Promise<unknown> {
    const jobId = job.id!;
    const handle = await startOrAttach({
      workflowType: route.workflowType,
      workflowId,
      queue,
      jobName: job.name,
      workflowTaskTimeoutMs: route.workflowTaskTimeoutMs,
      args: [input],
      tenantKey: tenant.key,
      tenantLabel,
    }).catch((error: unknown) => {
      // Temporal will never take this input (too large, say): that job fails, nothing else.
      if (error instanceof WorkflowStartRefused)
        throw rejectJob(jobId, error.message, tenant.tenantId, 'invalid_input');
      throw error;
    });
    if (!handle) return handBack(job, token, tenantLabel);
    onStart(workflowId);

    const mirror = new JobStatusMirror(
      job,
      deps.redis,
      JobStatusMirror.stateKeyFor(job.prefix, queue, jobId),
      workflowId,
    );

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
          const error = failedFor(jobErrorFromWorkflowFailure(settled.error), failureReasonOf(settled.error));
          return failJob(job, error, tenant, workflowId);
        }
        await mirrorStatus(mirror, settled.completion.status, job, tenant, MIRROR_FINAL_ATTEMPTS);
        logger.info(`${queue} job ${jobId} of type ${job.name} completed for tenant ${tenantLabel}`, {
          tenant: tenant.key,
          queue,
          jobId: job.id,
        });
        return settled.completion.returnValue;
      }
      if (deps.shutdown.aborted) return handBack(job, token, tenantLabel);
      if (!route.reportsStatus) continue;
      const status = await handle.query(jobStatusQuery).catch((error: unknown) => {
        // No worker may be polling right now; the next poll tries again.
        logger.debug(`Status query of ${workflowId} failed: ${(error as Error).message}`, { tenant: tenant.key });
        return undefined;
      });
      const changed = status ? await mirrorStatus(mirror, status, job, tenant, 1) : false;
      pollDelay = changed ? deps.statusPollMs : Math.min(pollDelay * 2, deps.statusPollMs * 16);
    }
  }

  /**
   * The job's tenant. On a tenant's own prefix it is that tenant, whatever the payload says: a
   * payload naming another tenant is refused, naming both, before anything is written. On the
   * shared prefix the payload names it (TestPlanIt's trust model), except a tenant bound to its own
   * prefix, whose jobs are only taken from there.
   */
  function resolveTenant(job: Job, source: Pick<JobSource, 'prefix' | 'boundTenantId'>): ResolvedTenant {
    const named = rawTenantId(job);
    if (source.boundTenantId !== undefined) {
      if (named !== undefined && named !== source.boundTenantId) {
        throw new TenancyError(
          `The job names tenant ${JSON.stringify(named)} but was enqueued under prefix "${source.prefix}" of tenant ` +
            `"${source.boundTenantId}"; a tenant's jobs can only act as that tenant`,
        );
      }
      return deps.tenants.resolve(source.boundTenantId);
    }
    const tenant = deps.tenants.resolve(named);
    if (tenant.bullmqPrefix !== undefined) {
      throw new TenancyError(
        `Tenant "${tenant.tenantId}" takes jobs only from its own prefix "${tenant.bullmqPrefix}", not from the shared prefix "${source.prefix}"`,
      );
    }
    return tenant;
  }

  function rejectJob(
    jobId: string,
    message: string,
    tenantId: string | undefined,
    reason: FailureReason,
  ): UnrecoverableError {
    const label = tenantId ?? (deps.tenants.multiTenant ? '(none)' : describeTenant(undefined));
    logger.warn(`Rejected ${queue} job ${jobId} for tenant ${label}: ${message}`, { tenant: tenantId, queue, jobId });
    return failedFor(new UnrecoverableError(message), reason);
  }

  /** Puts the job back to waiting without counting an attempt; whoever picks it up attaches to the workflow. */
  async function handBack(job: Job, token: string | undefined, tenantLabel: string): Promise<never> {
    await job.moveToWait(token);
    logger.info(`Handed ${queue} job ${job.id} for tenant ${tenantLabel} back to the queue on shutdown`, {
      tenant: tenantLabel,
      queue,
      jobId: job.id,
    });
    throw new WaitingError();
  }
}
