/**
 * Runs the jobs of a batchable route (see JobRoute.batchWorkflowType) that wait for the same
 * tenant's turn as one workflow. A workflow per audit event costs the Temporal server a start, a
 * task and a completion, more than the insert itself; under load a tenant's events now share them.
 *
 * Batches form by themselves, with no added delay: a job that finds its tenant without a pending
 * turn asks the fair gate for one; jobs of that tenant arriving meanwhile join it; when the turn
 * comes, everything pending (up to maxJobs and maxBytes) starts as one workflow, and whatever
 * arrives after asks for the next turn. A lone job is a batch of one and starts at once; a flood
 * makes large batches, and each batch is one turn, so other tenants keep theirs. A tenant with a
 * backlog (a full batch's worth pending) has one batch running at a time: while it runs, the
 * tenant's next jobs gather into the next batch, so a flood moves in full batches instead of many
 * small ones at once, and other tenants' jobs do not queue behind its inserts for the workers'
 * slots. Measured with bench:fairness: the same throughput as two batches at a time, a third less
 * of the quiet tenant's tail latency; counting running jobs instead (several small batches)
 * fragmented floods and cost a third of throughput. A tenant without a backlog may run a second
 * batch, so its next job does not wait for the previous batch's workflow to close: that wait was
 * the largest part of a quiet tenant's latency, alone as beside a flood (bench:fairness's legs).
 *
 * Every job keeps its own outcome. The batch's workflow id is derived from its members' workflow
 * ids, so the same members attach to the same workflow; a job redelivered into a different batch
 * runs again there, which is why only families whose writes are keyed on the job batch.
 */
import { createHash } from 'node:crypto';
import { batchWorkflowIdFor } from '../jobs/ids';
import {
  describeTenant,
  type JobBatchInput,
  type JobBatchOutcome,
  type JobBatchResult,
  type JobWorkflowInput,
} from '../jobs/jobInput';
import type { QueueName } from '../jobs/queues';
import type { JobRoute, WorkflowName } from '../jobs/routes';
import type { Logger } from '../logging';
import type { ResolvedTenant } from '../tenancy/registry';
import type { FairGate } from './fairGate';
import { WorkflowStartRefused, type StartOrAttach } from './starter';

export interface BatchMember {
  input: JobWorkflowInput<unknown>;
  /** The workflow id the job would have alone. */
  workflowId: string;
  /** Size of its payload as JSON: batches stay under Temporal's payload limits. */
  bytes: number;
  /** Called when the workflow the job runs in has started. */
  onStart?(workflowId: string): void;
}

export type BatchSettlement =
  /** The batch ran; this is the job's own outcome in it. */
  | { kind: 'settled'; outcome: JobBatchOutcome<unknown>; batchWorkflowId: string; batchSize: number }
  /** The batch's workflow failed as a whole (every attempt of its activity failed, say). */
  | { kind: 'failed'; error: unknown; batchWorkflowId: string }
  /** Temporal refused the batch (too large, say): run the job on its own. */
  | { kind: 'alone' }
  /** The bridge is stopping: hand the job back; its batch, if started, goes on in Temporal. */
  | { kind: 'handBack' };

export interface BatchLimits {
  maxJobs: number;
  maxBytes: number;
}

interface Pending {
  member: BatchMember;
  settle(settlement: BatchSettlement): void;
}

interface Lane {
  pending: Pending[];
  /** Sum of the pending members' bytes, kept as they come and go (a flood's lane holds thousands). */
  pendingBytes: number;
  turnRequested: boolean;
  /** Batches of this tenant started and not yet settled. */
  running: number;
}

/** Batches of one tenant running at once; a second is asked for only while the tenant has no backlog. */
const MAX_RUNNING_BATCHES_PER_TENANT = 2;

export interface BatcherDeps {
  gate: FairGate;
  startOrAttach: StartOrAttach;
  shutdown: AbortSignal;
  logger: Logger;
}

export class JobBatcher {
  private readonly lanes = new Map<string, Lane>();

  constructor(
    private readonly queue: QueueName,
    private readonly route: JobRoute,
    private readonly batchWorkflowType: WorkflowName,
    private readonly limits: BatchLimits,
    private readonly deps: BatcherDeps,
  ) {}

  submit(tenant: ResolvedTenant, member: BatchMember): Promise<BatchSettlement> {
    return new Promise((settle) => {
      let lane = this.lanes.get(tenant.key);
      if (!lane) {
        lane = { pending: [], pendingBytes: 0, turnRequested: false, running: 0 };
        this.lanes.set(tenant.key, lane);
      }
      lane.pending.push({ member, settle });
      lane.pendingBytes += member.bytes;
      this.maybeRequestTurn(tenant, lane);
    });
  }

  /** A full batch's worth of jobs pending: the tenant's batches run one at a time. */
  private backlogged(lane: Lane): boolean {
    return lane.pending.length >= this.limits.maxJobs || lane.pendingBytes >= this.limits.maxBytes;
  }

  private maybeRequestTurn(tenant: ResolvedTenant, lane: Lane): void {
    if (lane.turnRequested || lane.pending.length === 0) return;
    if (lane.running >= MAX_RUNNING_BATCHES_PER_TENANT || (lane.running > 0 && this.backlogged(lane))) return;
    lane.turnRequested = true;
    this.deps.gate.acquire(tenant.key, this.deps.shutdown).then(
      (release) => {
        lane.turnRequested = false;
        const batch = this.take(lane);
        lane.running += 1;
        this.maybeRequestTurn(tenant, lane);
        void this.run(tenant, batch).finally(() => {
          release();
          lane.running -= 1;
          if (lane.pending.length === 0 && lane.running === 0 && !lane.turnRequested) this.lanes.delete(tenant.key);
          else this.maybeRequestTurn(tenant, lane);
        });
      },
      () => {
        // The bridge is stopping: nothing pending of this tenant starts.
        lane.turnRequested = false;
        lane.pendingBytes = 0;
        for (const pending of lane.pending.splice(0)) pending.settle({ kind: 'handBack' });
        if (lane.running === 0) this.lanes.delete(tenant.key);
      },
    );
  }

  /** The oldest pending jobs, up to the limits; always at least one. */
  private take(lane: Lane): Pending[] {
    let bytes = 0;
    let count = 0;
    while (count < lane.pending.length && count < this.limits.maxJobs) {
      const next = lane.pending[count]!.member.bytes;
      if (count > 0 && bytes + next > this.limits.maxBytes) break;
      bytes += next;
      count += 1;
    }
    lane.pendingBytes -= bytes;
    return lane.pending.splice(0, count);
  }

  /**
   * A batch of one runs the route's own workflow under the job's own id, exactly as without
   * batching: a lone job looks the same to operators. Larger batches run the batch workflow.
   */
  private async run(tenant: ResolvedTenant, batch: Pending[]): Promise<void> {
    const alone = batch.length === 1;
    const workflowId = alone
      ? batch[0]!.member.workflowId
      : batchWorkflowIdFor(tenant.key, this.queue, membersDigest(batch));
    const input: JobBatchInput<unknown> | JobWorkflowInput<unknown> = alone
      ? batch[0]!.member.input
      : { jobs: batch.map((pending) => pending.member.input) };
    const settleAll = (settlement: BatchSettlement) => batch.forEach((pending) => pending.settle(settlement));
    try {
      const handle = await this.deps.startOrAttach({
        workflowType: alone ? this.route.workflowType : this.batchWorkflowType,
        workflowId,
        queue: this.queue,
        jobName: batch[0]!.member.input.origin.jobName,
        workflowTaskTimeoutMs: this.route.workflowTaskTimeoutMs,
        args: [input],
        tenantKey: tenant.key,
        tenantLabel: describeTenant(tenant.tenantId),
      });
      if (!handle) return settleAll({ kind: 'handBack' });
      for (const pending of batch) pending.member.onStart?.(workflowId);
      const result = await untilAborted(handle.result(), this.deps.shutdown);
      if (result === ABORTED) return settleAll({ kind: 'handBack' });
      const outcomes: JobBatchOutcome<unknown>[] = alone
        ? [{ ok: true, returnValue: (result as { returnValue: unknown }).returnValue }]
        : (result as JobBatchResult<unknown>).outcomes;
      batch.forEach((pending, index) =>
        pending.settle({
          kind: 'settled',
          outcome: outcomes[index]!,
          batchWorkflowId: workflowId,
          batchSize: batch.length,
        }),
      );
    } catch (error) {
      if (error instanceof WorkflowStartRefused) {
        this.deps.logger.warn(
          `${this.queue}: Temporal refused a batch of ${batch.length} jobs for tenant ${describeTenant(tenant.tenantId)}; running them one by one: ${error.message}`,
          {
            tenant: tenant.key,
          },
        );
        return settleAll({ kind: 'alone' });
      }
      settleAll({ kind: 'failed', error, batchWorkflowId: workflowId });
    }
  }
}

/** The same members always give the same digest, whatever order they arrived in. */
function membersDigest(batch: Pending[]): string {
  const ids = batch.map((pending) => pending.member.workflowId).sort();
  return createHash('sha256').update(ids.join('\n')).digest('hex').slice(0, 20);
}

const ABORTED = Symbol('aborted');

/** `work`'s value, or ABORTED as soon as `signal` aborts; the listener does not outlive the call. */
async function untilAborted<T>(work: Promise<T>, signal: AbortSignal): Promise<T | typeof ABORTED> {
  if (signal.aborted) return ABORTED;
  let onAbort: (() => void) | undefined;
  const aborted = new Promise<typeof ABORTED>((resolve) => {
    onAbort = () => resolve(ABORTED);
    signal.addEventListener('abort', onAbort, { once: true });
  });
  try {
    return await Promise.race([work, aborted]);
  } finally {
    signal.removeEventListener('abort', onAbort!);
  }
}
