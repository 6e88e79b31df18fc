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
import { RUN_KEY_FROM_WORKFLOW, scheduledWorkflowIdFor, scheduleIdFor, taskQueueFor, tenantKeyOf } from '../jobs/ids';
import type { Logger } from '../logging';
import { jobSearchAttributes } from '../temporal/searchAttributes';
import type { TenantRegistry } from '../tenancy/registry';
import { RECURRING_JOBS, type RecurringJob } from './recurringJobs';
import { offsetDailyCron, staggerOffsetMinutes } from './stagger';

export const MANAGED_BY = 'testplanit-workers';

export interface ScheduleSettings {
  timezone: string;
  taskQueuePrefix: string;
  /** How late a missed run may still start after an outage, e.g. "1 day". */
  catchupWindow: Duration;
  /** Each tenant's jobs fire a stable offset in [0, window) minutes after their cron time; 0: off. */
  staggerWindowMinutes: number;
}

export function scheduleSettings(config: AppConfig): ScheduleSettings {
  return {
    timezone: config.schedules.timezone,
    taskQueuePrefix: config.temporal.taskQueuePrefix,
    catchupWindow: '1 day',
    staggerWindowMinutes: config.schedules.staggerWindowMinutes,
  };
}

export interface SyncReport {
  created: string[];
  updated: string[];
  unchanged: string[];
  deleted: string[];
}

export interface DesiredSchedule {
  scheduleId: string;
  tenantId?: string;
  job: RecurringJob;
  /** The tenant's stagger offset; 0 when staggering is off and in single-tenant mode. */
  offsetMinutes: number;
  /** job.cron moved by offsetMinutes: what the schedule's spec says. */
  cron: string;
}

export function desiredSchedules(tenants: TenantRegistry, staggerWindowMinutes: number): DesiredSchedule[] {
  const tenantIds: Array<string | undefined> = tenants.multiTenant ? tenants.tenantIds().sort() : [undefined];
  return tenantIds.flatMap((tenantId) => {
    // One deployment has nobody to collide with, so single-tenant mode keeps TestPlanIt's times.
    const staggered = tenantId !== undefined && staggerWindowMinutes > 0;
    const offsetMinutes = staggered ? staggerOffsetMinutes(tenantId, staggerWindowMinutes) : 0;
    return RECURRING_JOBS.map((job) => ({
      scheduleId: scheduleIdFor(job.jobName, tenantId),
      tenantId,
      job,
      offsetMinutes,
      // Every tenant's cron goes through the rewrite when staggering is on, even at offset 0, so a
      // pattern it cannot move fails the whole sync instead of only some tenants' schedules.
      cron: staggered ? offsetDailyCron(job.cron, offsetMinutes) : job.cron,
    }));
  });
}

function scheduleOptions(desired: DesiredSchedule, settings: ScheduleSettings): ScheduleOptions {
  const tenantKey = tenantKeyOf(desired.tenantId);
  const searchAttributes = jobSearchAttributes(tenantKey, desired.job.queue, desired.job.jobName);
  const input: JobWorkflowInput<{ tenantId?: string }> = {
    // No idempotency key: each run derives its own from its workflow id (which carries the run time).
    origin: {
      queue: desired.job.queue,
      jobName: desired.job.jobName,
      jobId: `schedule:${desired.scheduleId}`,
      tenantId: desired.tenantId,
      idempotencyKey: RUN_KEY_FROM_WORKFLOW,
    },
    payload: desired.tenantId ? { tenantId: desired.tenantId } : {},
  };
  return {
    scheduleId: desired.scheduleId,
    spec: { cronExpressions: [desired.cron], timezone: settings.timezone },
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
    memo: {
      managedBy: MANAGED_BY,
      taskQueuePrefix: settings.taskQueuePrefix,
      tenantId: tenantKey,
      jobName: desired.job.jobName,
    },
    typedSearchAttributes: searchAttributes,
  };
}

/**
 * What sync owns of a schedule, hashed and kept in the action's memo: Temporal returns a cron
 * spec as calendars, so comparing the description itself would see changes where there are none.
 * The offset enters through the cron it produced rather than through the window: a new window
 * updates exactly the schedules whose time moves, and with staggering off (or offset 0) the
 * fingerprint is the one schedules synced before staggering existed already carry.
 */
function fingerprintOf(desired: DesiredSchedule, settings: ScheduleSettings): string {
  const { staggerWindowMinutes: _window, ...owned } = settings;
  return createHash('sha256')
    .update(
      JSON.stringify({
        cron: desired.cron,
        workflowType: desired.job.workflowType,
        tenantId: desired.tenantId ?? null,
        ...owned,
      }),
    )
    .digest('hex')
    .slice(0, 16);
}

/**
 * Schedules described, created or updated at once: a describe is one round trip, so 100 tenants'
 * 400 schedules took 8 s one after another; a few at a time keep the server unhurried.
 */
const SYNC_CONCURRENCY = 8;

/** `work` over `items`, at most `limit` at a time; results in the items' order. */
async function mapConcurrently<T, R>(items: readonly T[], limit: number, work: (item: T) => Promise<R>): Promise<R[]> {
  const results = new Array<R>(items.length);
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(limit, items.length) }, async () => {
      while (next < items.length) {
        const index = next++;
        results[index] = await work(items[index]!);
      }
    }),
  );
  return results;
}

export async function syncSchedules(
  client: Client,
  tenants: TenantRegistry,
  settings: ScheduleSettings,
  logger: Logger,
): Promise<SyncReport> {
  const report: SyncReport = { created: [], updated: [], unchanged: [], deleted: [] };
  const desired = desiredSchedules(tenants, settings.staggerWindowMinutes);
  const wanted = new Set(desired.map((d) => d.scheduleId));

  const outcomes = await mapConcurrently(desired, SYNC_CONCURRENCY, async (item): Promise<keyof SyncReport> => {
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
      return 'created';
    }
    const currentFingerprint = (current.action as { memo?: Record<string, unknown> }).memo?.scheduleFingerprint;
    if (currentFingerprint === fingerprintOf(item, settings)) return 'unchanged';
    await handle.update((previous) => ({
      ...previous,
      spec: options.spec,
      action: options.action,
      policies: { ...previous.policies, ...options.policies },
    }));
    return 'updated';
  });
  outcomes.forEach((outcome, index) => report[outcome].push(desired[index]!.scheduleId));

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
