/**
 * Operator commands for the recurring jobs' Temporal Schedules:
 *   npm run schedules -- sync
 *   npm run schedules -- list [--tenant <id>]
 *   npm run schedules -- pause|resume|trigger --job <job-name> [--tenant <id>]
 * Configuration comes from the environment, as for the worker.
 */
import { parseArgs } from 'node:util';
import { loadConfig } from '../config';
import { createLogger } from '../logging';
import { connectClient } from '../temporal/connection';
import { TenantRegistry } from '../tenancy/registry';
import { scheduleIdFor } from '../jobs/ids';
import { RECURRING_JOBS } from './recurringJobs';
import { MANAGED_BY, scheduleSettings } from './scheduleSync';
import { syncRecurringJobs } from './syncRecurringJobs';

const USAGE = 'usage: schedules sync | list [--tenant <id>] | pause|resume|trigger --job <job-name> [--tenant <id>]';

async function main(): Promise<void> {
  const { positionals, values } = parseArgs({
    allowPositionals: true,
    options: { tenant: { type: 'string' }, job: { type: 'string' } },
  });
  const command = positionals[0];
  const config = loadConfig();
  const logger = createLogger('schedules', config.logLevel);
  const tenants = new TenantRegistry(config.tenancy, logger.child('tenancy'));
  const temporal = await connectClient(config);
  const settings = scheduleSettings(config);
  try {
    switch (command) {
      case 'sync': {
        console.log(JSON.stringify(await syncRecurringJobs(temporal.client, config, tenants, logger), null, 2));
        break;
      }
      case 'list': {
        const tenantKey = values.tenant;
        for await (const summary of temporal.client.schedule.list()) {
          const memo = summary.memo as
            { managedBy?: string; taskQueuePrefix?: string; tenantId?: string; jobName?: string } | undefined;
          if (memo?.managedBy !== MANAGED_BY || memo.taskQueuePrefix !== settings.taskQueuePrefix) continue;
          if (tenantKey && memo.tenantId !== tenantKey) continue;
          const description = await temporal.client.schedule.getHandle(summary.scheduleId).describe();
          const next = description.info.nextActionTimes[0]?.toISOString() ?? '-';
          const last = description.info.recentActions.at(-1)?.takenAt.toISOString() ?? '-';
          console.log(
            `${summary.scheduleId.padEnd(48)} ${description.state.paused ? 'PAUSED ' : 'ACTIVE '} next ${next}  last ${last}`,
          );
        }
        break;
      }
      case 'pause':
      case 'resume':
      case 'trigger': {
        const job = RECURRING_JOBS.find((j) => j.jobName === values.job);
        if (!job) throw new Error(`--job must be one of ${RECURRING_JOBS.map((j) => j.jobName).join(', ')}`);
        if (tenants.multiTenant && !values.tenant) throw new Error('--tenant is required in multi-tenant mode');
        if (values.tenant) tenants.resolve(values.tenant);
        const handle = temporal.client.schedule.getHandle(
          scheduleIdFor(job.jobName, tenants.multiTenant ? values.tenant : undefined),
        );
        const note = `${command} by operator via CLI`;
        if (command === 'pause') await handle.pause(note);
        else if (command === 'resume') await handle.unpause(note);
        else await handle.trigger();
        console.log(`${command}: ${handle.scheduleId}`);
        break;
      }
      default:
        throw new Error(USAGE);
    }
  } finally {
    await temporal.close();
  }
}

main().catch((error: unknown) => {
  console.error((error as Error).message);
  process.exit(1);
});
