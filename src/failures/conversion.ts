/**
 * The one place where whatever an activity throws becomes a Temporal failure, applied to every
 * activity (local ones too) by an inbound interceptor, so activities throw what is natural to
 * them and the rules live here:
 * - the message becomes a clean sentence (no source path, code frame or stack; see
 *   failures/messages.ts), since it ends up as the BullMQ job's failure reason;
 * - Prisma's data errors (a foreign key, unique, check or null constraint, a value out of range, a
 *   record not found) are non-retryable: the same write fails the same way on every attempt.
 *   Connection, pool, serialization and deadlock errors stay retryable. With the pg driver
 *   adapter some database errors arrive unmapped, carrying PostgreSQL's SQLSTATE: classes 22
 *   (data exception) and 23 (integrity constraint violation) are data errors; the same rule
 *   applies to a raw statement's failure (P2010), whose SQLSTATE Prisma keeps in its meta;
 * - ApplicationFailures keep their type, retryability, details and retry delay;
 * - cancellation passes through untouched.
 * Failures raised on purpose come from the table in types.ts (`failure()`); the dynamic types
 * made here (`Prisma<code>`, `Postgres<SQLSTATE>`, an error's name) are listed there too.
 */
import { Prisma } from '@prisma/client';
import { ApplicationFailure, CancelledFailure } from '@temporalio/common';
import type { ActivityInboundCallsInterceptor, ActivityInterceptorsFactory } from '@temporalio/worker';
import { cleanFailureMessage } from './messages';

/** Prisma P2xxx codes that a retry can cure: pool timeout, interactive transaction trouble, write conflict or deadlock. */
const RETRYABLE_PRISMA_DATA_CODES = new Set(['P2024', 'P2028', 'P2034']);

/** Prisma's code for a raw statement PostgreSQL refused; the SQLSTATE is in its meta. */
const RAW_QUERY_FAILED = 'P2010';

/** SQLSTATE classes 22 (data exception) and 23 (integrity constraint violation): the same data fails again. */
function isDataErrorState(sqlState: string): boolean {
  return sqlState.startsWith('22') || sqlState.startsWith('23');
}

/** The SQLSTATE in a pg driver adapter error's cause (`originalCode` when the adapter mapped it to a kind). */
function adapterSqlState(
  cause: { kind?: unknown; code?: unknown; originalCode?: unknown } | undefined,
): string | undefined {
  if (typeof cause?.originalCode === 'string') return cause.originalCode;
  return cause?.kind === 'postgres' && typeof cause.code === 'string' ? cause.code : undefined;
}

/** The SQLSTATE of a database error the pg driver adapter passed on without a Prisma code. */
function postgresSqlState(error: unknown): string | undefined {
  return adapterSqlState((error as { cause?: Parameters<typeof adapterSqlState>[0] } | undefined)?.cause);
}

/** The SQLSTATE of a raw statement's failure (P2010): in the driver adapter's error, or Prisma's own meta.code. */
function rawStatementSqlState(error: Prisma.PrismaClientKnownRequestError): string | undefined {
  const meta = error.meta as
    { code?: unknown; driverAdapterError?: { cause?: Parameters<typeof adapterSqlState>[0] } } | undefined;
  return adapterSqlState(meta?.driverAdapterError?.cause) ?? (typeof meta?.code === 'string' ? meta.code : undefined);
}

export function toActivityFailure(error: unknown): unknown {
  if (error instanceof CancelledFailure) return error;
  if (error instanceof ApplicationFailure) {
    const message = cleanFailureMessage(error.message);
    if (message === error.message) return error;
    return ApplicationFailure.create({
      message,
      type: error.type ?? undefined,
      nonRetryable: error.nonRetryable ?? undefined,
      details: error.details ? [...error.details] : undefined,
      nextRetryDelay: error.nextRetryDelay ?? undefined,
      category: error.category ?? undefined,
    });
  }
  if (error instanceof Prisma.PrismaClientKnownRequestError) {
    // A raw statement's failure (P2010) carries PostgreSQL's SQLSTATE: only a data error is final,
    // not a database that is down, missing for now or out of connections.
    const rawSqlState = error.code === RAW_QUERY_FAILED ? rawStatementSqlState(error) : undefined;
    const dataError =
      typeof rawSqlState === 'string'
        ? isDataErrorState(rawSqlState)
        : error.code.startsWith('P2') &&
          error.code !== RAW_QUERY_FAILED &&
          !RETRYABLE_PRISMA_DATA_CODES.has(error.code);
    return ApplicationFailure.create({
      message: cleanFailureMessage(error.message),
      type: `Prisma${error.code}`,
      nonRetryable: dataError,
    });
  }
  if (error instanceof Prisma.PrismaClientValidationError) {
    return ApplicationFailure.create({
      message: cleanFailureMessage(error.message),
      type: 'PrismaValidationError',
      nonRetryable: true,
    });
  }
  const sqlState = postgresSqlState(error);
  if (sqlState) {
    const dataError = isDataErrorState(sqlState);
    return ApplicationFailure.create({
      message: cleanFailureMessage((error as Error).message),
      type: `Postgres${sqlState}`,
      nonRetryable: dataError,
    });
  }
  const cause = error instanceof Error ? error : new Error(String(error));
  return ApplicationFailure.create({
    message: cleanFailureMessage(cause.message),
    type: cause.name,
    nonRetryable: false,
  });
}

const convertFailures: ActivityInboundCallsInterceptor = {
  async execute(input, next) {
    try {
      return await next(input);
    } catch (error) {
      throw toActivityFailure(error);
    }
  },
};

export const activityFailureInterceptors: ActivityInterceptorsFactory = () => ({ inbound: convertFailures });
