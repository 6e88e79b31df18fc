/**
 * History bounds for long-running workflows. Temporal warns when one run's history passes 10k
 * events and terminates it at 50k events or 50 MB, and every event is replayed whenever a worker
 * rebuilds the workflow from its history; so a loop that can run for hours must keep its history
 * small whatever the size of the job:
 *
 * - A loop of chunks continues as new at a chunk boundary once the run's history is long
 *   (`runIsLong`): the server's own suggestion, or EVENTS_PER_RUN events, whichever comes first.
 *   A fixed number of chunks per run alone is not enough, because a chunk's events are not fixed
 *   (progress polls while a slow chunk runs, parallel sends, retried failures).
 * - A loop that waits on one long activity cannot continue as new (the activity belongs to the
 *   run), so it polls at a rate that falls as the wait grows (`PollPacer`): the number of polls,
 *   and so the history, grows with the logarithm of the elapsed time up to the interval's cap,
 *   then linearly at one poll per cap, and slower still once the run's history is long.
 *
 * Polls and reports are about showing progress on the BullMQ job; the work itself (the job rows
 * the activities write, the data) does not depend on them, so a slower poll loses nothing but
 * freshness of the progress bar.
 */
import { workflowInfo } from '@temporalio/workflow';
import type { Pacing } from '../jobs/jobInput';

/**
 * Events per run before a chunked loop continues as new. The dev and production servers suggest
 * continue-as-new at 4 Ki events (limit.historyCount.suggestContinueAsNew) already; this is the
 * bound when a server is configured not to.
 */
export const EVENTS_PER_RUN = 4_000;

/** True once this run's history is long enough that a loop should continue as new at its next boundary. */
export function runIsLong(pacing?: Pacing): boolean {
  const info = workflowInfo();
  return info.continueAsNewSuggested || info.historyLength >= (pacing?.eventsPerRun ?? EVENTS_PER_RUN);
}

/** A poll waits at least this share of the time waited so far: about 12 polls per e-fold of the wait. */
const ELAPSED_SHARE = 1 / 12;
/** Beyond EVENTS_PER_RUN (a wait of a day or more at the cap) the cap is this many times longer. */
const LONG_HISTORY_SLOWDOWN = 6;

/**
 * The interval before the next poll, `elapsedMs` into a wait: `firstMs`, or ELAPSED_SHARE of the
 * wait so far once that is longer, at most `capMs`. Pure, so the schedule's bound can be checked
 * without a workflow (test/workflows.test.ts).
 */
export function pollInterval(elapsedMs: number, firstMs: number, capMs: number): number {
  return Math.max(1, Math.round(Math.min(capMs, Math.max(firstMs, elapsedMs * ELAPSED_SHARE))));
}

/**
 * Intervals for polling (or reporting) while something long runs: `first` at the start, then
 * ELAPSED_SHARE of the time since the pacer was made, at most `max`. With a 5-second first and a
 * 5-minute cap, an hour's wait takes about 60 polls and a day's about 340, instead of 720 and
 * 17,280 at a fixed 5 seconds.
 */
export class PollPacer {
  private readonly firstMs: number;
  private readonly maxMs: number;

  /** `startedAt`: when the wait began (workflow time), if before this run. */
  constructor(
    firstMs: number,
    maxMs: number,
    private readonly pacing?: Pacing,
    private readonly startedAt = Date.now(),
  ) {
    const scale = pacing?.timeScale ?? 1;
    this.firstMs = firstMs * scale;
    this.maxMs = maxMs * scale;
  }

  /** Milliseconds to the next poll. */
  next(): number {
    const elapsed = Date.now() - this.startedAt;
    const long = workflowInfo().historyLength >= (this.pacing?.eventsPerRun ?? EVENTS_PER_RUN);
    const cap = long ? this.maxMs * LONG_HISTORY_SLOWDOWN : this.maxMs;
    return pollInterval(elapsed, this.firstMs, cap);
  }

  /** Whether `next()` has passed since `since` (a `Date.now()` of workflow time). */
  due(since: number): boolean {
    return Date.now() - since >= this.next();
  }
}
