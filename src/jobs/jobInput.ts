import type { QueueName } from './queues';

/**
 * Where a unit of work came from. Workflows and activities receive it with every payload,
 * so every log line and every write can name its tenant and its origin.
 */
export interface JobOrigin {
  queue: QueueName;
  jobName: string;
  /** BullMQ job id, or the schedule/operator run id when not started by the bridge. */
  jobId: string;
  /** The resolved tenant; absent in single-tenant mode. */
  tenantId?: string;
  /**
   * Stable across redeliveries and retries of the same BullMQ job, so writes keyed on it happen
   * once however often the job is delivered. Empty in a Temporal Schedule's action, which cannot
   * know its runs' ids: every workflow a schedule starts replaces it with its run's workflow id
   * (workflows/origin.ts withRunKey) before its first activity.
   */
  idempotencyKey: string;
}

export interface JobWorkflowInput<P> {
  origin: JobOrigin;
  payload: P;
  /** Test-only: shortens the history bounds of long-running workflows; the bridge never sets it. */
  pacing?: Pacing;
}

/**
 * How a long-running workflow keeps its event history small (src/workflows/pacing.ts). Tests
 * shrink both so that hours of polling or thousands of chunks fit in seconds; absent, the
 * production values apply.
 */
export interface Pacing {
  /** Multiplies every progress-poll and report interval (default 1). */
  timeScale?: number;
  /** Events after which a chunked loop continues as new at its next chunk (default EVENTS_PER_RUN). */
  eventsPerRun?: number;
}

/** What the bridge reads from a running workflow to mirror it onto the BullMQ job. */
export interface JobStatus {
  progress: number | Record<string, unknown>;
  /** The newest log lines; `logOffset` is the index of the first of them in the full log. */
  logs: string[];
  logOffset: number;
}

export function describeTenant(tenantId: string | undefined): string {
  return tenantId ?? '(single-tenant)';
}

/**
 * Several jobs of one tenant and one job name run by one workflow: for high-volume families whose
 * writes are idempotent per job (audit events), where a workflow per job would cost the Temporal
 * server more than the work. Every job keeps its own origin, idempotency key and outcome.
 */
export interface JobBatchInput<P> {
  jobs: JobWorkflowInput<P>[];
}

/** One job's outcome in a batch, in the order of `JobBatchInput.jobs`. */
export type JobBatchOutcome<R> = { ok: true; returnValue: R } | { ok: false; message: string; nonRetryable: boolean };

export interface JobBatchResult<R> {
  outcomes: JobBatchOutcome<R>[];
}
