/**
 * Progress and log lines of a job workflow, readable by the bridge through the `jobStatus`
 * query while the workflow runs and returned with its result at the end, so the bridge can
 * mirror them onto the BullMQ job for TestPlanIt's admin page.
 */
import { defineQuery, setHandler } from '@temporalio/workflow';
import type { JobStatus } from '../jobs/jobInput';

export const jobStatusQuery = defineQuery<JobStatus>('jobStatus');

/** Old lines are dropped from workflow state beyond this; the bridge has mirrored them by then. */
const MAX_RETAINED_LOG_LINES = 500;

export interface JobCompletion<R> {
  returnValue: R;
  status: JobStatus;
}

export class JobReporter {
  private progress: JobStatus['progress'];
  private logs: string[] = [];
  private logOffset: number;

  /** `carried` continues the status of the run before a continue-as-new, so log numbering goes on. */
  constructor(carried?: Pick<JobStatus, 'progress' | 'logOffset'>) {
    this.progress = carried?.progress ?? 0;
    this.logOffset = carried?.logOffset ?? 0;
    setHandler(jobStatusQuery, () => this.status());
  }

  /** What the next run needs to continue this run's status. */
  carryOver(): Pick<JobStatus, 'progress' | 'logOffset'> {
    return { progress: this.progress, logOffset: this.logOffset + this.logs.length };
  }

  setProgress(progress: JobStatus['progress']): void {
    this.progress = progress;
  }

  log(line: string): void {
    this.logs.push(line);
    if (this.logs.length > MAX_RETAINED_LOG_LINES) {
      const dropped = this.logs.length - MAX_RETAINED_LOG_LINES;
      this.logs = this.logs.slice(dropped);
      this.logOffset += dropped;
    }
  }

  status(): JobStatus {
    return { progress: this.progress, logs: [...this.logs], logOffset: this.logOffset };
  }

  complete<R>(returnValue: R): JobCompletion<R> {
    return { returnValue, status: this.status() };
  }
}
