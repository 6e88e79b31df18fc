/**
 * `npm run bench:schedules`: syncs the recurring jobs' Temporal Schedules for BENCH_TENANTS
 * (default 100) tenants on the dev server and prints
 *   - how long sync takes to create them, to find them all unchanged, and to move them in place,
 *   - when each tenant's update-all-cases-forecast first fires (its next action time), with
 *     staggering on (BENCH_STAGGER_WINDOW, default the config's 30 minutes) and off.
 * Configuration goes through loadConfig, as for a worker; schedules live under their own task
 * queue prefix and are deleted at the end. Nothing runs: no worker polls that prefix.
 */
import { ScheduleNotFoundError, type Client } from '@temporalio/client';
import { loadConfig, type AppConfig } from '../src/config';
import { scheduleIdFor } from '../src/jobs/ids';
import { createLogger } from '../src/logging';
import { RECURRING_JOBS } from '../src/schedules/recurringJobs';
import { scheduleSettings, syncSchedules, type SyncReport } from '../src/schedules/scheduleSync';
import { TenantRegistry } from '../src/tenancy/registry';
import { databaseUrl } from '../test/support/databases';
import { services, uniqueSuffix } from '../test/support/services';
import { withTemporal } from '../test/support/temporal';

const TENANTS = Number(process.env.BENCH_TENANTS ?? 100);
const suffix = uniqueSuffix();
const tenantIds = Array.from({ length: TENANTS }, (_, i) => `bench-${suffix}-${String(i).padStart(3, '0')}`);
const JOB = RECURRING_JOBS.find((job) => job.jobName === 'update-all-cases-forecast')!;
const logger = createLogger('bench', 'warn');

/** The worker's own configuration path; the database is never opened, nothing runs. */
function configWith(staggerWindow: string | undefined): AppConfig {
  return loadConfig({
    MULTI_TENANT_MODE: 'true',
    TENANT_CONFIGS: JSON.stringify(
      Object.fromEntries(tenantIds.map((t) => [t, { databaseUrl: databaseUrl('tpw_bench_unused') }])),
    ),
    TEMPORAL_ADDRESS: services.temporalAddress,
    TEMPORAL_TASK_QUEUE_PREFIX: `bench-sched-${suffix}`,
    SCHEDULE_STAGGER_WINDOW: staggerWindow,
    LOG_LEVEL: 'warn',
  });
}

async function timedSync(client: Client, config: AppConfig): Promise<{ report: SyncReport; ms: number }> {
  const started = performance.now();
  const report = await syncSchedules(
    client,
    new TenantRegistry(config.tenancy, logger),
    scheduleSettings(config),
    logger,
  );
  return { report, ms: performance.now() - started };
}

interface Spread {
  label: string;
  distinctMinutes: number;
  minOffset: number;
  maxOffset: number;
  busiestMinute: number;
}

/** Reads each tenant's first fire time back from Temporal, as `temporal schedule describe` shows it. */
async function spreadOf(client: Client, label: string): Promise<Spread> {
  const [cronMinute, cronHour] = JOB.cron.split(' ').map(Number);
  const fires = await Promise.all(
    tenantIds.map(
      async (t) => (await client.schedule.getHandle(scheduleIdFor(JOB.jobName, t)).describe()).info.nextActionTimes[0]!,
    ),
  );
  const perMinute = new Map<number, number>();
  for (const fire of fires) {
    const minute = Math.floor(fire.getTime() / 60_000);
    perMinute.set(minute, (perMinute.get(minute) ?? 0) + 1);
  }
  // Minutes after the cron time of the day; the schedules are in UTC (SCHEDULE_TIMEZONE unset).
  const offsets = fires.map(
    (f) => (f.getUTCHours() * 60 + f.getUTCMinutes() - (cronHour! * 60 + cronMinute!) + 1440) % 1440,
  );
  return {
    label,
    distinctMinutes: perMinute.size,
    minOffset: Math.min(...offsets),
    maxOffset: Math.max(...offsets),
    busiestMinute: Math.max(...perMinute.values()),
  };
}

async function deleteAll(client: Client): Promise<void> {
  // By id, not through a sync with no tenants: that finds schedules through the visibility
  // store, which may not list ones created a moment ago.
  const ids = tenantIds.flatMap((t) => RECURRING_JOBS.map((job) => scheduleIdFor(job.jobName, t)));
  for (let i = 0; i < ids.length; i += 50) {
    await Promise.all(
      ids.slice(i, i + 50).map(async (id) => {
        try {
          await client.schedule.getHandle(id).delete();
        } catch (error) {
          if (!(error instanceof ScheduleNotFoundError)) throw error;
        }
      }),
    );
  }
}

const count = (r: SyncReport) =>
  `${r.created.length} created, ${r.updated.length} updated, ${r.unchanged.length} unchanged`;

async function main(): Promise<void> {
  const on = configWith(process.env.BENCH_STAGGER_WINDOW);
  const off = configWith('0');
  const window = on.schedules.staggerWindowMinutes;
  await withTemporal(async (client) => {
    try {
      const create = await timedSync(client, on);
      const spreadOn = await spreadOf(client, `on (${window} min window)`);
      const again = await timedSync(client, on);
      const switchOff = await timedSync(client, off);
      const spreadOff = await spreadOf(client, 'off');

      const schedules = TENANTS * RECURRING_JOBS.length;
      console.log(
        `\n${TENANTS} tenants x ${RECURRING_JOBS.length} recurring jobs = ${schedules} schedules (describe + create/update per schedule, 8 at a time)`,
      );
      console.log('sync                               ms   schedules/s  result');
      for (const [label, run] of [
        ['create, staggered', create],
        ['same settings again', again],
        ['staggering off (in place)', switchOff],
      ] as const) {
        console.log(
          `${label.padEnd(27)} ${run.ms.toFixed(0).padStart(9)} ${(schedules / (run.ms / 1000)).toFixed(0).padStart(12)}  ${count(run.report)}`,
        );
      }
      console.log(`\nfirst fire of ${JOB.jobName} (cron ${JOB.cron}, UTC), per tenant`);
      console.log('staggering             distinct minutes  min offset  max offset  most tenants in one minute');
      for (const s of [spreadOn, spreadOff]) {
        console.log(
          `${s.label.padEnd(22)} ${String(s.distinctMinutes).padStart(16)} ${`${s.minOffset} min`.padStart(11)} ${`${s.maxOffset} min`.padStart(11)} ${String(s.busiestMinute).padStart(27)}`,
        );
      }
    } finally {
      await deleteAll(client);
    }
  });
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
