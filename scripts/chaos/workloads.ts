/**
 * The chaos run's workloads (scripts/chaos.ts). Each one sets up what its jobs need, sends jobs
 * while the run goes on (`tick`, called every ~40 ms with a running counter) or once in the middle
 * of it (`midRun`), and at the end checks, against the databases, the SMTP server, the tracker
 * API and Elasticsearch, that every job had its effect exactly once. A check row counts what is
 * missing as lost and what happened twice as duplicated.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { Job, Queue } from 'bullmq';
import type { QueueName } from '../../src/jobs/queues';
import { generateTestmoExport, type GeneratedExport } from '../../src/testmo/exportGenerator';
import { databaseUrl, query, seedBasics, seedUser } from '../../test/support/databases';
import { FakeTrackers } from '../../test/support/fakeTrackers';
import { actualForecasts, referenceForecasts, seedForecastData } from '../../test/support/forecastData';
import { documentIds, indicesStartingWith, es } from '../../test/support/search';
import { TestSmtpServer } from '../../test/support/smtp';
import {
  createImportJob,
  importedCounts,
  markImportStarted,
  seedImportLookups,
  TestS3Server,
} from '../../test/support/testmo';
import { auditEventData, testplanitQueue } from '../../test/support/testplanit';
import { auditLogIdFor } from '../../src/activities/audit';
import { notificationIdFor } from '../../src/activities/notifications';
import { jobInstanceOf, jobInstanceKey, tenantKeyOf } from '../../src/jobs/ids';
import { waitFor } from '../../test/support/processes';

export interface CheckRow {
  name: string;
  expected: number;
  found: number;
  lost: number;
  duplicated: number;
}

/** A job the run sent, and what its end must be: completed, or (bad input) failed at once. */
export interface SentJob {
  queue: Queue;
  job: Job;
  tenant: string;
  kind: string;
  mustFail?: boolean;
}

export interface ChaosContext {
  /** The mixed tenants: every workload but the import runs for each. */
  tenants: string[];
  /** The tenant whose database receives the Testmo import (nothing else writes its counted tables). */
  importTenant: string;
  dbOf(tenant: string): string;
  /** BullMQ queue of the run's stack. */
  queue(name: QueueName): Queue;
  /** Record a sent job; the end checks that it finished as it must. */
  sent(entry: SentJob): void;
  /** Smaller data for the short variant run by `npm test`. */
  small: boolean;
  log(line: string): void;
}

export interface Workload {
  name: string;
  /** Before the bridges and workers start; returns environment they need. */
  setup?(): Promise<Record<string, string>>;
  tick?(i: number): Promise<void>;
  midRun?(): Promise<void>;
  /** Resolves when the workload's multi-step flows (analysis, then import) are done. */
  settled?(): Promise<void>;
  check(): Promise<CheckRow[]>;
  stop?(): Promise<void>;
}

const row = (name: string, expected: number, found: number, duplicates = 0): CheckRow => ({
  name,
  expected,
  found,
  lost: Math.max(0, expected - (found - duplicates)),
  duplicated: duplicates,
});

/**
 * Every job is kept once finished, whatever its queue's retention: the end checks read each one
 * (TestPlanIt keeps, say, only the last completed issue-sync jobs).
 */
const KEEP = { removeOnComplete: false, removeOnFail: false } as const;

/** Each tenant's readers (a domain may not hold "_"). */
const mailOf = (who: string, tenant: string) => `${who}@${tenant.replace(/_/g, '-')}.example`;

export function auditEvents(ctx: ChaosContext): Workload {
  return {
    name: 'audit events',
    async tick(i) {
      const tenant = ctx.tenants[i % ctx.tenants.length]!;
      const queue = ctx.queue('audit-logs');
      const job = await queue.add('audit-event', auditEventData({ tenantId: tenant, entityId: `chaos-${i}` }), KEEP);
      ctx.sent({ queue, job, tenant, kind: 'audit' });
    },
    async check() {
      const rows: CheckRow[] = [];
      // Every audit job in Redis, not only those whose add the producer saw succeed: a Valkey
      // shutting down can run an add and exit before its reply is written, and the producer's
      // client (ioredis, as in the web app) sends it again on reconnect: two jobs, same event. The
      // worker tier owes each job one row, the row whose id comes from that job's key.
      const jobs = await ctx.queue('audit-logs').getJobs(['completed', 'failed', 'active', 'waiting', 'delayed']);
      let resent = 0;
      for (const tenant of ctx.tenants) {
        const mine = jobs.filter(
          (job) => job.data?.tenantId === tenant && String(job.data?.event?.entityId).startsWith('chaos-'),
        );
        const owed = new Set(
          mine.map((job) => auditLogIdFor(jobInstanceKey(jobInstanceOf(tenantKeyOf(tenant), 'audit-logs', job)))),
        );
        const found = await query<{ id: string }>(
          databaseUrl(ctx.dbOf(tenant)),
          `SELECT id FROM "AuditLog" WHERE "entityId" LIKE 'chaos-%'`,
        );
        const foundIds = new Set(found.map((r) => r.id));
        const sent = sentCount.get(`audit:${tenant}`) ?? 0;
        rows.push({
          name: `audit rows ${tenant}`,
          expected: mine.length,
          found: found.length,
          // Jobs without their row, and sent jobs missing from Redis altogether.
          lost: [...owed].filter((id) => !foundIds.has(id)).length + Math.max(0, sent - mine.length),
          // A row no job owes: written twice under another key.
          duplicated: found.filter((r) => !owed.has(r.id)).length,
        });
        resent += mine.length - new Set(mine.map((job) => job.data.event.entityId)).size;
      }
      rows.push({ name: 'audit adds resent by the producer', expected: 0, found: resent, lost: 0, duplicated: 0 });
      return rows;
    },
  };
}

/** How many jobs of `kind:tenant` were sent; filled by the run through `countSent`. */
const sentCount = new Map<string, number>();
export function countSent(entry: SentJob): void {
  const key = `${entry.kind}:${entry.tenant}`;
  sentCount.set(key, (sentCount.get(key) ?? 0) + 1);
}

/**
 * Notifications: a reader who wants each one emailed at once, and a reader in daily-digest mode
 * whose digest is sent once in the middle of the run. Emails go to a real SMTP server.
 */
export function notifications(ctx: ChaosContext): Workload {
  const smtp = new TestSmtpServer();
  const notify = async (i: number, tenant: string, userId: string, kind: string) => {
    const queue = ctx.queue('notifications');
    const job = await queue.add(
      'create-notification',
      {
        userId,
        type: 'SYSTEM_ANNOUNCEMENT',
        title: `Chaos notice ${i}`,
        message: `Notice ${i} for ${tenant}`,
        tenantId: tenant,
      },
      KEEP,
    );
    ctx.sent({ queue, job, tenant, kind });
  };
  return {
    name: 'notifications and digests',
    async setup() {
      await smtp.start();
      for (const tenant of ctx.tenants) {
        const url = databaseUrl(ctx.dbOf(tenant));
        await seedUser(url, { id: 'chaos-reader', email: mailOf('reader', tenant), mode: 'IN_APP_EMAIL_IMMEDIATE' });
        await seedUser(url, { id: 'chaos-digest', email: mailOf('digest', tenant), mode: 'IN_APP_EMAIL_DAILY' });
      }
      return {
        EMAIL_SERVER_HOST: '127.0.0.1',
        EMAIL_SERVER_PORT: String(smtp.port),
        EMAIL_FROM: 'noreply@chaos.example',
      };
    },
    async tick(i) {
      const tenant = ctx.tenants[i % ctx.tenants.length]!;
      if (i % 8 === 0) await notify(i, tenant, 'chaos-reader', 'notification');
      if (i % 8 === 4) await notify(i, tenant, 'chaos-digest', 'digest-notification');
    },
    async midRun() {
      const queue = ctx.queue('notifications');
      for (const tenant of ctx.tenants) {
        ctx.sent({
          queue,
          job: await queue.add('send-daily-digest', { tenantId: tenant }, KEEP),
          tenant,
          kind: 'digest',
        });
      }
    },
    async check() {
      const rows: CheckRow[] = [];
      let smtpResends = 0;
      let producerResends = 0;
      // Every notification job in Redis, as for audit events: a producer's add resent across a
      // Valkey shutdown is a second job with the same notice, which is owed its own row and email.
      const jobs = (
        await ctx.queue('notifications').getJobs(['completed', 'failed', 'active', 'waiting', 'delayed'])
      ).filter((job) => job.name === 'create-notification' && /^Chaos notice /.test(String(job.data?.title)));
      for (const tenant of ctx.tenants) {
        const url = databaseUrl(ctx.dbOf(tenant));
        const jobsOf = (userId: string) =>
          jobs.filter((job) => job.data?.tenantId === tenant && job.data?.userId === userId);
        for (const [userId, kind] of [
          ['chaos-reader', 'notification'],
          ['chaos-digest', 'digest-notification'],
        ] as const) {
          const mine = jobsOf(userId);
          const owed = new Set(
            mine.map((job) =>
              notificationIdFor(jobInstanceKey(jobInstanceOf(tenantKeyOf(tenant), 'notifications', job))),
            ),
          );
          const found = await query<{ id: string }>(url, `SELECT id FROM "Notification" WHERE "userId" = $1`, [userId]);
          const foundIds = new Set(found.map((r) => r.id));
          const sent = sentCount.get(`${kind}:${tenant}`) ?? 0;
          rows.push({
            name: `notifications ${userId} ${tenant}`,
            expected: mine.length,
            found: found.length,
            lost: [...owed].filter((id) => !foundIds.has(id)).length + Math.max(0, sent - mine.length),
            duplicated: found.filter((r) => !owed.has(r.id)).length,
          });
          producerResends += mine.length - new Set(mine.map((job) => job.data.title)).size;
        }
        // Each immediate email names its notice, and each notice's job is owed one email: more
        // Message-IDs for a notice than it has jobs is a duplicate; the same Message-ID twice a
        // resend that mail clients collapse (counted apart).
        const jobsPerNotice = new Map<string, number>();
        for (const job of jobsOf('chaos-reader')) {
          const notice = /Chaos notice (\d+)/.exec(String(job.data.title))![1]!;
          jobsPerNotice.set(notice, (jobsPerNotice.get(notice) ?? 0) + 1);
        }
        const byNotice = new Map<string, Set<string>>();
        const mails = smtp.to(mailOf('reader', tenant));
        for (const mail of mails) {
          const notice = /Notice (\d+) for/.exec(mail.text)?.[1] ?? mail.subject;
          (byNotice.get(notice) ?? byNotice.set(notice, new Set()).get(notice)!).add(mail.messageId ?? '');
        }
        let emailed = 0;
        let duplicates = 0;
        let missing = 0;
        for (const notice of new Set([...jobsPerNotice.keys(), ...byNotice.keys()])) {
          const owedMails = jobsPerNotice.get(notice) ?? 0;
          const messageIds = byNotice.get(notice)?.size ?? 0;
          emailed += messageIds;
          duplicates += Math.max(0, messageIds - owedMails);
          missing += Math.max(0, owedMails - messageIds);
        }
        const readerJobs = jobsOf('chaos-reader').length;
        const readerSent = sentCount.get(`notification:${tenant}`) ?? 0;
        rows.push({
          name: `emails ${tenant}`,
          expected: readerJobs,
          found: emailed,
          lost: missing + Math.max(0, readerSent - readerJobs),
          duplicated: duplicates,
        });
        smtpResends += mails.length - [...byNotice.values()].reduce((sum, ids) => sum + ids.size, 0);
        // One digest per user: distinct Message-IDs to the digest reader.
        const digests = new Set(smtp.to(mailOf('digest', tenant)).map((mail) => mail.messageId ?? mail.subject));
        rows.push(row(`digest emails ${tenant}`, 1, digests.size, Math.max(0, digests.size - 1)));
      }
      rows.push({ name: 'SMTP resends of one Message-ID', expected: 0, found: smtpResends, lost: 0, duplicated: 0 });
      rows.push({
        name: 'notification adds resent by the producer',
        expected: 0,
        found: producerResends,
        lost: 0,
        duplicated: 0,
      });
      return rows;
    },
    stop: () => smtp.stop(),
  };
}

/** An all-cases forecast per tenant, checked against an independent computation. */
export function forecasts(ctx: ChaosContext): Workload {
  return {
    name: 'forecasts',
    async setup() {
      for (const tenant of ctx.tenants) await seedForecastData(databaseUrl(ctx.dbOf(tenant)), ctx.small ? 500 : 3_000);
      return {};
    },
    async tick(i) {
      if (i !== 0) return;
      const queue = ctx.queue('forecast-updates');
      for (const tenant of ctx.tenants) {
        const job = await queue.add('update-all-cases-forecast', { tenantId: tenant }, KEEP);
        ctx.sent({ queue, job, tenant, kind: 'forecast' });
      }
    },
    async check() {
      const rows: CheckRow[] = [];
      for (const tenant of ctx.tenants) {
        const url = databaseUrl(ctx.dbOf(tenant));
        const reference = await referenceForecasts(url);
        const actual = await actualForecasts(url);
        const right = [...reference.cases].filter(
          ([id, value]) => JSON.stringify(actual.cases.get(id)) === JSON.stringify(value),
        ).length;
        rows.push(row(`forecasts right ${tenant}`, reference.cases.size, right));
      }
      return rows;
    },
  };
}

/** A full reindex per tenant in the middle of the run; each index must equal its rows. */
export function reindexes(ctx: ChaosContext): Workload {
  const expectedRows = {
    'repository-cases': `SELECT c.id FROM "RepositoryCases" c JOIN "Projects" p ON p.id = c."projectId" WHERE NOT c."isArchived" AND NOT p."isDeleted" ORDER BY 1`,
    projects: `SELECT id FROM "Projects" ORDER BY 1`,
  };
  return {
    name: 'reindexes',
    async midRun() {
      const queue = ctx.queue('elasticsearch-reindex');
      for (const tenant of ctx.tenants) {
        const job = await queue.add('reindex', { entityType: 'all', userId: 'user-admin', tenantId: tenant }, KEEP);
        ctx.sent({ queue, job, tenant, kind: 'reindex' });
      }
    },
    async check() {
      const rows: CheckRow[] = [];
      for (const tenant of ctx.tenants) {
        for (const [base, sql] of Object.entries(expectedRows)) {
          const expected = (await query<{ id: number }>(databaseUrl(ctx.dbOf(tenant)), sql)).map((r) => r.id);
          const indexed = await documentIds(`testplanit-${tenant}-${base}`);
          const present = new Set(indexed);
          const matching = expected.filter((id) => present.has(id)).length;
          const extra = indexed.length - matching;
          rows.push(row(`index ${base} ${tenant}`, expected.length, matching + extra, extra));
        }
      }
      return rows;
    },
    async stop() {
      for (const tenant of ctx.tenants) {
        const indices = await indicesStartingWith(`testplanit-${tenant}-`);
        if (indices.length > 0) await es.indices.delete({ index: indices });
      }
    },
  };
}

/**
 * Issue sync against a Jira API on loopback: each tenant's integration, a `sync-issues` in the
 * middle of the run, and create-issue jobs all along; each must create exactly one tracker issue.
 */
export function issueSync(ctx: ChaosContext): Workload {
  const fake = new FakeTrackers();
  const projectKey = (tenant: string) => `CH${String.fromCharCode(65 + ctx.tenants.indexOf(tenant))}`;
  const integrations = new Map<string, number>();
  const SYNCED = 40;
  return {
    name: 'issue sync',
    async setup() {
      await fake.start();
      for (const tenant of ctx.tenants) {
        const url = databaseUrl(ctx.dbOf(tenant));
        const key = projectKey(tenant);
        fake.jira.set(
          key,
          Array.from({ length: SYNCED }, (_, i) => ({
            number: i + 1,
            title: `Tracker title ${i + 1}`,
            body: '',
            state: 'Open',
          })),
        );
        const [integration] = await query<{ id: number }>(
          url,
          `INSERT INTO "Integration" (name, provider, "authType", status, credentials, settings, "updatedAt")
           VALUES ('Jira', 'JIRA'::"IntegrationProvider", 'API_KEY'::"IntegrationAuthType", 'ACTIVE', $1, $2, now()) RETURNING id`,
          [
            JSON.stringify({ email: 'qa@chaos.example', apiToken: `token-${tenant}` }),
            JSON.stringify({ baseUrl: `${fake.baseUrl}/jira` }),
          ],
        );
        integrations.set(tenant, integration!.id);
        await query(
          url,
          `INSERT INTO "Issue" (name, title, "externalId", "createdById", "projectId", "integrationId")
           SELECT e, 'stale title', e, 'user-admin', 1, $1 FROM unnest($2::text[]) AS e`,
          [integration!.id, Array.from({ length: SYNCED }, (_, i) => `${key}-${i + 1}`)],
        );
        await query(
          url,
          `INSERT INTO "ProjectIntegration" (id, "projectId", "integrationId", config, "updatedAt") VALUES ('pi-chaos', 1, $1, $2, now())`,
          [integration!.id, JSON.stringify({ projectKey: key })],
        );
      }
      return {};
    },
    async tick(i) {
      if (i % 16 !== 2) return;
      const tenant = ctx.tenants[i % ctx.tenants.length]!;
      const queue = ctx.queue('issue-sync');
      const job = await queue.add(
        'create-issue',
        {
          userId: 'user-admin',
          integrationId: integrations.get(tenant),
          action: 'create',
          projectId: '1',
          data: { title: `Chaos issue ${i}`, description: `Sent by the chaos run for ${tenant}`, issueType: 'Bug' },
          tenantId: tenant,
        },
        KEEP,
      );
      ctx.sent({ queue, job, tenant, kind: 'create-issue' });
    },
    async midRun() {
      const queue = ctx.queue('issue-sync');
      for (const tenant of ctx.tenants) {
        const job = await queue.add(
          'sync-issues',
          {
            userId: 'user-admin',
            integrationId: integrations.get(tenant),
            action: 'sync',
            tenantId: tenant,
          },
          KEEP,
        );
        ctx.sent({ queue, job, tenant, kind: 'sync-issues' });
      }
    },
    async check() {
      const rows: CheckRow[] = [];
      // Each create-issue job in Redis is owed one tracker issue and one local row under its title;
      // a producer's add resent across a Valkey shutdown is a second job owed its own (counted apart).
      const createJobs = (
        await ctx.queue('issue-sync').getJobs(['completed', 'failed', 'active', 'waiting', 'delayed'])
      ).filter((job) => job.name === 'create-issue');
      let producerResends = 0;
      for (const tenant of ctx.tenants) {
        const url = databaseUrl(ctx.dbOf(tenant));
        const owedPerTitle = new Map<string, number>();
        for (const job of createJobs.filter((candidate) => candidate.data?.tenantId === tenant)) {
          const title = String(job.data.data.title);
          owedPerTitle.set(title, (owedPerTitle.get(title) ?? 0) + 1);
        }
        const owed = [...owedPerTitle.values()].reduce((sum, n) => sum + n, 0);
        producerResends += owed - owedPerTitle.size;
        const sent = sentCount.get(`create-issue:${tenant}`) ?? 0;
        /** Found titles against the jobs owed: more than owed is a duplicate, fewer a loss. */
        const against = (name: string, titles: string[]): CheckRow => {
          const found = new Map<string, number>();
          for (const title of titles) found.set(title, (found.get(title) ?? 0) + 1);
          let duplicated = 0;
          let lost = Math.max(0, sent - owed);
          for (const title of new Set([...owedPerTitle.keys(), ...found.keys()])) {
            const difference = (found.get(title) ?? 0) - (owedPerTitle.get(title) ?? 0);
            if (difference > 0) duplicated += difference;
            else lost -= difference;
          }
          return { name, expected: owed, found: titles.length, lost, duplicated };
        };
        const created = (fake.jira.get(projectKey(tenant)) ?? []).filter((issue) =>
          issue.title.startsWith('Chaos issue '),
        );
        rows.push(
          against(
            `tracker issues created ${tenant}`,
            created.map((issue) => issue.title),
          ),
        );
        const local = await query<{ title: string }>(url, `SELECT title FROM "Issue" WHERE title LIKE 'Chaos issue %'`);
        rows.push(
          against(
            `issue rows created ${tenant}`,
            local.map((issue) => issue.title),
          ),
        );
        const [synced] = await query<{ n: string }>(
          url,
          `SELECT count(*) AS n FROM "Issue" WHERE "integrationId" = $1 AND title LIKE 'Tracker title %'`,
          [integrations.get(tenant)],
        );
        rows.push(row(`issues synced ${tenant}`, SYNCED, Number(synced!.n)));
      }
      rows.push({
        name: 'create-issue adds resent by the producer',
        expected: 0,
        found: producerResends,
        lost: 0,
        duplicated: 0,
      });
      return rows;
    },
    stop: () => fake.stop(),
  };
}

/**
 * A Testmo import of a few thousand entities into its own tenant: analysed in the middle of the
 * run, then imported (as the web app does after the user confirms the mapping); every count exact.
 */
export function testmoImport(ctx: ChaosContext): Workload {
  const s3 = new TestS3Server();
  const scratch = fs.mkdtempSync(path.join(os.tmpdir(), 'tpw-chaos-testmo-'));
  const url = () => databaseUrl(ctx.dbOf(ctx.importTenant));
  let generated: GeneratedExport & { key: string; file: string };
  let flow: Promise<void> | undefined;
  return {
    name: 'Testmo import',
    async setup() {
      await s3.start();
      await seedBasics(url());
      await seedImportLookups(url());
      const file = path.join(scratch, 'chaos-export.json');
      const exported = await generateTestmoExport(file, { cases: ctx.small ? 400 : 2_000, seed: 5 });
      generated = { ...exported, file, key: await s3.upload(file, 'chaos-export.json') };
      return s3.env();
    },
    async midRun() {
      const queue = ctx.queue('testmo-imports');
      const tenant = ctx.importTenant;
      const jobId = await createImportJob(url(), {
        storageKey: generated.key,
        fileName: 'chaos-export.json',
        size: fs.statSync(generated.file).size,
        createdById: 'user-admin',
      });
      const analysis = await queue.add('process-testmo-import', { jobId, mode: 'analyze', tenantId: tenant }, KEEP);
      ctx.sent({ queue, job: analysis, tenant, kind: 'testmo-analysis' });
      flow = (async () => {
        const done = await waitFor(
          async () => {
            const job = await queue.getJob(analysis.id!).catch(() => undefined);
            return job?.finishedOn ? job : undefined;
          },
          20 * 60_000,
          async () => `analysis of ${jobId} not finished`,
          500,
        );
        if (done.failedReason) return; // counted as unfinished at the end
        await markImportStarted(url(), jobId, { users: { 1: { action: 'map', mappedTo: 'user-admin' } } });
        ctx.log(`Testmo analysis done; importing ${jobId}`);
        const job = await queue.add('process-testmo-import', { jobId, mode: 'import', tenantId: tenant }, KEEP);
        ctx.sent({ queue, job, tenant, kind: 'testmo-import' });
      })();
    },
    settled: async () => {
      await flow;
    },
    async check() {
      const counts = await importedCounts(url());
      const expected: Record<string, number> = { ...generated.expected, users: generated.expected.users - 1 };
      return Object.entries(expected)
        .filter(([name]) => name in counts)
        .map(([name, value]) => row(`import ${name}`, value, counts[name]!, Math.max(0, counts[name]! - value)));
    },
    async stop() {
      await s3.stop();
      fs.rmSync(scratch, { recursive: true, force: true });
    },
  };
}

/**
 * Bad input in the middle of the run: a malformed payload, an unknown tenant, a job of several MB.
 * Each must fail at once, alone and without retries; everything else carries on.
 */
/** An event whose changes hold 4 MB of text: valid to the schema, too large for a Temporal payload. */
function severalMegabytes(data: ReturnType<typeof auditEventData>) {
  return { ...data, event: { ...data.event, changes: { description: { old: '', new: 'x'.repeat(4 * 1024 * 1024) } } } };
}

export function badInput(ctx: ChaosContext): Workload {
  const kinds = ['malformed', 'unknown tenant', 'several MB'] as const;
  return {
    name: 'bad input',
    async tick(i) {
      if (i % 50 !== 25) return;
      const kind = kinds[Math.floor(i / 50) % kinds.length]!;
      const tenant = ctx.tenants[i % ctx.tenants.length]!;
      const queue = ctx.queue('audit-logs');
      const data =
        kind === 'malformed'
          ? { tenantId: tenant, event: { entityType: 'RepositoryCases' } }
          : kind === 'unknown tenant'
            ? auditEventData({ tenantId: `nobody_${i}`, entityId: `bad-${i}` })
            : severalMegabytes(auditEventData({ tenantId: tenant, entityId: `bad-${i}` }));
      const job = await queue.add('audit-event', data, { ...KEEP, attempts: 3 });
      ctx.sent({ queue, job, tenant, kind: `bad input (${kind})`, mustFail: true });
    },
    async check() {
      return [];
    },
  };
}
