/**
 * Heartbeats for long activities. Outside an activity (a test or a CLI calling the function
 * directly) there is no context: heartbeating is then a no-op and there is nothing to resume.
 */
import { Context } from '@temporalio/activity';

function currentContext(): Context | undefined {
  try {
    return Context.current();
  } catch {
    return undefined;
  }
}

/** Tells Temporal the activity is alive, with how far it got if `details` is given. */
export function heartbeat(details?: unknown): void {
  currentContext()?.heartbeat(details);
}

/** Temporal asked this activity to stop (its workflow was cancelled); false outside an activity. */
export function cancellationRequested(): boolean {
  return currentContext()?.cancellationSignal.aborted ?? false;
}

/** The details of the last heartbeat of a previous attempt of this activity, if any. */
export function lastHeartbeat<T>(): T | undefined {
  return currentContext()?.info.heartbeatDetails as T | undefined;
}

/**
 * Heartbeats every `intervalMs` while `work` runs, for activities that are one long database
 * call: a worker that dies is noticed within the heartbeat timeout, not the start-to-close one.
 */
export async function heartbeatingWhile<T>(
  work: () => Promise<T>,
  intervalMs = 5_000,
  /** Also run on every beat (say, to show progress); a failure is logged by `onError`, never thrown. */
  onBeat?: () => Promise<void>,
  onError?: (error: unknown) => void,
): Promise<T> {
  heartbeat();
  const timer = setInterval(() => {
    heartbeat();
    onBeat?.().catch((error: unknown) => onError?.(error));
  }, intervalMs);
  try {
    return await work();
  } finally {
    clearInterval(timer);
  }
}
