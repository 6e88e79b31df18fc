/**
 * Moves the recurring jobs onto Temporal: syncs the Schedules, then removes TestPlanIt's BullMQ
 * repeatables they replace. Run by workers at start and by `npm run schedules:sync`.
 */
import type { Client } from '@temporalio/client';
import type { AppConfig } from '../config';
import type { Logger } from '../logging';
import { createRedisConnection } from '../redis';
import type { TenantRegistry } from '../tenancy/registry';
import { removeLegacyRepeatables } from './legacyRepeatables';
import { scheduleSettings, syncSchedules, type SyncReport } from './scheduleSync';

export async function syncRecurringJobs(
  client: Client,
  config: AppConfig,
  tenants: TenantRegistry,
  logger: Logger,
): Promise<{ schedules: SyncReport; removedRepeatables: string[] }> {
  const schedules = await syncSchedules(client, tenants, scheduleSettings(config), logger);
  const redis = createRedisConnection(config.redis.url, { name: 'schedule sync', logger });
  try {
    // Under the shared prefix and under each tenant's own: a tenant's web app may have created them there.
    const prefixes = [config.redis.prefix, ...tenants.boundPrefixes().map((entry) => entry.prefix)];
    const removedRepeatables: string[] = [];
    for (const prefix of new Set(prefixes))
      removedRepeatables.push(...(await removeLegacyRepeatables(redis, prefix, logger)));
    return { schedules, removedRepeatables };
  } finally {
    redis.disconnect();
  }
}
