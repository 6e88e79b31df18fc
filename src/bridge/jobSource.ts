/**
 * One BullMQ queue under one prefix, as the bridge consumes it: the shared prefix (any tenant) or a
 * tenant's own prefix (that tenant only). It runs BullMQ's own scripts (moveToActive, extendLocks,
 * moveStalledJobsToWait) on a connection shared by every source, so a bridge serving 200 tenants
 * needs neither a BullMQ Worker nor a blocking connection per tenant and queue (see consumer.ts).
 */
import { array2obj, Job, JobScheduler, QueueBase, Repeat, type JobJsonRaw, type RedisClient } from 'bullmq';
import type { Redis } from 'ioredis';
import type { QueueName } from '../jobs/queues';
import { takeJobs } from './takeJobs';

export interface JobSourceOptions {
  /** The tenant this prefix belongs to; undefined for the shared prefix, where jobs name their tenant. */
  boundTenantId?: string;
  lockDurationMs: number;
  stalledIntervalMs: number;
  maxStalledCount: number;
}

/**
 * What one fetch took: up to the jobs asked for, in the queue's order. Fewer means the queue ran
 * out; then `delayedUntil` says when its next delayed job is due (0: none).
 */
export interface Fetched {
  jobs: Job[];
  delayedUntil: number;
}

/** The states whose depth operators watch. */
export const DEPTH_STATES = ['waiting', 'active', 'delayed', 'prioritized', 'failed'] as const;

const MOVE_TO_ACTIVE_KEYS = [
  'wait',
  'active',
  'prioritized',
  'events',
  'stalled',
  'limiter',
  'delayed',
  'paused',
  'meta',
  'pc',
  'marker',
] as const;

export class JobSource extends QueueBase {
  readonly queue: QueueName;
  readonly prefix: string;
  readonly boundTenantId?: string;
  private scheduler?: Promise<JobScheduler>;
  private repeat?: Promise<Repeat>;

  /**
   * @param connection shared by every source for locks, settlement, logs and progress.
   * @param fetchClient shared by every source for moveToActive alone: Redis serves commands
   *   of one connection in order, so a burst of job logs must not queue ahead of a tenant's next fetch.
   */
  private readonly lockDurationMs: number;
  /** moveToActive's keys, in its order. */
  private readonly takeKeys: string[];

  constructor(
    queue: QueueName,
    prefix: string,
    connection: Redis,
    private readonly fetchClient: RedisClient,
    opts: JobSourceOptions,
  ) {
    super(queue, {
      connection,
      prefix,
      // Read by BullMQ's scripts as a Worker's options would be.
      ...({
        lockDuration: opts.lockDurationMs,
        stalledInterval: opts.stalledIntervalMs,
        maxStalledCount: opts.maxStalledCount,
      } as object),
    });
    this.queue = queue;
    this.prefix = prefix;
    this.boundTenantId = opts.boundTenantId;
    this.lockDurationMs = opts.lockDurationMs;
    this.takeKeys = MOVE_TO_ACTIVE_KEYS.map((key) => this.toKey(key));
  }

  /** `<prefix>:<queue>:marker`: BullMQ adds to it when a job becomes ready or a delay is set. */
  get markerKey(): string {
    return this.toKey('marker');
  }

  /** Takes up to `count` jobs in one script call, each locked with `token` (see takeJobs.ts). */
  async fetch(token: string, count: number): Promise<Fetched> {
    const replies = await takeJobs(this.fetchClient, this.takeKeys, this.toKey(''), token, this.lockDurationMs, count);
    const jobs: Job[] = [];
    let delayedUntil = 0;
    for (const [fields, jobId, , nextDelayedAt] of replies) {
      if (!fields || !jobId) {
        delayedUntil = Number(nextDelayedAt) || 0;
        break;
      }
      const job = Job.fromJSON(this, array2obj(fields) as unknown as JobJsonRaw, jobId);
      job.token = token;
      jobs.push(job);
    }
    // In the queue's order, as a Worker would, so each recurring job's next iteration follows it.
    for (const job of jobs) await this.scheduleNextIteration(job);
    return { jobs, delayedUntil };
  }

  /** BullMQ's counts of this queue's jobs by state, in one script call. */
  async counts(): Promise<Record<(typeof DEPTH_STATES)[number], number>> {
    const values = await this.scripts.getCounts([...DEPTH_STATES]);
    return Object.fromEntries(DEPTH_STATES.map((state, i) => [state, Number(values[i] ?? 0)])) as Record<
      (typeof DEPTH_STATES)[number],
      number
    >;
  }

  /** Renews the locks of these active jobs; returns the ids whose lock was lost. */
  extendLocks(jobIds: string[], tokens: string[], durationMs: number): Promise<string[]> {
    return this.scripts.extendLocks(jobIds, tokens, durationMs);
  }

  /**
   * BullMQ's stalled-job check: active jobs whose lock expired go back to waiting (or fail after
   * maxStalledCount). The script runs at most once per stalledInterval across all consumers.
   */
  moveStalledJobsToWait(): Promise<string[]> {
    return this.scripts.moveStalledJobsToWait();
  }

  /**
   * A repeat or job-scheduler job is followed by its next iteration when it is picked up, as a
   * BullMQ Worker does; the recurring jobs the bridge replaced by Temporal Schedules have no
   * repeatable left (legacyRepeatables.ts), so for them nothing follows.
   */
  private async scheduleNextIteration(job: Job): Promise<void> {
    if (job.repeatJobKey) {
      this.scheduler ??= Promise.resolve(
        this.quiet(new JobScheduler(this.queue, { connection: this.opts.connection, prefix: this.prefix })),
      );
      const scheduler = await this.scheduler;
      // Legacy md5 repeat keys have five or more segments; a scheduler id may too, so ask.
      const legacyShape = job.repeatJobKey.split(':').length >= 5;
      if (!legacyShape || (await scheduler.isJobScheduler(job.repeatJobKey))) {
        await scheduler.upsertJobScheduler(job.repeatJobKey, job.opts.repeat ?? {}, job.name, job.data, job.opts, {
          override: false,
          producerId: job.id,
        });
        return;
      }
    }
    if (job.opts.repeat) {
      this.repeat ??= Promise.resolve(
        this.quiet(new Repeat(this.queue, { connection: this.opts.connection, prefix: this.prefix })),
      );
      await (await this.repeat).updateRepeatableJob(job.name, job.data, job.opts, { override: false });
    }
  }

  /** Helpers share the source's connection, whose errors are logged where it was made. */
  private quiet<T extends QueueBase>(helper: T): T {
    helper.on('error', () => undefined);
    return helper;
  }

  override async close(): Promise<void> {
    const helpers = await Promise.all([this.scheduler, this.repeat]);
    await Promise.all(helpers.map((helper) => helper?.close()));
    await super.close();
  }
}
