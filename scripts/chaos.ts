/**
 * `npm run chaos`: kill anything at any time, restart services, lose nothing. First stage (issue
 * 14): three tenants send audit events and notifications (emailed at once to a real SMTP server on
 * loopback) all along and each runs an all-cases forecast, through two bridges and two workers; at seeded random moments a bridge or a worker is killed (SIGKILL or
 * SIGTERM) and started again, and Valkey (a private one, with an append-only file, as production
 * runs it), the Temporal server (killed) and PostgreSQL are restarted while work is in flight. At the end every BullMQ job must
 * have finished, audit rows must equal the jobs one to one, every forecast must equal an
 * independent computation, and each notification job must give one row and one email (by notice
 * and Message-ID). Not yet: digests, reindex, Testmo import, issue
 * sync, a restart of Elasticsearch, bad input mid-run.
 *
 * CHAOS_SEED (default 1), CHAOS_EVENTS (kills and restarts, default 24), CHAOS_MINUTES (upper
 * bound, default 10). Last line: `chaos: <kills> kills, <restarts> restarts, <jobs> jobs, lost
 * <n>, duplicated <n>`; exit 1 unless both are 0.
 */
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { Job, Queue } from 'bullmq';
import { seededRandom } from '../src/seededRandom';
import {
  createTenantDatabase,
  databaseUrl,
  dropDatabase,
  query,
  seedBasics,
  seedUser,
} from '../test/support/databases';
import { TestSmtpServer } from '../test/support/smtp';
import { actualForecasts, referenceForecasts, seedForecastData } from '../test/support/forecastData';
import { startApp, stopApp, waitFor, type AppProcess } from '../test/support/processes';
import { PrivateRedis } from '../test/support/redisServer';
import { uniqueSuffix } from '../test/support/services';
import { stackEnv } from '../test/support/stack';
import { auditEventData, testplanitQueue } from '../test/support/testplanit';

const SEED = Number(process.env.CHAOS_SEED ?? 1);
const EVENTS = Number(process.env.CHAOS_EVENTS ?? 24);
const MINUTES = Number(process.env.CHAOS_MINUTES ?? 10);
const suffix = uniqueSuffix();
const tenants = ['c1', 'c2', 'c3'].map((name) => `${name}_${suffix}`);
const dbOf = (tenant: string) => `tpw_chaos_${tenant}`;
/** Each tenant's reader (a domain may not hold "_"). */
const readerOf = (tenant: string) => `reader@${tenant.replace(/_/g, '-')}.example`;

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const log = (line: string) => console.log(`${new Date().toISOString().slice(11, 19)} ${line}`);

function postgresCluster(): { version: string; cluster: string } {
  const line = execFileSync('pg_lsclusters', ['--no-header'], { encoding: 'utf8' }).trim().split('\n')[0]!;
  const [version, cluster] = line.split(/\s+/);
  return { version: version!, cluster: cluster! };
}

async function main(): Promise<void> {
  const rand = seededRandom(SEED);
  const deadline = Date.now() + MINUTES * 60_000;
  const redisDir = fs.mkdtempSync(path.join(os.tmpdir(), 'tpw-chaos-redis-'));
  const redis = new PrivateRedis(undefined, redisDir);
  await redis.start();
  for (const tenant of tenants) {
    const url = await createTenantDatabase(dbOf(tenant));
    await seedBasics(url);
    await seedForecastData(url, 3_000);
    await seedUser(url, { id: 'chaos-reader', email: readerOf(tenant), mode: 'IN_APP_EMAIL_IMMEDIATE' });
  }
  const smtp = new TestSmtpServer();
  await smtp.start();
  const env = stackEnv({
    name: 'chaos',
    suffix,
    redisUrl: redis.url,
    tenants: Object.fromEntries(tenants.map((tenant) => [tenant, { databaseUrl: databaseUrl(dbOf(tenant)) }])),
    extra: {
      BRIDGE_QUEUES: 'audit-logs,forecast-updates,notifications,emails',
      WORKER_QUEUES: 'audit-logs,forecast-updates,notifications,emails',
      EMAIL_SERVER_HOST: '127.0.0.1',
      EMAIL_SERVER_PORT: String(smtp.port),
      EMAIL_FROM: 'noreply@chaos.example',
      BRIDGE_LOCK_DURATION_MS: '4000',
      BRIDGE_STALLED_INTERVAL_MS: '2000',
      BRIDGE_STATUS_POLL_MS: '200',
    },
  });
  const roles = ['bridge', 'bridge', 'worker', 'worker'] as const;
  const apps: AppProcess[] = await Promise.all(roles.map((role) => startApp(role, env)));
  const audit = testplanitQueue('audit-logs', env.BULLMQ_PREFIX!, redis.url);
  const forecasts = testplanitQueue('forecast-updates', env.BULLMQ_PREFIX!, redis.url);
  const notifications = testplanitQueue('notifications', env.BULLMQ_PREFIX!, redis.url);
  const sent: Array<{ queue: Queue; job: Job; tenant: string; kind: 'audit' | 'forecast' | 'notification' }> = [];
  let kills = 0;
  let restarts = 0;
  let producing = true;

  const producer = (async () => {
    for (const tenant of tenants) {
      sent.push({
        queue: forecasts,
        job: await forecasts.add('update-all-cases-forecast', { tenantId: tenant }),
        tenant,
        kind: 'forecast',
      });
    }
    for (let i = 0; producing; i++) {
      const tenant = tenants[i % tenants.length]!;
      try {
        const job = await audit.add('audit-event', auditEventData({ tenantId: tenant, entityId: `chaos-${i}` }));
        sent.push({ queue: audit, job, tenant, kind: 'audit' });
        if (i % 8 === 0) {
          // NotificationService.createNotification's job; the reader wants an email at once.
          const notification = await notifications.add(
            'create-notification',
            {
              userId: 'chaos-reader',
              type: 'SYSTEM_ANNOUNCEMENT',
              title: `Chaos notice ${i}`,
              message: `Notice ${i} for ${tenant}`,
              tenantId: tenant,
            },
            { removeOnComplete: false, removeOnFail: false },
          );
          sent.push({ queue: notifications, job: notification, tenant, kind: 'notification' });
        }
      } catch {
        // Valkey is restarting: the web app's add would fail the same way; this event is not sent.
      }
      await sleep(40);
    }
  })();

  try {
    for (let event = 0; event < EVENTS && Date.now() < deadline; event++) {
      await sleep(1_500 + rand() * 3_000);
      const pick = rand();
      if (event === Math.floor(EVENTS / 3)) {
        log('restarting Valkey (append-only file kept)');
        await redis.stop('SIGTERM');
        await sleep(1_000 + rand() * 2_000);
        await redis.start();
        restarts++;
      } else if (event === Math.floor(EVENTS / 2)) {
        log('crashing the Temporal server (SIGKILL) and starting it again');
        execFileSync('bash', ['scripts/infra.sh', 'crash-restart-temporal'], {
          stdio: 'ignore',
          env: { ...process.env, TPW_TEMPORAL_HEADLESS: 'true' },
        });
        restarts++;
      } else if (event === Math.floor((2 * EVENTS) / 3)) {
        const { version, cluster } = postgresCluster();
        log(`restarting PostgreSQL ${version}/${cluster}`);
        execFileSync('pg_ctlcluster', [version, cluster, 'restart', '-m', 'fast'], { stdio: 'ignore' });
        restarts++;
      } else {
        const index = Math.floor(pick * apps.length);
        const signal = rand() < 0.5 ? 'SIGKILL' : 'SIGTERM';
        const app = apps[index]!;
        log(`${signal} ${app.role} #${index}`);
        await stopApp(app, signal);
        kills++;
        if (rand() < 0.5) await sleep(rand() * 2_000);
        apps[index] = await startApp(app.role as 'bridge' | 'worker', env);
      }
    }
    producing = false;
    await producer;
    log(`${sent.length} jobs sent; waiting for all of them to finish`);
    await waitFor(
      async () => {
        const counts = await Promise.all(
          [audit, forecasts, notifications].map((q) => q.getJobCounts('waiting', 'active', 'delayed', 'prioritized')),
        );
        return counts.every((c) => Object.values(c).every((n) => n === 0)) ? true : undefined;
      },
      Math.max(120_000, deadline - Date.now()),
      async () =>
        `jobs still open: ${JSON.stringify(await audit.getJobCounts())} ${JSON.stringify(await forecasts.getJobCounts())}`,
      500,
    );

    // Checks, each as a row: what was expected and what was found.
    const rows: Array<[string, number, number]> = [];
    let lost = 0;
    let duplicated = 0;
    let resends = 0;
    const finals = await Promise.all(sent.map(({ queue, job }) => queue.getJob(job.id!)));
    const unfinishedJobs = finals.filter((job) => job?.finishedOn === undefined || job.failedReason);
    const unfinished = unfinishedJobs.length;
    const reasons = [
      ...new Set(unfinishedJobs.map((job) => `${job?.name ?? '(gone)'}: ${job?.failedReason ?? 'not finished'}`)),
    ];
    for (const reason of reasons.slice(0, 5)) log(`unfinished: ${reason}`);
    rows.push(['jobs completed', sent.length, sent.length - unfinished]);
    lost += unfinished;
    for (const tenant of tenants) {
      const expected = sent.filter((entry) => entry.tenant === tenant && entry.kind === 'audit').length;
      const [row] = await query<{ total: string; distinct: string }>(
        databaseUrl(dbOf(tenant)),
        `SELECT count(*) AS total, count(DISTINCT "entityId") AS distinct FROM "AuditLog" WHERE "entityId" LIKE 'chaos-%'`,
      );
      const total = Number(row!.total);
      const distinct = Number(row!.distinct);
      rows.push([`audit rows ${tenant}`, expected, total]);
      lost += Math.max(0, expected - distinct);
      duplicated += total - distinct;
      const reference = await referenceForecasts(databaseUrl(dbOf(tenant)));
      const actual = await actualForecasts(databaseUrl(dbOf(tenant)));
      const wrong = [...reference.cases].filter(
        ([id, value]) => JSON.stringify(actual.cases.get(id)) !== JSON.stringify(value),
      ).length;
      rows.push([`forecasts right ${tenant}`, reference.cases.size, reference.cases.size - wrong]);
      lost += wrong;

      // One notification row and one email (by Message-ID) per create-notification job.
      const notices = sent.filter((entry) => entry.tenant === tenant && entry.kind === 'notification').length;
      const [stored] = await query<{ total: string; distinct: string }>(
        databaseUrl(dbOf(tenant)),
        `SELECT count(*) AS total, count(DISTINCT title) AS distinct FROM "Notification" WHERE "userId" = 'chaos-reader'`,
      );
      rows.push([`notifications ${tenant}`, notices, Number(stored!.total)]);
      lost += Math.max(0, notices - Number(stored!.distinct));
      duplicated += Number(stored!.total) - Number(stored!.distinct);
      // Each email names its notice; the same notice under two Message-IDs is a duplicate, the
      // same Message-ID twice a resend that mail clients collapse (counted apart).
      const mails = smtp.to(readerOf(tenant));
      const byNotice = new Map<string, Set<string>>();
      for (const mail of mails) {
        const notice = /Notice (\d+) for/.exec(mail.text)?.[1] ?? mail.subject;
        (byNotice.get(notice) ?? byNotice.set(notice, new Set()).get(notice)!).add(mail.messageId ?? '');
      }
      rows.push([`emails delivered ${tenant}`, notices, byNotice.size]);
      lost += Math.max(0, notices - byNotice.size);
      duplicated += [...byNotice.values()].reduce((sum, ids) => sum + ids.size - 1, 0);
      resends += mails.length - [...byNotice.values()].reduce((sum, ids) => sum + ids.size, 0);
    }
    rows.push(['SMTP resends of one Message-ID', 0, resends]);
    console.log('\ncheck                                   expected     found');
    for (const [name, expected, found] of rows)
      console.log(`${name.padEnd(38)} ${String(expected).padStart(9)} ${String(found).padStart(9)}`);
    console.log(
      `chaos: ${kills} kills, ${restarts} restarts, ${sent.length} jobs, lost ${lost}, duplicated ${duplicated}`,
    );
    if (lost !== 0 || duplicated !== 0) process.exitCode = 1;
  } finally {
    producing = false;
    await Promise.all(apps.map((app) => stopApp(app)));
    await audit.close();
    await forecasts.close();
    await notifications.close();
    await smtp.stop();
    await redis.stop();
    for (const tenant of tenants) await dropDatabase(dbOf(tenant));
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
