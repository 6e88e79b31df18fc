/**
 * Turns how a workflow ended into how the BullMQ job ends: the message of the root cause (what
 * actually went wrong, not "Activity task failed"), as a clean sentence, and UnrecoverableError
 * when retrying cannot help (non-retryable application failures, cancellation, termination), so
 * BullMQ does not spend the job's remaining attempts on it.
 */
import { UnrecoverableError } from 'bullmq';
import { WorkflowFailedError } from '@temporalio/client';
import {
  ActivityFailure,
  ApplicationFailure,
  CancelledFailure,
  rootCause,
  TerminatedFailure,
  TimeoutFailure,
} from '@temporalio/common';
import type { FailureReason } from '../operations/metrics';
import { cleanFailureMessage } from '../failures/messages';

function failureChain(error: unknown): unknown[] {
  const chain: unknown[] = [];
  for (let current = error; current && chain.length < 20; current = (current as { cause?: unknown }).cause)
    chain.push(current);
  return chain;
}

export function jobErrorFromWorkflowFailure(error: unknown): Error {
  if (!(error instanceof WorkflowFailedError))
    return new Error(cleanFailureMessage(error instanceof Error ? error.message : String(error)));
  const chain = failureChain(error.cause);
  const message = cleanFailureMessage(rootCause(error.cause) || error.message);
  if (chain.some((e) => e instanceof TerminatedFailure))
    return new UnrecoverableError(`Workflow terminated: ${message}`);
  if (chain.some((e) => e instanceof CancelledFailure)) return new UnrecoverableError(`Workflow cancelled: ${message}`);
  const unrecoverable = chain.some((e) => e instanceof ApplicationFailure && e.nonRetryable);
  return unrecoverable ? new UnrecoverableError(message) : new Error(message);
}

/** The reason class of a workflow's failure, for metrics. */
export function failureReasonOf(error: unknown): FailureReason {
  const chain = failureChain(error instanceof WorkflowFailedError ? error.cause : error);
  if (chain.some((e) => e instanceof TerminatedFailure)) return 'terminated';
  if (chain.some((e) => e instanceof CancelledFailure)) return 'cancelled';
  if (chain.some((e) => e instanceof TimeoutFailure)) return 'timed_out';
  if (chain.some((e) => e instanceof ActivityFailure || e instanceof ApplicationFailure)) return 'activity_failure';
  return 'other';
}
