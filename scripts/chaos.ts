/**
 * `npm run chaos`: kill anything at any time, restart every service, lose nothing (issue 14).
 *
 * Three tenants run a mixed workload through two bridges and two workers (scripts/chaos/workloads.ts):
 * audit events, notifications emailed at once and a daily digest (a real SMTP server on
 * loopback), an all-cases forecast, a full reindex, issue sync and create-issue against a Jira API
 * on loopback, and bad input (malformed, unknown tenant, several MB); a fourth tenant receives a
 * Testmo import (analysis, then import). At seeded random moments a bridge or a worker is killed
 * (SIGKILL or SIGTERM) and started again, and Valkey (a private one with an append-only file, as
 * production runs it), the Temporal server (SIGKILL), PostgreSQL and Elasticsearch are restarted
 * while work is in flight. At the end every BullMQ job must have finished as it must (bad input
 * failed at once, everything else completed) and each workload checks its effects exactly once;
 * the checks print as a table.
 *
 * CHAOS_SEED (default 1), CHAOS_EVENTS (kills and restarts, default 24), CHAOS_MINUTES (upper
 * bound, default 15), CHAOS_RESTARTS (services to restart, default
 * valkey,temporal,postgres,elasticsearch), CHAOS_SMALL=true for the short variant `npm test`
 * runs (smaller data). Last line: `chaos: <kills> kills, <restarts> restarts, <jobs> jobs, lost
 * <n>, duplicated <n>`; exit 1 unless both are 0.
 */
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { Queue } from 'bullmq';
import { QUEUE_NAMES, type QueueName } from '../src/jobs/queues';
import { seededRandom } from '../src/seededRandom';
import { createTenantDatabase, databaseUrl, dropDatabase, seedBasics } from '../test/support/databases';
import { startApp, stopApp, waitFor, type AppProcess } from '../test/support/processes';
import { PrivateRedis } from '../test/support/redisServer';
import { services, uniqueSuffix } from '../test/support/services';
import { stackEnv } from '../test/support/stack';
import { testplanitQueue } from '../test/support/testplanit';
import {
  auditEvents,
  badInput,
  countSent,
  forecasts,
  issueSync,
  notifications,
  reindexes,
  testmoImport,
  type ChaosContext,
  type CheckRow,
  type SentJob,
  type Workload,
} from './chaos/workloads';

const SEED = Number(process.env.CHAOS_SEED ?? 1);
const EVENTS = Number(process.env.CHAOS_EVENTS ?? 24);
const MINUTES = Number(process.env.CHAOS_MINUTES ?? 15);
const SMALL = process.env.CHAOS_SMALL === 'true';
const SERVICES = ['valkey', 'temporal', 'postgres', 'elasticsearch'] as const;
type Service = (typeof SERVICES)[number];
const RESTARTS = (process.env.CHAOS_RESTARTS ?? SERVICES.join(','))
  .split(',')
  .map((name) => name.trim())
  .filter(Boolean) as Service[];
for (const name of RESTARTS)
  if (!SERVICES.includes(name))
    throw new Error(`CHAOS_RESTARTS: unknown service ${name} (known: ${SERVICES.join(', ')})`);

const suffix = uniqueSuffix();
const tenants = ['c1', 'c2', 'c3'].map((name) => `${name}_${suffix}`);
const importTenant = `c4_${suffix}`;
const dbOf = (tenant: string) => `tpw_chaos_${tenant}`;
/** The run serves every queue TestPlanIt enqueues onto. */
const QUEUES = QUEUE_NAMES;

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const log = (line: string) => console.log(`${new Date().toISOString().slice(11, 19)} ${line}`);

function postgresCluster(): { version: string; cluster: string } {
  const line = execFileSync('pg_lsclusters', ['--no-header'], { encoding: 'utf8' }).trim().split('\n')[0]!;
  const [version, cluster] = line.split(/\s+/);
  return { version: version!, cluster: cluster! };
}

async function restart(service: Service, redis: PrivateRedis, rand: () => number): Promise<void> {
  const infra = (command: string): void => {
    execFileSync('bash', ['scripts/infra.sh', command], {
      stdio: 'ignore',
      env: { ...process.env, TPW_TEMPORAL_HEADLESS: 'true' },
    });
  };
  switch (service) {
    case 'valkey':
      log('restarting Valkey (append-only file kept)');
      await redis.stop('SIGTERM');
      await sleep(1_000 + rand() * 2_000);
      await redis.start();
      return;
    case 'temporal':
      log('crashing the Temporal server (SIGKILL) and starting it again');
      return infra('crash-restart-temporal');
    case 'postgres': {
      const { version, cluster } = postgresCluster();
      log(`restarting PostgreSQL ${version}/${cluster}`);
      execFileSync('pg_ctlcluster', [version, cluster, 'restart', '-m', 'fast'], { stdio: 'ignore' });
      return;
    }
    case 'elasticsearch':
      log('restarting Elasticsearch');
      return infra('restart-elasticsearch');
  }
}

async function main(): Promise<void> {
  const rand = seededRandom(SEED);
  const deadline = Date.now() + MINUTES * 60_000;
  const redis = new PrivateRedis(undefined, fs.mkdtempSync(path.join(os.tmpdir(), 'tpw-chaos-redis-')));
  await redis.start();
  const prefix = `chaos${suffix}`; // stackEnv's BULLMQ_PREFIX for name 'chaos'
  const queues = new Map<QueueName, Queue>(QUEUES.map((name) => [name, testplanitQueue(name, prefix, redis.url)]));
  const sent: SentJob[] = [];
  const ctx: ChaosContext = {
    tenants,
    importTenant,
    dbOf,
    queue: (name) => queues.get(name)!,
    sent(entry) {
      sent.push(entry);
      countSent(entry);
    },
    small: SMALL,
    log,
  };
  const workloads: Workload[] = [
    auditEvents(ctx),
    notifications(ctx),
    forecasts(ctx),
    reindexes(ctx),
    issueSync(ctx),
    testmoImport(ctx),
    badInput(ctx),
  ];
  for (const tenant of tenants) await seedBasics(await createTenantDatabase(dbOf(tenant)));
  await createTenantDatabase(dbOf(importTenant));
  const apps: AppProcess[] = [];
  try {
    const extra: Record<string, string> = {};
    for (const workload of workloads) Object.assign(extra, await workload.setup?.());
    const env = stackEnv({
      name: 'chaos',
      suffix,
      redisUrl: redis.url,
      tenants: Object.fromEntries(
        [...tenants, importTenant].map((tenant) => [
          tenant,
          { databaseUrl: databaseUrl(dbOf(tenant)), elasticsearchNode: services.elasticsearchNode },
        ]),
      ),
      extra: {
        ...extra,
        BRIDGE_QUEUES: QUEUES.join(','),
        WORKER_QUEUES: QUEUES.join(','),
        BRIDGE_LOCK_DURATION_MS: '4000',
        BRIDGE_STALLED_INTERVAL_MS: '2000',
        BRIDGE_STATUS_POLL_MS: '200',
        TESTMO_IMPORT_CHUNK_SIZE: '150',
      },
    });
    const roles = ['bridge', 'bridge', 'worker', 'worker'] as const;
    apps.push(...(await Promise.all(roles.map((role) => startApp(role, env)))));
    log(
      `${tenants.length + 1} tenants, ${workloads.length} workloads, 2 bridges, 2 workers; ${EVENTS} events, restarts: ${RESTARTS.join(', ') || 'none'}`,
    );

    let kills = 0;
    let restarts = 0;
    const hungStops: string[] = [];
    let producing = true;
    const producer = (async () => {
      for (let i = 0; producing; i++) {
        for (const workload of workloads) {
          try {
            await workload.tick?.(i);
          } catch {
            // Valkey is restarting: the web app's add would fail the same way; this job is not sent.
          }
        }
        await sleep(40);
      }
    })();

    // Service restarts spread over the run; the one-off jobs (digest, reindex, sync, import) go
    // in a quarter of the way through, so kills and restarts find them running.
    const restartAt = new Map(
      RESTARTS.map((service, k) => [Math.floor(((k + 1) * EVENTS) / (RESTARTS.length + 1)), service]),
    );
    const midRunAt = Math.floor(EVENTS / 4);
    for (let event = 0; event < EVENTS && Date.now() < deadline; event++) {
      await sleep(1_500 + rand() * 3_000);
      if (event === midRunAt) {
        log('sending the digests, reindexes, issue syncs and the Testmo import');
        for (const workload of workloads) await workload.midRun?.();
      }
      const service = restartAt.get(event);
      if (service) {
        await restart(service, redis, rand);
        restarts++;
        continue;
      }
      const index = Math.floor(rand() * apps.length);
      const signal = rand() < 0.5 ? 'SIGKILL' : 'SIGTERM';
      const app = apps[index]!;
      log(`${signal} ${app.role} #${index}`);
      await stopApp(app, signal);
      // A SIGTERM must end in a clean stop; the process's own deadline (src/main.ts) says when not.
      const stuck = /Shutdown did not finish[^\n]*/.exec(app.output())?.[0];
      if (stuck) {
        hungStops.push(`${app.role} #${index}: ${stuck}`);
        log(`${app.role} #${index} did not stop cleanly: ${stuck}`);
      }
      kills++;
      if (rand() < 0.5) await sleep(rand() * 2_000);
      apps[index] = await startApp(app.role as 'bridge' | 'worker', env);
    }
    producing = false;
    await producer;
    log(`${sent.length} jobs sent; waiting for all of them to finish`);
    const open = async () => {
      const counts = await Promise.all(
        [...queues.values()].map((q) => q.getJobCounts('waiting', 'active', 'delayed', 'prioritized')),
      );
      return counts.reduce((sum, c) => sum + Object.values(c).reduce((a, n) => a + n, 0), 0);
    };
    const remaining = Math.max(180_000, deadline - Date.now());
    for (const workload of workloads) await workload.settled?.();
    await waitFor(
      async () => ((await open()) === 0 ? true : undefined),
      remaining,
      async () => `jobs still open: ${await open()}`,
      500,
    );

    // Every job finished as it must: completed, or (bad input) failed after one attempt.
    const rows: CheckRow[] = [];
    const finals = await Promise.all(sent.map(({ queue, job }) => queue.getJob(job.id!)));
    const wrong = sent.filter((entry, k) => {
      const job = finals[k];
      if (!job?.finishedOn) return true;
      return entry.mustFail ? !job.failedReason || job.attemptsMade !== 1 : Boolean(job.failedReason);
    });
    for (const entry of wrong.slice(0, 8)) {
      const job = finals[sent.indexOf(entry)];
      log(
        `wrong end: ${entry.kind} job ${entry.job.id} for ${entry.tenant}: ${job?.failedReason ?? 'not failed'} (${job?.attemptsMade} attempts)`,
      );
    }
    const good = sent.filter((entry) => !entry.mustFail);
    const bad = sent.filter((entry) => entry.mustFail);
    rows.push({
      name: 'jobs completed',
      expected: good.length,
      found: good.length - wrong.filter((entry) => !entry.mustFail).length,
      lost: wrong.filter((entry) => !entry.mustFail).length,
      duplicated: 0,
    });
    rows.push({
      name: 'bad input failed at once, alone',
      expected: bad.length,
      found: bad.length - wrong.filter((entry) => entry.mustFail).length,
      lost: wrong.filter((entry) => entry.mustFail).length,
      duplicated: 0,
    });
    for (const workload of workloads) rows.push(...(await workload.check()));
    const lost = rows.reduce((sum, r) => sum + r.lost, 0);
    const duplicated = rows.reduce((sum, r) => sum + r.duplicated, 0);
    rows.push({
      name: 'stops that hit the shutdown deadline',
      expected: 0,
      found: hungStops.length,
      lost: 0,
      duplicated: 0,
    });
    console.log('\ncheck                                          expected     found  lost  dup');
    for (const r of rows)
      console.log(
        `${r.name.padEnd(45)} ${String(r.expected).padStart(9)} ${String(r.found).padStart(9)} ${String(r.lost).padStart(5)} ${String(r.duplicated).padStart(4)}`,
      );
    console.log(
      `chaos: ${kills} kills, ${restarts} restarts, ${sent.length} jobs, lost ${lost}, duplicated ${duplicated}`,
    );
    if (lost !== 0 || duplicated !== 0 || hungStops.length > 0) process.exitCode = 1;
  } finally {
    await Promise.all(apps.map((app) => stopApp(app)));
    for (const queue of queues.values()) await queue.close();
    for (const workload of workloads) await workload.stop?.().catch(() => undefined);
    await redis.stop();
    for (const tenant of [...tenants, importTenant]) await dropDatabase(dbOf(tenant));
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
