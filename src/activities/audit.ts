import type { Prisma } from '@prisma/client';
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

/** The row TestPlanIt's audit worker writes for one event; `liveProjects` are the referenced projects that exist. */
function auditRow(
  { origin, payload }: JobWorkflowInput<AuditEventPayload>,
  liveProjects: Set<number>,
): Prisma.AuditLogCreateManyInput {
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
  // The project may have been deleted since the event was queued; keep its id in metadata.
  let projectId: number | null = null;
  if (event.projectId !== undefined) {
    if (liveProjects.has(event.projectId)) projectId = event.projectId;
    else metadata.originalProjectId = event.projectId;
  }
  return {
    id: auditLogIdFor(origin.idempotencyKey),
    userId: event.userId || context?.userId || null,
    userEmail: event.userEmail || context?.userEmail || null,
    userName: event.userName || context?.userName || null,
    action: event.action,
    entityType: event.entityType,
    entityId: event.entityId,
    entityName: event.entityName || null,
    changes: event.changes as Prisma.InputJsonValue | undefined,
    metadata: Object.keys(metadata).length > 0 ? (metadata as Prisma.InputJsonValue) : undefined,
    projectId,
  };
}

async function liveProjectsOf(db: DatabaseClient, events: JobWorkflowInput<AuditEventPayload>[]): Promise<Set<number>> {
  const ids = [...new Set(events.map((e) => e.payload.event.projectId).filter((id): id is number => id !== undefined))];
  if (ids.length === 0) return new Set();
  const rows = await db.projects.findMany({ where: { id: { in: ids } }, select: { id: true } });
  return new Set(rows.map((row) => row.id));
}

export function createAuditActivities(deps: ActivityDeps) {
  return {
    /** Writes the AuditLog row as TestPlanIt's audit worker does; returns whether it was new. */
    async recordAuditEvent(input: JobWorkflowInput<AuditEventPayload>): Promise<boolean> {
      const { origin, payload } = input;
      return withTenantDatabase(deps, origin, async (db) => {
        const { count } = await db.auditLog.createMany({
          data: [auditRow(input, await liveProjectsOf(db, [input]))],
          skipDuplicates: true,
        });
        const { event } = payload;
        logForJob(
          deps,
          origin,
          `${count === 1 ? 'Recorded' : 'Already recorded'} audit event ${event.action} ${event.entityType}:${event.entityId}`,
        );
        return count === 1;
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
        const live = await liveProjectsOf(db, events);
        const rows = events.map((event) => auditRow(event, live));
        let created: Set<string>;
        try {
          const inserted = await db.auditLog.createManyAndReturn({
            data: rows,
            skipDuplicates: true,
            select: { id: true },
          });
          created = new Set(inserted.map((row) => row.id));
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
        return rows.map((row) => ({ recorded: created.has(row.id!) }));
      });
    },
  };
}

async function recordOne(db: DatabaseClient, row: Prisma.AuditLogCreateManyInput): Promise<AuditEventOutcome> {
  try {
    const { count } = await db.auditLog.createMany({ data: [row], skipDuplicates: true });
    return { recorded: count === 1 };
  } catch (error) {
    const failure = toActivityFailure(error) as Error & { nonRetryable?: boolean };
    return { error: failure.message, nonRetryable: failure.nonRetryable === true };
  }
}

export type AuditActivities = ReturnType<typeof createAuditActivities>;
