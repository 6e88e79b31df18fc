/**
 * Consumes one TestPlanIt queue under every prefix the bridge serves (the shared one and each
 * tenant's own), in place of one BullMQ Worker per prefix. It keeps a BullMQ Worker's contract with
 * Redis (the same scripts, locks renewed every half lock duration, the stalled-job check, repeat
 * iterations, completion and failure with the job's retries) and differs in three ways:
 * - one blocking connection for all markers (markerWatcher.ts) and one command connection for all
 *   sources, so connections do not grow with tenants;
 * - several jobs per fetch (BullMQ's moveToActive run N times in one script call, takeJobs.ts) and
 *   several fetches in flight at once, so a backlog reaches the fair gate in a few round trips and
 *   a few client-side commands rather than one of each per job;
 * - fetches go round-robin across the prefixes that have jobs, so one tenant's flood does not fill
 *   the in-flight budget before another tenant's first job is even read.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { randomUUID } from 'node:crypto';
import { UnrecoverableError, type Job } from 'bullmq';
import type { QueueName } from '../jobs/queues';
import type { Logger } from '../logging';
import type { JobSource } from './jobSource';
import type { MarkerTarget, MarkerWatcher } from './markerWatcher';
import { MAX_JOBS_PER_TAKE } from './takeJobs';

export type SourceProcessor = (job: Job, token: string, source: JobSource) => Promise<unknown>;

export interface ConsumerOptions {
  /** Jobs held at once (active in Redis and waiting or running here), fetches in flight included. */
  maxInFlight: number;
  /**
   * Jobs held at once from one tenant's own prefix. On the shared prefix every job must be read
   * to reach the ones behind it, so only maxInFlight bounds it; on a tenant's own prefix a flood
   * can wait in Redis, where it costs nothing, while its next jobs are read as it drains.
   */
  maxHeldPerTenantPrefix: number;
  lockDurationMs: number;
  stalledIntervalMs: number;
}

/**
 * Jobs being fetched at once for the whole queue. Each source starts at one after a marker and
 * doubles its share with every fetch that takes all it asked for (back to one when a fetch comes
 * back short), so a backlog drains in a few round trips while a lone job costs one small call.
 */
const FETCH_PIPELINE = 128;
/** Completion and failure are retried this often on a Redis error; then the stalled check redelivers. */
const SETTLE_ATTEMPTS = 5;

interface SourceState {
  source: JobSource;
  /** Set by a marker, a due delay or the periodic sweep; cleared by a fetch that found nothing. */
  ready: boolean;
  /** Bumped whenever `ready` is set, so an empty fetch issued earlier cannot clear a newer signal. */
  readySeq: number;
  /** Jobs asked for by this source's fetches in flight. */
  fetching: number;
  /** How many jobs this source may be fetching at once now (see FETCH_PIPELINE). */
  fetchWindow: number;
  delayTimer?: NodeJS.Timeout;
  /** jobId -> lock token of the jobs this consumer holds. */
  held: Map<string, string>;
  target: MarkerTarget;
}

export class QueueConsumer {
  private readonly sources = new Map<string, SourceState>();
  private readonly consumerId = randomUUID();
  private tokenSeq = 0;
  private inFlight = 0;
  private fetching = 0;
  private rotation = 0;
  private stopped = false;
  private readonly running = new Set<Promise<void>>();
  private lockTimer?: NodeJS.Timeout;
  private stalledTimer?: NodeJS.Timeout;

  constructor(
    readonly queue: QueueName,
    private readonly opts: ConsumerOptions,
    private readonly watcher: MarkerWatcher,
    private readonly processor: SourceProcessor,
    private readonly logger: Logger,
    /** Names the tenant of a stalled job for its log line (the job's own tenantId on the shared prefix). */
    private readonly describeStalled: (source: JobSource, jobId: string) => Promise<{ label: string; tenant?: string }>,
  ) {}

  /** Starts consuming `source` (idempotent per prefix). */
  add(source: JobSource): void {
    if (this.sources.has(source.prefix) || this.stopped) return;
    const state: SourceState = {
      source,
      ready: true,
      readySeq: 0,
      fetching: 0,
      fetchWindow: 1,
      held: new Map(),
      target: {
        markerKey: source.markerKey,
        wantsWork: () => !this.stopped && this.inFlight < this.opts.maxInFlight && this.hasRoom(state),
        onMarker: (dueAt) => this.signal(state, dueAt),
      },
    };
    this.sources.set(source.prefix, state);
    this.watcher.add(state.target);
    this.ensureTimers();
    this.pump();
  }

  get prefixes(): string[] {
    return [...this.sources.keys()];
  }

  /** The sources consumed, for depth sampling. */
  get consumedSources(): JobSource[] {
    return [...this.sources.values()].map((state) => state.source);
  }

  /** Still taking jobs (not stopped). */
  get consuming(): boolean {
    return !this.stopped;
  }

  /** Stops fetching; jobs already held go on until they settle (see drain). */
  stopFetching(): void {
    this.stopped = true;
    clearTimeout(this.stalledTimer);
    for (const state of this.sources.values()) {
      clearTimeout(state.delayTimer);
      this.watcher.remove(state.target);
    }
  }

  /** Waits for every held job to settle, then stops renewing locks. */
  async drain(): Promise<void> {
    while (this.running.size > 0) await Promise.allSettled([...this.running]);
    clearTimeout(this.lockTimer);
  }

  async close(): Promise<void> {
    this.stopFetching();
    await this.drain();
    await Promise.all([...this.sources.values()].map((state) => state.source.close()));
  }

  private signal(state: SourceState, dueAt: number): void {
    if (dueAt > Date.now()) {
      // A delayed job: BullMQ's moveToActive promotes it once it is due.
      clearTimeout(state.delayTimer);
      state.delayTimer = setTimeout(() => this.signal(state, 0), dueAt - Date.now());
      return;
    }
    state.ready = true;
    state.readySeq++;
    this.pump();
  }

  /**
   * Issues fetches round-robin across ready sources while the budget and the pipeline allow; each
   * asks for as many jobs as the source's window, the budget and its tenant's room leave.
   */
  private pump(): void {
    if (this.stopped) return;
    const states = [...this.sources.values()];
    while (this.inFlight < this.opts.maxInFlight && this.fetching < FETCH_PIPELINE) {
      let picked: SourceState | undefined;
      let count = 0;
      for (let i = 0; i < states.length; i++) {
        const state = states[(this.rotation + i) % states.length]!;
        count = state.ready
          ? Math.min(
              state.fetchWindow - state.fetching,
              this.roomOf(state),
              this.opts.maxInFlight - this.inFlight,
              FETCH_PIPELINE - this.fetching,
              MAX_JOBS_PER_TAKE,
            )
          : 0;
        if (count > 0) {
          picked = state;
          this.rotation = (this.rotation + i + 1) % states.length;
          break;
        }
      }
      if (!picked) return;
      this.fetchFrom(picked, count);
    }
  }

  /** How many more jobs `state` may hold (see maxHeldPerTenantPrefix). */
  private roomOf(state: SourceState): number {
    return state.source.boundTenantId === undefined
      ? Number.POSITIVE_INFINITY
      : this.opts.maxHeldPerTenantPrefix - state.held.size - state.fetching;
  }

  private hasRoom(state: SourceState): boolean {
    return this.roomOf(state) > 0;
  }

  /** Fetches up to `count` jobs; the budget holds a slot for each until the fetch says how many came. */
  private fetchFrom(state: SourceState, count: number): void {
    const token = `${this.consumerId}:${this.tokenSeq++}`;
    const seq = state.readySeq;
    this.inFlight += count;
    this.fetching += count;
    state.fetching += count;
    state.source
      .fetch(token, count)
      .then(
        (fetched) => {
          // Slots asked for and not filled go back; taken jobs keep theirs until they settle.
          this.inFlight -= count - fetched.jobs.length;
          if (fetched.jobs.length === count) {
            state.fetchWindow = Math.min(state.fetchWindow * 2, FETCH_PIPELINE);
          } else {
            state.fetchWindow = 1;
            if (state.readySeq === seq) state.ready = false;
            if (fetched.delayedUntil > 0) this.signal(state, fetched.delayedUntil);
          }
          state.fetching -= count;
          for (const job of fetched.jobs) this.hold(state, job, token);
        },
        (error: unknown) => {
          this.inFlight -= count;
          state.fetching -= count;
          if (state.readySeq === seq) state.ready = false;
          this.logger.warn(`Fetching from ${state.source.prefix}:${this.queue} failed: ${(error as Error).message}`);
          // The periodic sweep tries again; a marker may also wake the source sooner.
        },
      )
      .finally(() => {
        this.fetching -= count;
        this.pump();
        this.watcher.wake();
      });
  }

  /** Runs a fetched job through the processor and settles it in Redis; the budget slot is held until then. */
  private hold(state: SourceState, job: Job, token: string): void {
    const jobId = job.id!;
    state.held.set(jobId, token);
    const run = this.run(state, job, token).finally(() => {
      const wasFull = !this.hasRoom(state);
      state.held.delete(jobId);
      if (wasFull) {
        // Its marker may have been left in Redis meanwhile.
        state.ready = true;
        state.readySeq++;
      }
      // Full until now: markers were left in Redis meanwhile, so every source is worth a look.
      if (this.inFlight-- === this.opts.maxInFlight) this.markAllReady();
      this.running.delete(run);
      this.pump();
      this.watcher.wake();
    });
    this.running.add(run);
  }

  private async run(state: SourceState, job: Job, token: string): Promise<void> {
    let outcome: { ok: true; value: unknown } | { ok: false; error: Error };
    try {
      // A job the scripts marked as failing before it ran (a flow dependency) fails as it is.
      if (job.deferredFailure) throw new UnrecoverableError(job.deferredFailure);
      outcome = { ok: true, value: await this.processor(job, token, state.source) };
    } catch (error) {
      outcome = { ok: false, error: error instanceof Error ? error : new Error(String(error)) };
    }
    // The processor handed the job back to waiting itself (shutdown): nothing to settle.
    if (!outcome.ok && outcome.error.name === 'WaitingError') return;
    await this.settle(job, () =>
      outcome.ok ? job.moveToCompleted(outcome.value, token, false) : job.moveToFailed(outcome.error, token, false),
    );
  }

  private async settle(job: Job, move: () => Promise<unknown>): Promise<void> {
    for (let attempt = 1; ; attempt++) {
      try {
        await move();
        return;
      } catch (error) {
        const message = (error as Error).message;
        // A lost lock means the job was redelivered elsewhere: nothing left to settle here.
        if (
          /Missing lock|Missing key|not in the active state|Lock mismatch/.test(message) ||
          attempt >= SETTLE_ATTEMPTS
        ) {
          this.logger.warn(
            `Could not settle ${this.queue} job ${job.id} in Redis: ${message}; the stalled check redelivers it if needed`,
          );
          return;
        }
        await sleep(attempt * 500);
      }
    }
  }

  private markAllReady(): void {
    for (const state of this.sources.values()) {
      state.ready = true;
      state.readySeq++;
    }
    this.pump();
  }

  private ensureTimers(): void {
    if (!this.lockTimer) this.scheduleLockRenewal();
    if (!this.stalledTimer && !this.stopped) this.stalledTimer = setTimeout(() => void this.checkStalled(), 0);
  }

  /** Renews the locks of held jobs every half lock duration, one call per source. */
  private scheduleLockRenewal(): void {
    this.lockTimer = setTimeout(() => {
      void (async () => {
        await Promise.all(
          [...this.sources.values()].map(async (state) => {
            if (state.held.size === 0) return;
            const ids = [...state.held.keys()];
            const lost = await state.source
              .extendLocks(
                ids,
                ids.map((id) => state.held.get(id)!),
                this.opts.lockDurationMs,
              )
              .catch((error: unknown) => {
                this.logger.warn(
                  `Renewing ${ids.length} locks on ${state.source.prefix}:${this.queue} failed: ${(error as Error).message}`,
                );
                return [];
              });
            for (const jobId of lost)
              this.logger.warn(
                `Lost the lock of ${this.queue} job ${jobId} on ${state.source.prefix}; it may be redelivered`,
              );
          }),
        );
        if (!this.stopped || this.running.size > 0) this.scheduleLockRenewal();
        else this.lockTimer = undefined;
      })();
    }, this.opts.lockDurationMs / 2);
  }

  /**
   * BullMQ's stalled check for every source, then a sweep: each source is fetched from once,
   * in case a marker was taken by a consumer that died before reading the job.
   */
  private async checkStalled(): Promise<void> {
    for (const state of [...this.sources.values()]) {
      if (this.stopped) return;
      try {
        const stalled = await state.source.moveStalledJobsToWait();
        for (const jobId of stalled) {
          const { label, tenant } = await this.describeStalled(state.source, jobId);
          this.logger.warn(
            `${this.queue} job ${jobId} for tenant ${label} stalled; it is redelivered and reattaches to its own workflow, or joins a new batch whose writes skip what the old one did`,
            { tenant },
          );
        }
      } catch (error) {
        this.logger.warn(
          `Stalled-job check on ${state.source.prefix}:${this.queue} failed: ${(error as Error).message}`,
        );
      }
    }
    this.markAllReady();
    if (!this.stopped) this.stalledTimer = setTimeout(() => void this.checkStalled(), this.opts.stalledIntervalMs);
  }
}
