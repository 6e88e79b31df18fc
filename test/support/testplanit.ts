/**
 * Enqueues jobs exactly as TestPlanIt's web app does: same queue names, job names, payloads,
 * default job options (lib/queues.ts) and, for audit events, the same job ids (lib/services/auditLog.ts).
 */
import { Queue, type Job } from 'bullmq';
import { QUEUE_SETTINGS, type QueueName } from '../../src/jobs/queues';
import { waitFor } from './processes';
import { services } from './services';

export function testplanitQueue(name: QueueName, prefix: string, redisUrl = services.redisUrl): Queue {
  const url = new URL(redisUrl);
  return new Queue(name, {
    connection: { host: url.hostname, port: Number(url.port || 6379), maxRetriesPerRequest: null },
    prefix,
    defaultJobOptions: QUEUE_SETTINGS[name].defaultJobOptions,
  });
}

export interface AuditEventOptions {
  tenantId?: string;
  entityId: string;
  projectId?: number;
  action?: string;
}

export function auditEventData(options: AuditEventOptions) {
  return {
    event: {
      action: options.action ?? 'CREATE',
      entityType: 'RepositoryCases',
      entityId: options.entityId,
      entityName: `Case ${options.entityId}`,
      changes: { name: { old: null, new: `Case ${options.entityId}` } },
      projectId: options.projectId,
      metadata: { source: 'test' },
    },
    context: {
      ipAddress: '203.0.113.7',
      userAgent: 'jest',
      requestId: `req-${options.entityId}`,
      userId: 'user-admin',
      userEmail: 'admin@example.test',
      userName: 'Admin',
    },
    queuedAt: new Date().toISOString(),
    ...(options.tenantId !== undefined ? { tenantId: options.tenantId } : {}),
  };
}

let sequence = 0;

/** `captureAuditEvent`'s job id: `<action>-<entityType>-<entityId>-<Date.now()>`. */
export async function enqueueAuditEvent(queue: Queue, options: AuditEventOptions) {
  const data = auditEventData(options);
  // Date.now() alone can repeat within a millisecond; TestPlanIt would then dedupe, a test must not.
  const jobId = `${data.event.action}-${data.event.entityType}-${data.event.entityId}-${Date.now()}${sequence++}`;
  return queue.add('audit-event', data, { jobId });
}

/**
 * Waits until the job has completed or failed and returns it as BullMQ stores it then;
 * `context` (say, the worker's log tail) explains a timeout.
 */
export async function jobFinished(queue: Queue, job: Job, timeoutMs: number, context: () => string): Promise<Job> {
  await waitFor(
    async () => (['completed', 'failed'].includes(await queue.getJobState(job.id!)) ? true : undefined),
    timeoutMs,
    () => `job ${job.id} not finished\n${context()}`,
  );
  return (await queue.getJob(job.id!))!;
}
