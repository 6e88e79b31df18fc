/**
 * A failure reason is a sentence for TestPlanIt's admin "Job Queues" page and for log lines: never
 * a source path, a code frame, a stack trace or a connection URL's password. Prisma, for one, puts the calling file, line and a
 * code excerpt into its messages; Node puts stacks into some. Dependency-free, so the worker's
 * failure conversion and the bridge's last line of defence use the same rules.
 */

import { redactCredentials } from '../redaction';

/** Long enough for a list of rejected ids or a tracker's answer; beyond it a reason is noise. */
const MAX_REASON_LENGTH = 2_000;

const STACK_FRAME = /^\s*at\s+\S/;
/** A line of Prisma's code frame, which follows its invocation line: `  92 const x = …`, `→ 95   await db.x.create(`. */
const CODE_FRAME = /^\s*(?:→\s*)?\d+(?:\s|$)/;
const LOCATION_ONLY = /^\s*(?:file:\/\/)?(?:\/|[A-Za-z]:\\)\S*:\d+(?::\d+)?\s*$/;
/** An absolute path with a line number inside a sentence. */
const INLINE_LOCATION = /\s*(?:\(|\bin\s+)?(?:file:\/\/)?(?:\/[\w.@+-]+)+\.(?:[cm]?[jt]s|tsx?):\d+(?::\d+)?\)?/g;
/** Prisma's "Invalid `db.x.create()` invocation in" lead-in, kept without the "in". */
const PRISMA_INVOCATION = /^(Invalid `[^`]+` invocation)(?:\s+in)?:?\s*$/;

export function cleanFailureMessage(message: string): string {
  message = redactCredentials(message);
  const kept: string[] = [];
  let inCodeFrame = false;
  for (const raw of message.split(/\r?\n/)) {
    const line = raw.trimEnd();
    if (!line.trim() || STACK_FRAME.test(line) || LOCATION_ONLY.test(line)) continue;
    if (inCodeFrame && CODE_FRAME.test(line)) continue;
    const invocation = PRISMA_INVOCATION.exec(line.trim());
    inCodeFrame = invocation !== null;
    kept.push(invocation ? `${invocation[1]}:` : line.replace(INLINE_LOCATION, '').trim());
  }
  const sentence = kept.join(' ').replace(/\s+/g, ' ').replace(/:\s*$/, '').trim();
  const reason = sentence || 'Unknown error';
  return reason.length > MAX_REASON_LENGTH ? `${reason.slice(0, MAX_REASON_LENGTH - 1)}…` : reason;
}
