import type { Prisma } from '@prisma/client';
import type { JobWorkflowInput } from '../jobs/jobInput';
import type { AuditEventPayload } from '../jobs/payloads';
import { logForJob, stableRowId, withTenantDatabase, type ActivityDeps } from './deps';

/**
 * The AuditLog id is derived from the job's idempotency key, so a retried or redelivered
 * activity inserts the same row at most once (INSERT ... ON CONFLICT DO NOTHING).
 */
export function auditLogIdFor(idempotencyKey: string): string {
  return stableRowId('a', idempotencyKey);
}

export function createAuditActivities(deps: ActivityDeps) {
  return {
    /** Writes the AuditLog row as TestPlanIt's audit worker does; returns whether it was new. */
    async recordAuditEvent({ origin, payload }: JobWorkflowInput<AuditEventPayload>): Promise<boolean> {
      const { event, context, queuedAt } = payload;
      return withTenantDatabase(deps, origin, async (db) => {
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
          const project = await db.projects.findUnique({ where: { id: event.projectId }, select: { id: true } });
          if (project) projectId = project.id;
          else metadata.originalProjectId = event.projectId;
        }

        const { count } = await db.auditLog.createMany({
          data: [
            {
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
            },
          ],
          skipDuplicates: true,
        });
        logForJob(deps, origin, `${count === 1 ? 'Recorded' : 'Already recorded'} audit event ${event.action} ${event.entityType}:${event.entityId}`);
        return count === 1;
      });
    },
  };
}

export type AuditActivities = ReturnType<typeof createAuditActivities>;
