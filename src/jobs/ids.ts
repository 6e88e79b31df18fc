/**
 * Every id and key that names a unit of work, built here and nowhere else: workflow ids, the
 * idempotency keys writes are derived from, task queues, schedule ids, rebuild locks.
 * Dependency-free (types only), so deterministic workflow code, the bridge, the schedules and
 * the CLIs all share it.
 *
 * A BullMQ job id alone does not identify a job. Ids are a per-queue counter in Valkey
 * (`<prefix>:<queue>:id`) or the producer's choice, and repeatable iterations are
 * `repeat:<key>:<millis>`: a Valkey that lost its counter (restart without persistence, older
 * snapshot, FLUSHDB), a custom id re-added after `removeOnComplete`, or a repeatable registered
 * again for the same fire time all give a *new* job an id an earlier job had. What tells them apart
 * is the job's creation time (`job.timestamp`, written once when the job is stored and never
 * changed by redelivery, stalls, hand-back or retries), so a job instance is
 *
 *   <tenantKey>/<queue>/<jobId>@<createdAtMillis>
 *
 * and its workflow is `<instance>/attempt-<attemptsMade>`:
 * - a redelivered job (a stalled job after a bridge crash, one handed back on shutdown) computes
 *   the same id and attaches to the running workflow (conflict policy USE_EXISTING) or picks up
 *   the result of the one that succeeded (reuse policy ALLOW_DUPLICATE_FAILED_ONLY);
 * - a retry after failure (BullMQ's backoff, the admin's Retry button) has a new attemptsMade,
 *   so a new workflow; a retry that resets attemptsMade reuses a failed workflow's id, which
 *   ALLOW_DUPLICATE_FAILED_ONLY permits;
 * - a new job that reuses an old id has another creation time: another workflow, other keys.
 */
import type { QueueName } from './queues';

/** The tenant key of single-tenant mode; tenant ids cannot start with "_", so it never collides. */
export const SINGLE_TENANT_KEY = '_default';

export function tenantKeyOf(tenantId: string | undefined): string {
  return tenantId ?? SINGLE_TENANT_KEY;
}

/** One BullMQ job, as opposed to its id. */
export interface JobInstance {
  tenantKey: string;
  queue: QueueName;
  jobId: string;
  /** BullMQ's `job.timestamp`: when the job was stored, in epoch milliseconds. */
  createdAt: number;
}

/**
 * The instance of a stored BullMQ job (its id and `timestamp`), as the bridge sees it: the bridge
 * and every check of what a job wrote build it here, so they cannot disagree on what names a job.
 */
export function jobInstanceOf(
  tenantKey: string,
  queue: QueueName,
  job: { id?: string; timestamp: number },
): JobInstance {
  if (job.id === undefined) throw new Error(`A ${queue} job without an id has not been stored`);
  return { tenantKey, queue, jobId: job.id, createdAt: job.timestamp };
}

/** Same for every delivery and attempt of one job and different for any other job: the key of its writes. */
export function jobInstanceKey({ tenantKey, queue, jobId, createdAt }: JobInstance): string {
  return `${tenantKey}/${queue}/${jobId}@${createdAt}`;
}

/**
 * The mark a tracker issue made by a create-issue job carries (a Jira label, an Azure DevOps tag,
 * a comment in a GitHub issue's body). An attempt that died between the tracker's create and the
 * local row leaves the issue behind; the next attempt finds it by this mark and links it instead
 * of creating a second one. A 64-bit FNV-1a digest of the job's key: valid as a label or a tag,
 * short, and it does not spell out the tenant or the job.
 */
export function trackerCreationMark(idempotencyKey: string): string {
  let hash = 0xcbf29ce484222325n;
  for (const byte of new TextEncoder().encode(idempotencyKey)) {
    hash = ((hash ^ BigInt(byte)) * 0x100000001b3n) & 0xffffffffffffffffn;
  }
  return `testplanit-job-${hash.toString(16).padStart(16, '0')}`;
}

/** The workflow running one attempt of one job. */
export function workflowIdForJob(instance: JobInstance, attemptsMade: number): string {
  return `${jobInstanceKey(instance)}/attempt-${attemptsMade}`;
}

/**
 * Several jobs of one tenant run by one workflow (src/bridge/batcher.ts). `digest` is a hash of
 * the members' own workflow ids, computed by the caller (this module stays dependency-free), so
 * the same members always meet the same workflow.
 */
export function batchWorkflowIdFor(tenantKey: string, queue: QueueName, digest: string): string {
  return `${tenantKey}/${queue}/batch-${digest}`;
}

/** A run an operator starts from a CLI; `runId` is unique per invocation. Also its idempotency key. */
export function operatorRunId(tenantKey: string, queue: QueueName, runId: string): string {
  return `${tenantKey}/${queue}/${runId}`;
}

/** One task queue per job family. */
export function taskQueueFor(prefix: string, queue: QueueName): string {
  return `${prefix}-${queue}`;
}

/** `<job-name>-<tenantId>`, or the bare job name in single-tenant mode, as TestPlanIt names its repeatables. */
export function scheduleIdFor(jobName: string, tenantId?: string): string {
  return tenantId ? `${jobName}-${tenantId}` : jobName;
}

/**
 * The workflow id prefix of a schedule's runs; Temporal appends the run's scheduled time, so each
 * run's full workflow id is unique and serves as the run's idempotency key.
 */
export function scheduledWorkflowIdFor(tenantKey: string, queue: QueueName, scheduleId: string): string {
  return `${tenantKey}/${queue}/${scheduleId}`;
}

/** The child workflow id that is the lock keeping two rebuilds of one index apart. */
export function rebuildLockId(tenantKey: string, entity: string, projectId?: number): string {
  return `${tenantKey}/reindex/${entity}${projectId ? `/project-${projectId}` : ''}`;
}

/** One (milestone, user, day) reminder, whatever run of the job sends it. */
export function milestoneReminderKey(milestoneId: number, userId: string, day: string): string {
  return `milestone-due:${milestoneId}:${userId}:${day}`;
}

/**
 * The Valkey keys of this project's own (not BullMQ's) live under this namespace, so an ACL can
 * grant them to the bridge/worker user beside the BullMQ prefixes (tenancy/valkeyAcl.ts).
 */
export const OWN_KEY_NAMESPACE = 'testplanit-workers';

/** Email ledger entry: the email of this tenant and idempotency key was accepted by SMTP. */
export function emailSentKey(tenantKey: string, idempotencyKey: string): string {
  return `${OWN_KEY_NAMESPACE}:email-sent:${tenantKey}:${idempotencyKey}`;
}

/**
 * The idempotency key in a Temporal Schedule's action: a schedule cannot know its runs' ids, so
 * the workflow takes its run's workflow id instead (workflows/origin.ts withRunKey).
 */
export const RUN_KEY_FROM_WORKFLOW = '';

/** A running bridge or worker process announces itself here (TTL-bound; `npm run status`). */
export function processKey(host: string, pid: number): string {
  return `${OWN_KEY_NAMESPACE}:process:${host}:${pid}`;
}

/** Sorted set of processKeys, scored by when each record expires: read without SCAN. */
export const PROCESS_INDEX_KEY = `${OWN_KEY_NAMESPACE}:processes`;
