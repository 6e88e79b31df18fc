import type { JobWorkflowInput } from '../jobs/jobInput';
import type { AuditEventPayload } from '../jobs/payloads';
import type { DatabaseClient } from '../tenancy/prismaPool';
import { toActivityFailure } from '../failures/conversion';
import { logForJob, stableRowId, withTenantDatabase, type ActivityDeps } from './deps';

/**
 * The AuditLog id is derived from the job's idempotency key, so a retried or redelivered
 * activity inserts the same row at most once (INSERT ... ON CONFLICT DO NOTHING).
 */
export function auditLogIdFor(idempotencyKey: string): string {
  return stableRowId('a', idempotencyKey);
}

/** One event of a batch: recorded now, recorded before (a redelivery), or refused with a reason. */
export type AuditEventOutcome = { recorded: boolean } | { error: string; nonRetryable: boolean };

/** One AuditLog row as TestPlanIt's audit worker writes it, before the project check (done in SQL). */
interface AuditRow {
  id: string;
  userId: string | null;
  userEmail: string | null;
  userName: string | null;
  action: string;
  entityType: string;
  entityId: string;
  entityName: string | null;
  changes: unknown;
  metadata: Record<string, unknown> | null;
  projectId: number | null;
}

function auditRow({ origin, payload }: JobWorkflowInput<AuditEventPayload>): AuditRow {
  const { event, context, queuedAt } = payload;
  const metadata: Record<string, unknown> = {
    ...(event.metadata ?? {}),
    ipAddress: context?.ipAddress,
    userAgent: context?.userAgent,
    requestId: context?.requestId,
    queuedAt,
    processedAt: new Date().toISOString(),
  };
  for (const key of Object.keys(metadata)) if (metadata[key] === undefined) delete metadata[key];
  return {
    id: auditLogIdFor(origin.idempotencyKey),
    userId: event.userId || context?.userId || null,
    userEmail: event.userEmail || context?.userEmail || null,
    userName: event.userName || context?.userName || null,
    action: event.action,
    entityType: event.entityType,
    entityId: event.entityId,
    entityName: event.entityName || null,
    changes: event.changes ?? null,
    metadata: Object.keys(metadata).length > 0 ? metadata : null,
    projectId: event.projectId ?? null,
  };
}

/**
 * Writes rows in one statement and returns the ids it inserted (not those already there).
 *
 * Plain SQL rather than Prisma's createManyAndReturn: for a batch of 100 events Prisma's query
 * compiler spends 40-90 ms of the worker's event loop building the statement (measured; this
 * statement costs ~5 ms), time in which no other tenant's workflow task or activity on that worker
 * can run. The rows travel as one JSON parameter, so the statement's text never depends on the data.
 *
 * A project deleted since the event was queued leaves the row without projectId and its id in
 * metadata.originalProjectId, as TestPlanIt's worker does.
 */
async function insertAuditRows(db: DatabaseClient, rows: AuditRow[]): Promise<Set<string>> {
  const inserted = await db.$queryRawUnsafe<Array<{ id: string }>>(
    `INSERT INTO "AuditLog" ("id", "userId", "userEmail", "userName", "action", "entityType", "entityId",
                             "entityName", "changes", "metadata", "projectId")
     SELECT r."id", r."userId", r."userEmail", r."userName", r."action"::"AuditAction", r."entityType", r."entityId",
            r."entityName", r."changes",
            CASE WHEN r."projectId" IS NOT NULL AND p."id" IS NULL
                 THEN coalesce(r."metadata", '{}'::jsonb) || jsonb_build_object('originalProjectId', r."projectId")
                 ELSE r."metadata" END,
            p."id"
       FROM jsonb_to_recordset($1::jsonb) AS r("id" text, "userId" text, "userEmail" text, "userName" text,
                                               "action" text, "entityType" text, "entityId" text, "entityName" text,
                                               "changes" jsonb, "metadata" jsonb, "projectId" int)
       LEFT JOIN "Projects" p ON p."id" = r."projectId"
     ON CONFLICT ("id") DO NOTHING
     RETURNING "id"`,
    JSON.stringify(rows),
  );
  return new Set(inserted.map((row) => row.id));
}

export function createAuditActivities(deps: ActivityDeps) {
  return {
    /** Writes the AuditLog row as TestPlanIt's audit worker does; returns whether it was new. */
    async recordAuditEvent(input: JobWorkflowInput<AuditEventPayload>): Promise<boolean> {
      const { origin, payload } = input;
      return withTenantDatabase(deps, origin, async (db) => {
        const recorded = (await insertAuditRows(db, [auditRow(input)])).size === 1;
        const { event } = payload;
        logForJob(
          deps,
          origin,
          `${recorded ? 'Recorded' : 'Already recorded'} audit event ${event.action} ${event.entityType}:${event.entityId}`,
        );
        return recorded;
      });
    },

    /**
     * Several jobs' events of one tenant in one statement: one round trip instead of one per job.
     * Each keeps its own row id, so a redelivered job that lands in another batch writes nothing
     * twice. If the statement fails on one event's data, the events are written one by one so only
     * that event's job fails, with its own reason.
     */
    async recordAuditEvents(events: JobWorkflowInput<AuditEventPayload>[]): Promise<AuditEventOutcome[]> {
      const origin = events[0]!.origin;
      return withTenantDatabase(deps, origin, async (db) => {
        const rows = events.map(auditRow);
        let created: Set<string>;
        try {
          created = await insertAuditRows(db, rows);
        } catch (error) {
          const failure = toActivityFailure(error) as { nonRetryable?: boolean };
          if (!failure.nonRetryable) throw error;
          return Promise.all(rows.map((row) => recordOne(db, row)));
        }
        logForJob(
          deps,
          origin,
          `Recorded ${created.size} audit events (${rows.length - created.size} already recorded) in one batch`,
        );
        return rows.map((row) => ({ recorded: created.has(row.id) }));
      });
    },
  };
}

async function recordOne(db: DatabaseClient, row: AuditRow): Promise<AuditEventOutcome> {
  try {
    return { recorded: (await insertAuditRows(db, [row])).size === 1 };
  } catch (error) {
    const failure = toActivityFailure(error) as Error & { nonRetryable?: boolean };
    return { error: failure.message, nonRetryable: failure.nonRetryable === true };
  }
}

export type AuditActivities = ReturnType<typeof createAuditActivities>;
