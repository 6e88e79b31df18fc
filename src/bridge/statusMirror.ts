/**
 * Copies a workflow's progress and log lines onto its BullMQ job (job.updateProgress, job.log),
 * so TestPlanIt's admin "Job Queues" page and its reindex status route keep working.
 *
 * How many log lines of a workflow were already copied is kept in Redis next to the job, so a
 * bridge that crashed and picks the job up again continues the log instead of repeating it.
 */
import type { Job } from 'bullmq';
import type { Redis } from 'ioredis';
import type { JobStatus } from '../jobs/jobInput';

const MIRROR_STATE_TTL_SECONDS = 30 * 24 * 60 * 60;

export class JobStatusMirror {
  private mirroredLogLines = 0;
  private lastProgress: string;

  constructor(
    private readonly job: Job,
    private readonly redis: Redis,
    private readonly stateKey: string,
    private readonly workflowId: string,
  ) {
    this.lastProgress = JSON.stringify(job.progress ?? 0);
  }

  static stateKeyFor(prefix: string, queue: string, jobId: string): string {
    return `${prefix}:${queue}:${jobId}:bridge-mirror`;
  }

  async load(): Promise<void> {
    const stored = await this.redis.hget(this.stateKey, this.workflowId);
    this.mirroredLogLines = stored ? Number(stored) : 0;
  }

  /** Copies what is new; returns whether anything was. */
  async apply(status: JobStatus): Promise<boolean> {
    let changed = false;
    const progress = JSON.stringify(status.progress);
    if (progress !== this.lastProgress) {
      await this.job.updateProgress(status.progress);
      this.lastProgress = progress;
      changed = true;
    }
    const end = status.logOffset + status.logs.length;
    if (end <= this.mirroredLogLines) return changed;
    for (let index = Math.max(this.mirroredLogLines, status.logOffset); index < end; index += 1) {
      await this.job.log(status.logs[index - status.logOffset]!);
    }
    this.mirroredLogLines = end;
    await this.redis
      .multi()
      .hset(this.stateKey, this.workflowId, String(end))
      .expire(this.stateKey, MIRROR_STATE_TTL_SECONDS)
      .exec();
    return true;
  }
}
