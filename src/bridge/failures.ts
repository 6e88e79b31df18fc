/**
 * Turns how a workflow ended into how the BullMQ job ends: the message of the innermost cause
 * (what actually went wrong, not "Activity task failed"), and UnrecoverableError when retrying
 * cannot help (non-retryable application failures, cancellation, termination), so BullMQ does
 * not spend the job's remaining attempts on it.
 */
import { UnrecoverableError } from 'bullmq';
import { WorkflowFailedError } from '@temporalio/client';
import { ApplicationFailure, CancelledFailure, TemporalFailure, TerminatedFailure } from '@temporalio/common';

function failureChain(error: unknown): unknown[] {
  const chain: unknown[] = [];
  let current: unknown = error;
  while (current && chain.length < 20) {
    chain.push(current);
    current = (current as { cause?: unknown }).cause;
  }
  return chain;
}

export function jobErrorFromWorkflowFailure(error: unknown): Error {
  if (!(error instanceof WorkflowFailedError)) return error instanceof Error ? error : new Error(String(error));
  const chain = failureChain(error.cause);
  const innermost = chain.filter((e): e is TemporalFailure => e instanceof TemporalFailure).at(-1);
  const message = innermost?.message || error.message;
  const unrecoverable = chain.some(
    (e) =>
      (e instanceof ApplicationFailure && e.nonRetryable) ||
      e instanceof CancelledFailure ||
      e instanceof TerminatedFailure,
  );
  if (chain.some((e) => e instanceof TerminatedFailure)) return new UnrecoverableError(`Workflow terminated: ${message}`);
  if (chain.some((e) => e instanceof CancelledFailure)) return new UnrecoverableError(`Workflow cancelled: ${message}`);
  return unrecoverable ? new UnrecoverableError(message) : new Error(message);
}
