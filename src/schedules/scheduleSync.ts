/**
 * Creates, updates and removes the Temporal Schedules of the recurring jobs so that exactly one
 * exists per configured tenant and recurring job. Idempotent: a schedule already as desired is
 * left untouched. Only schedules this deployment manages (memo `managedBy` and the same task
 * queue prefix) are ever changed or removed.
 */
import { createHash } from 'node:crypto';
import {
  ScheduleNotFoundError,
  ScheduleOverlapPolicy,
  type Client,
  type ScheduleDescription,
  type ScheduleOptions,
} from '@temporalio/client';
import type { Duration } from '@temporalio/common';
import type { AppConfig } from '../config';
import type { JobWorkflowInput } from '../jobs/jobInput';
import { scheduledWorkflowIdFor, scheduleIdFor, taskQueueFor, tenantKeyOf } from '../jobs/ids';
import type { Logger } from '../logging';
import { jobSearchAttributes } from '../temporal/searchAttributes';
import type { TenantRegistry } from '../tenancy/registry';
import { RECURRING_JOBS, type RecurringJob } from './recurringJobs';

export const MANAGED_BY = 'testplanit-workers';

export interface ScheduleSettings {
  timezone: string;
  taskQueuePrefix: string;
  /** How late a missed run may still start after an outage, e.g. "1 day". */
  catchupWindow: Duration;
}

export function scheduleSettings(config: AppConfig): ScheduleSettings {
  return { timezone: config.schedules.timezone, taskQueuePrefix: config.temporal.taskQueuePrefix, catchupWindow: '1 day' };
}

export interface SyncReport {
  created: string[];
  updated: string[];
  unchanged: string[];
  deleted: string[];
}

interface DesiredSchedule {
  scheduleId: string;
  tenantId?: string;
  job: RecurringJob;
}

export function desiredSchedules(tenants: TenantRegistry): DesiredSchedule[] {
  const tenantIds: Array<string | undefined> = tenants.multiTenant ? tenants.tenantIds().sort() : [undefined];
  return tenantIds.flatMap((tenantId) =>
    RECURRING_JOBS.map((job) => ({ scheduleId: scheduleIdFor(job.jobName, tenantId), tenantId, job })),
  );
}

function scheduleOptions(desired: DesiredSchedule, settings: ScheduleSettings): ScheduleOptions {
  const tenantKey = tenantKeyOf(desired.tenantId);
  const searchAttributes = jobSearchAttributes(tenantKey, desired.job.queue, desired.job.jobName);
  const input: JobWorkflowInput<{ tenantId?: string }> = {
    // No idempotency key: each run derives its own from its workflow id (which carries the run time).
    origin: { queue: desired.job.queue, jobName: desired.job.jobName, jobId: `schedule:${desired.scheduleId}`, tenantId: desired.tenantId, idempotencyKey: '' },
    payload: desired.tenantId ? { tenantId: desired.tenantId } : {},
  };
  return {
    scheduleId: desired.scheduleId,
    spec: { cronExpressions: [desired.job.cron], timezone: settings.timezone },
    action: {
      type: 'startWorkflow',
      workflowType: desired.job.workflowType,
      workflowId: scheduledWorkflowIdFor(tenantKey, desired.job.queue, desired.scheduleId),
      taskQueue: taskQueueFor(settings.taskQueuePrefix, desired.job.queue),
      args: [input],
      typedSearchAttributes: searchAttributes,
      memo: { scheduleFingerprint: fingerprintOf(desired, settings) },
    },
    policies: { overlap: ScheduleOverlapPolicy.SKIP, catchupWindow: settings.catchupWindow },
    memo: { managedBy: MANAGED_BY, taskQueuePrefix: settings.taskQueuePrefix, tenantId: tenantKey, jobName: desired.job.jobName },
    typedSearchAttributes: searchAttributes,
  };
}

/**
 * What sync owns of a schedule, hashed and kept in the action's memo: Temporal returns a cron
 * spec as calendars, so comparing the description itself would see changes where there are none.
 */
function fingerprintOf(desired: DesiredSchedule, settings: ScheduleSettings): string {
  return createHash('sha256')
    .update(JSON.stringify({ cron: desired.job.cron, workflowType: desired.job.workflowType, tenantId: desired.tenantId ?? null, ...settings }))
    .digest('hex')
    .slice(0, 16);
}

export async function syncSchedules(
  client: Client,
  tenants: TenantRegistry,
  settings: ScheduleSettings,
  logger: Logger,
): Promise<SyncReport> {
  const report: SyncReport = { created: [], updated: [], unchanged: [], deleted: [] };
  const desired = desiredSchedules(tenants);
  const wanted = new Set(desired.map((d) => d.scheduleId));

  for (const item of desired) {
    const options = scheduleOptions(item, settings);
    const handle = client.schedule.getHandle(item.scheduleId);
    let current: ScheduleDescription | undefined;
    try {
      current = await handle.describe();
    } catch (error) {
      if (!(error instanceof ScheduleNotFoundError)) throw error;
    }
    if (!current) {
      await client.schedule.create(options);
      report.created.push(item.scheduleId);
      continue;
    }
    const currentFingerprint = (current.action as { memo?: Record<string, unknown> }).memo?.scheduleFingerprint;
    if (currentFingerprint === fingerprintOf(item, settings)) {
      report.unchanged.push(item.scheduleId);
      continue;
    }
    await handle.update((previous) => ({
      ...previous,
      spec: options.spec,
      action: options.action,
      policies: { ...previous.policies, ...options.policies },
    }));
    report.updated.push(item.scheduleId);
  }

  for await (const summary of client.schedule.list()) {
    const memo = summary.memo as { managedBy?: string; taskQueuePrefix?: string } | undefined;
    if (memo?.managedBy !== MANAGED_BY || memo.taskQueuePrefix !== settings.taskQueuePrefix) continue;
    if (wanted.has(summary.scheduleId)) continue;
    await client.schedule.getHandle(summary.scheduleId).delete();
    report.deleted.push(summary.scheduleId);
  }

  logger.info(
    `Schedules synced: ${report.created.length} created, ${report.updated.length} updated, ${report.unchanged.length} unchanged, ${report.deleted.length} deleted`,
    { ...report },
  );
  return report;
}
