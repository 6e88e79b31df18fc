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
  /** Undefined until read from Redis (lazily, so a Redis error there is one `apply` that fails). */
  private mirroredLogLines: number | undefined;
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

  private async mirroredSoFar(): Promise<number> {
    if (this.mirroredLogLines === undefined) {
      const stored = await this.redis.hget(this.stateKey, this.workflowId);
      this.mirroredLogLines = stored ? Number(stored) : 0;
    }
    return this.mirroredLogLines;
  }

  /**
   * Copies what is new; returns whether anything was. Throws Redis's errors; a later call goes on
   * from what was copied (each log line is counted once written).
   */
  async apply(status: JobStatus): Promise<boolean> {
    let mirrored = await this.mirroredSoFar();
    let changed = false;
    const progress = JSON.stringify(status.progress);
    if (progress !== this.lastProgress) {
      await this.job.updateProgress(status.progress);
      this.lastProgress = progress;
      changed = true;
    }
    const end = status.logOffset + status.logs.length;
    if (end <= mirrored) return changed;
    for (let index = Math.max(mirrored, status.logOffset); index < end; index += 1) {
      await this.job.log(status.logs[index - status.logOffset]!);
      this.mirroredLogLines = mirrored = index + 1;
    }
    await this.redis
      .multi()
      .hset(this.stateKey, this.workflowId, String(end))
      .expire(this.stateKey, MIRROR_STATE_TTL_SECONDS)
      .exec();
    return true;
  }
}
