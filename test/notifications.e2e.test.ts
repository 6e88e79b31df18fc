/**
 * Notifications and emails on the real stack: BullMQ -> bridge -> Temporal -> worker -> tenant
 * PostgreSQL and a real SMTP server on loopback.
 */
import type { Job, Queue } from 'bullmq';
import {
  createTenantDatabase,
  databaseUrl,
  dropDatabase,
  insertNotification,
  query,
  seedUser,
} from './support/databases';
import { startApp, stopApp, waitFor, type AppProcess } from './support/processes';
import { uniqueSuffix } from './support/services';
import { startStack, stackEnv } from './support/stack';
import { TestSmtpServer } from './support/smtp';
import { testplanitQueue } from './support/testplanit';

const suffix = uniqueSuffix();
const tenantA = `na_${suffix}`;
const tenantB = `nb_${suffix}`;
const dbA = `tpw_notif_a_${suffix}`;
const dbB = `tpw_notif_b_${suffix}`;
const urlA = databaseUrl(dbA);
const urlB = databaseUrl(dbB);
const smtp = new TestSmtpServer();

let env: Record<string, string>;
let worker: AppProcess;
let bridge: AppProcess;
let notifications: Queue;
let emails: Queue;

type JobRef = { queue: Queue; id: string };
const ref = (queue: Queue, job: Job): JobRef => ({ queue, id: job.id! });

/** Waits until every job is completed or failed; returns them freshly read, with their states. */
async function settle(refs: JobRef[], timeoutMs = 90_000): Promise<Array<{ job: Job; state: string }>> {
  let states: string[] = [];
  await waitFor(
    async () => {
      states = await Promise.all(refs.map((r) => r.queue.getJobState(r.id)));
      return states.every((s) => s === 'completed' || s === 'failed') ? true : undefined;
    },
    timeoutMs,
    () => `jobs not settled: ${JSON.stringify(states)}\n${worker.output().slice(-2000)}`,
  );
  return Promise.all(refs.map(async (r, i) => ({ job: (await r.queue.getJob(r.id))!, state: states[i]! })));
}

beforeAll(async () => {
  await smtp.start();
  await createTenantDatabase(dbA);
  await createTenantDatabase(dbB);
  env = stackEnv({
    name: 'notif',
    suffix,
    tenants: {
      [tenantA]: { databaseUrl: urlA, baseUrl: 'https://alpha.testplanit.example' },
      [tenantB]: { databaseUrl: urlB },
    },
    extra: {
      NEXTAUTH_URL: 'https://fallback.testplanit.example',
      EMAIL_SERVER_HOST: '127.0.0.1',
      EMAIL_SERVER_PORT: String(smtp.port),
      EMAIL_FROM: 'noreply@testplanit.example',
    },
  });
  notifications = testplanitQueue('notifications', env.BULLMQ_PREFIX!);
  emails = testplanitQueue('emails', env.BULLMQ_PREFIX!);
  ({ worker, bridge } = await startStack(env));
}, 180_000);

afterAll(async () => {
  await Promise.all([bridge && stopApp(bridge), worker && stopApp(worker)]);
  for (const queue of [notifications, emails]) {
    await queue?.obliterate({ force: true });
    await queue?.close();
  }
  await smtp.stop();
  await Promise.all([dropDatabase(dbA), dropDatabase(dbB)]);
});

function createNotificationJob(tenantId: string, userId: string, extra: Record<string, unknown> = {}) {
  // NotificationService.createNotification's options.
  return notifications.add(
    'create-notification',
    {
      userId,
      type: 'WORK_ASSIGNED',
      title: 'New assignment',
      message: 'You were assigned a test case',
      relatedEntityId: '77',
      relatedEntityType: 'TestRunCase',
      data: {
        assignedByName: 'Ada',
        projectId: 3,
        projectName: 'Apollo',
        testRunId: 12,
        testRunName: 'Sprint',
        testCaseId: 77,
        testCaseName: 'Login works',
      },
      tenantId,
      ...extra,
    },
    { removeOnComplete: false, removeOnFail: false },
  );
}

async function notificationRows(url: string, userId: string) {
  return query<{ id: string; title: string; isRead: boolean }>(
    url,
    `SELECT id, title, "isRead" FROM "Notification" WHERE "userId" = $1 ORDER BY "createdAt"`,
    [userId],
  );
}

test('create-notification follows each user’s delivery mode, emails in immediate mode with the tenant’s links', async () => {
  await seedUser(urlA, { id: 'none', email: 'none@a.example', mode: 'NONE' });
  await seedUser(urlA, { id: 'inapp', email: 'inapp@a.example', mode: 'IN_APP' });
  await seedUser(urlA, {
    id: 'now',
    email: 'now@a.example',
    name: 'Nora',
    mode: 'IN_APP_EMAIL_IMMEDIATE',
    locale: 'fr_FR',
  });
  // Tenant B: USE_GLOBAL falls back to AppConfig notificationSettings.defaultMode.
  await query(
    urlB,
    `INSERT INTO "AppConfig" (key, value) VALUES ('notificationSettings', '{"defaultMode":"IN_APP_EMAIL_IMMEDIATE"}')`,
  );
  await seedUser(urlB, { id: 'global', email: 'global@b.example', mode: 'USE_GLOBAL' });

  const jobs = [
    await createNotificationJob(tenantA, 'none'),
    await createNotificationJob(tenantA, 'inapp'),
    await createNotificationJob(tenantA, 'now'),
    await createNotificationJob(tenantB, 'global'),
  ];
  const settledJobs = await settle(jobs.map((job) => ref(notifications, job)));
  expect(settledJobs.map((j) => j.state)).toEqual(['completed', 'completed', 'completed', 'completed']);

  expect(await notificationRows(urlA, 'none')).toEqual([]);
  expect(await notificationRows(urlA, 'inapp')).toHaveLength(1);
  expect(await notificationRows(urlA, 'now')).toHaveLength(1);
  expect(await notificationRows(urlB, 'global')).toHaveLength(1);
  // Nothing of tenant A's in B and the reverse.
  expect(await query(urlB, `SELECT 1 FROM "Notification" WHERE "userId" IN ('none','inapp','now')`)).toEqual([]);
  expect(await query(urlA, `SELECT 1 FROM "Notification" WHERE "userId" = 'global'`)).toEqual([]);

  expect(smtp.to('inapp@a.example')).toHaveLength(0);
  const [toNora] = smtp.to('now@a.example');
  expect(smtp.to('now@a.example')).toHaveLength(1);
  // Nora reads French: subject, body and link texts in her locale, the link under /fr-FR/.
  expect(toNora!.subject).toBe('TestPlanIt : Nouveau cas de test assigné');
  expect(toNora!.from).toBe('"TestPlanIt" <noreply@testplanit.example>');
  expect(toNora!.html).toContain('https://alpha.testplanit.example/fr-FR/projects/runs/3/12?selectedCase=77');
  expect(toNora!.html).toContain('Bonjour Nora,');
  expect(toNora!.html).toContain("<html lang='fr-FR'>");
  expect(toNora!.text).toContain('Ada vous a assigné le cas de test « Login works » du projet « Apollo »');
  expect(toNora!.text).toContain(
    'Voir les détails: https://alpha.testplanit.example/fr-FR/projects/runs/3/12?selectedCase=77',
  );
  // Tenant B has no baseUrl: NEXTAUTH_URL.
  const [toGlobal] = smtp.to('global@b.example');
  expect(toGlobal!.subject).toBe('TestPlanIt: New test case assignment');
  expect(toGlobal!.text).toContain('Ada assigned you the test case "Login works" in project "Apollo"');
  expect(toGlobal!.html).toContain('https://fallback.testplanit.example/en-US/projects/runs/3/12?selectedCase=77');
  expect(toGlobal!.html).not.toContain('alpha.testplanit.example');
});

test('send-notification-email jobs from older web apps send once per notification', async () => {
  await seedUser(urlA, { id: 'legacy', email: 'legacy@a.example', mode: 'IN_APP' });
  await insertNotification(urlA, {
    id: 'legacy-n1',
    userId: 'legacy',
    title: 'Heads up',
    type: 'SYSTEM_ANNOUNCEMENT',
    data: { sentByName: 'Admin' },
  });
  const payload = { notificationId: 'legacy-n1', userId: 'legacy', immediate: true, tenantId: tenantA };
  const [first] = await settle([ref(emails, await emails.add('send-notification-email', payload))]);
  const [again] = await settle([ref(emails, await emails.add('send-notification-email', payload))]);
  expect([first!.state, again!.state]).toEqual(['completed', 'completed']);
  const received = smtp.to('legacy@a.example');
  expect(received).toHaveLength(1);
  expect(received[0]!.subject).toBe('TestPlanIt: Heads up');
  expect(received[0]!.text).toContain('Sent by Admin');

  // An announcement written in the rich-text editor is sent as HTML.
  const richContent = {
    type: 'doc',
    content: [{ type: 'paragraph', content: [{ type: 'text', text: 'Downtime tonight', marks: [{ type: 'bold' }] }] }],
  };
  await insertNotification(urlA, {
    id: 'legacy-n2',
    userId: 'legacy',
    title: 'Rich',
    type: 'SYSTEM_ANNOUNCEMENT',
    data: { richContent },
  });
  const [rich] = await settle([
    ref(emails, await emails.add('send-notification-email', { ...payload, notificationId: 'legacy-n2' })),
  ]);
  expect(rich!.state).toBe('completed');
  const richMail = smtp.to('legacy@a.example').find((m) => m.subject === 'TestPlanIt: Rich')!;
  expect(richMail.html).toContain('<p><strong>Downtime tonight</strong></p>');
});

test('each user gets emails in their own language, dates formatted for it and times in their zone (UTC for one Intl does not know)', async () => {
  // One user per locale, each in a time zone of their own, so the digest's times show the zone too.
  const users = [
    { id: 'lang-en', locale: 'en_US', timezone: 'America/New_York' },
    { id: 'lang-es', locale: 'es_ES', timezone: 'Europe/Madrid' },
    // A zone TestPlanIt let through but Intl does not know: times in UTC rather than no email.
    { id: 'lang-fr', locale: 'fr_FR', timezone: 'Mars/Olympus_Mons' },
  ];
  for (const user of users) {
    await seedUser(urlA, { ...user, email: `${user.id}@a.example`, name: `Name ${user.id}`, mode: 'IN_APP' });
    await insertNotification(urlA, {
      id: `${user.id}-due`,
      userId: user.id,
      title: 'Stored title',
      type: 'MILESTONE_DUE_REMINDER',
      data: {
        milestoneName: 'Beta',
        projectName: 'Apollo',
        projectId: 3,
        milestoneId: 5,
        dueDate: '2025-03-14T00:00:00.000Z',
        isOverdue: true,
      },
    });
  }
  const jobs = users.flatMap((user) => [
    emails.add('send-notification-email', {
      notificationId: `${user.id}-due`,
      userId: user.id,
      immediate: true,
      tenantId: tenantA,
    }),
    // As older web apps send digests: the notifications in the payload, createdAt as ISO text.
    emails.add('send-digest-email', {
      userId: user.id,
      notifications: [
        { id: `${user.id}-digest`, title: 'Plan', message: 'Plan message', createdAt: '2025-03-14T09:30:00.000Z' },
      ],
      tenantId: tenantA,
    }),
  ]);
  const settledJobs = await settle((await Promise.all(jobs)).map((job) => ref(emails, job)));
  expect(settledJobs.map((j) => j.state)).toEqual(users.map(() => ['completed', 'completed']).flat());

  // Intl puts narrow or no-break spaces into some dates and times; compare them as plain spaces.
  const plain = (text: string) => text.replace(/\s/g, ' ');
  const mails = (id: string) => {
    const received = smtp.to(`${id}@a.example`);
    expect(received).toHaveLength(2);
    const reminder = received.find((m) => m.text.includes('Beta'))!;
    const digest = received.find((m) => m !== reminder)!;
    return { reminder: { ...reminder, text: plain(reminder.text) }, digest: { ...digest, text: plain(digest.text) } };
  };

  const en = mails('lang-en');
  expect(en.reminder.subject).toBe('TestPlanIt: Milestone overdue');
  expect(en.reminder.html).toContain("<html lang='en-US'>");
  expect(en.reminder.text).toContain('Hello Name lang-en,');
  expect(en.reminder.text).toContain('Milestone "Beta" in project "Apollo" was due on March 14, 2025');
  expect(en.reminder.text).toContain('View details: https://alpha.testplanit.example/en-US/projects/milestones/3/5');
  expect(en.digest.subject).toBe('TestPlanIt Daily Digest - 1 notification');
  expect(en.digest.text).toContain('You have 1 unread notification from the last 24 hours.');
  // 09:30 UTC is 05:30 in New York (daylight saving time began on March 9).
  expect(en.digest.text).toContain('March 14, 2025 at 5:30 AM');

  const es = mails('lang-es');
  expect(es.reminder.subject).toBe('TestPlanIt: Hito vencido');
  expect(es.reminder.html).toContain("<html lang='es-ES'>");
  expect(es.reminder.html).toContain('Ver detalles');
  expect(es.reminder.text).toContain('Hola Name lang-es:');
  expect(es.reminder.text).toContain('El hito "Beta" del proyecto "Apollo" vencía el 14 de marzo de 2025');
  expect(es.digest.subject).toBe('Resumen diario de TestPlanIt - 1 notificación');
  expect(es.digest.text).toContain('Tiene 1 notificación sin leer de las últimas 24 horas.');
  expect(es.digest.text).toContain('14 de marzo de 2025 a las 10:30');
  expect(es.digest.html).toContain('Todas las notificaciones');

  const fr = mails('lang-fr');
  expect(fr.reminder.subject).toBe('TestPlanIt : Jalon en retard');
  expect(fr.reminder.html).toContain("<html lang='fr-FR'>");
  expect(fr.reminder.html).toContain('Les modifier');
  expect(fr.reminder.text).toContain('Bonjour Name lang-fr,');
  expect(fr.reminder.text).toContain('Le jalon « Beta » du projet « Apollo » était dû le 14 mars 2025');
  expect(fr.reminder.text).toContain(
    'Paramètres de notification: https://alpha.testplanit.example/fr-FR/users/profile',
  );
  expect(fr.digest.subject).toBe('Résumé quotidien TestPlanIt - 1 notification');
  expect(fr.digest.text).toContain('Vous avez 1 notification non lue des dernières 24 heures.');
  expect(fr.digest.text).toContain('14 mars 2025 à 09:30');
});

test('bad addresses fail that email alone: 5xx at once, 4xx retried until delivered', async () => {
  await seedUser(urlA, { id: 'bounce', email: 'bounce@a.example', mode: 'IN_APP_EMAIL_IMMEDIATE' });
  await seedUser(urlA, { id: 'busy', email: 'busy@a.example', mode: 'IN_APP_EMAIL_IMMEDIATE' });
  await seedUser(urlA, { id: 'fine', email: 'fine@a.example', mode: 'IN_APP_EMAIL_IMMEDIATE' });
  await seedUser(urlA, { id: 'noaddress', email: '', mode: 'IN_APP_EMAIL_IMMEDIATE' });
  let busyRefusals = 0;
  smtp.onRecipient = (address) => {
    if (address === 'bounce@a.example') return { code: 550, message: 'Mailbox unavailable' };
    if (address === 'busy@a.example' && busyRefusals++ === 0) return { code: 451, message: 'Try again later' };
    return undefined;
  };
  try {
    const [bounce, busy, fine, missing, noAddress] = await settle([
      ref(notifications, await createNotificationJob(tenantA, 'bounce')),
      ref(notifications, await createNotificationJob(tenantA, 'busy')),
      ref(notifications, await createNotificationJob(tenantA, 'fine')),
      ref(
        emails,
        await emails.add('send-notification-email', {
          notificationId: 'does-not-exist',
          userId: 'fine',
          immediate: true,
          tenantId: tenantA,
        }),
      ),
      ref(notifications, await createNotificationJob(tenantA, 'noaddress')),
    ]);
    expect(noAddress!.state).toBe('failed');
    expect(noAddress!.job.failedReason).toBe('User noaddress has no email address');
    expect(noAddress!.job.attemptsMade).toBe(1);
    // The in-app notification exists even though its email could not be sent.
    expect(await notificationRows(urlA, 'noaddress')).toHaveLength(1);
    expect(bounce!.state).toBe('failed');
    expect(bounce!.job.failedReason).toMatch(
      /^SMTP server rejected email to bounce@a\.example: 550 Mailbox unavailable/,
    );
    expect(bounce!.job.attemptsMade).toBe(1);
    expect(missing!.state).toBe('failed');
    expect(missing!.job.failedReason).toBe('Notification does-not-exist not found');
    expect(busy!.state).toBe('completed');
    expect(fine!.state).toBe('completed');
    expect(smtp.to('busy@a.example')).toHaveLength(1);
    expect(smtp.to('fine@a.example')).toHaveLength(1);
    expect(smtp.to('bounce@a.example')).toHaveLength(0);
    expect(busyRefusals).toBe(2);
  } finally {
    smtp.onRecipient = () => undefined;
  }
});

test('daily digest: one email per daily user with unread notifications of the last 24 h, marked read after sending', async () => {
  const old = new Date(Date.now() - 30 * 60 * 60 * 1000);
  await seedUser(urlA, { id: 'daily1', email: 'daily1@a.example', mode: 'IN_APP_EMAIL_DAILY' });
  await seedUser(urlA, { id: 'daily2', email: 'daily2@a.example', mode: 'IN_APP_EMAIL_DAILY', locale: 'es_ES' });
  await seedUser(urlA, { id: 'dailyquiet', email: 'quiet@a.example', mode: 'IN_APP_EMAIL_DAILY' });
  await insertNotification(urlA, {
    id: 'd1-a',
    userId: 'daily1',
    title: 'First',
    type: 'SESSION_ASSIGNED',
    data: { projectId: 4, sessionId: 9 },
  });
  await insertNotification(urlA, { id: 'd1-b', userId: 'daily1', title: 'Second' });
  await insertNotification(urlA, { id: 'd1-old', userId: 'daily1', title: 'Too old', createdAt: old });
  await insertNotification(urlA, { id: 'd1-read', userId: 'daily1', title: 'Already read', isRead: true });
  await insertNotification(urlA, {
    id: 'd2-a',
    userId: 'daily2',
    title: 'Only one',
    type: 'SESSION_ASSIGNED',
    data: { assignedByName: 'Ada', sessionName: 'Smoke', projectName: 'Apollo', projectId: 4, sessionId: 9 },
  });
  // Tenant B's daily user must not be touched by tenant A's digest.
  await seedUser(urlB, { id: 'dailyb', email: 'dailyb@b.example', mode: 'IN_APP_EMAIL_DAILY' });
  await insertNotification(urlB, { id: 'db-a', userId: 'dailyb', title: 'Tenant B news' });

  const [run] = await settle([ref(notifications, await notifications.add('send-daily-digest', { tenantId: tenantA }))]);
  expect(run!.state).toBe('completed');
  expect(run!.job.returnvalue).toMatchObject({ status: 'completed', emailsSent: 2, failures: [] });

  const [digest1] = smtp.to('daily1@a.example');
  expect(smtp.to('daily1@a.example')).toHaveLength(1);
  expect(digest1!.subject).toBe('TestPlanIt Daily Digest - 2 notifications');
  expect(digest1!.html).toContain('https://alpha.testplanit.example/en-US/projects/sessions/4/9');
  expect(digest1!.text).toContain('First');
  expect(digest1!.text).not.toContain('Too old');
  expect(digest1!.text).not.toContain('Already read');
  // daily2 reads Spanish: the digest, and the notification in it, are in Spanish.
  const [digest2] = smtp.to('daily2@a.example');
  expect(smtp.to('daily2@a.example').map((m) => m.subject)).toEqual(['Resumen diario de TestPlanIt - 1 notificación']);
  expect(digest2!.text).toContain('Tiene 1 notificación sin leer de las últimas 24 horas.');
  expect(digest2!.text).toContain('Nueva asignación de sesión');
  expect(digest2!.text).toContain('Ada le asignó la sesión "Smoke" en el proyecto "Apollo"');
  expect(digest2!.html).toContain('https://alpha.testplanit.example/es-ES/projects/sessions/4/9');
  expect(smtp.to('quiet@a.example')).toHaveLength(0);
  expect(smtp.to('dailyb@b.example')).toHaveLength(0);

  const readState = await query<{ id: string; isRead: boolean }>(
    urlA,
    `SELECT id, "isRead" FROM "Notification" WHERE id LIKE 'd1-%' OR id LIKE 'd2-%' ORDER BY id`,
  );
  expect(readState).toEqual([
    { id: 'd1-a', isRead: true },
    { id: 'd1-b', isRead: true },
    { id: 'd1-old', isRead: false },
    { id: 'd1-read', isRead: true },
    { id: 'd2-a', isRead: true },
  ]);
  expect(await query(urlB, `SELECT "isRead" FROM "Notification" WHERE id = 'db-a'`)).toEqual([{ isRead: false }]);

  // The next day's run finds nothing unread: no second digest.
  const [next] = await settle([
    ref(notifications, await notifications.add('send-daily-digest', { tenantId: tenantA })),
  ]);
  expect(next!.job.returnvalue).toMatchObject({ emailsSent: 0 });
  expect(smtp.to('daily1@a.example')).toHaveLength(1);
});

test('a worker killed in the middle of a digest run: after restart every user has exactly one digest', async () => {
  const users = Array.from({ length: 30 }, (_, i) => `crash${String(i).padStart(2, '0')}`);
  for (const id of users) {
    await seedUser(urlB, { id, email: `${id}@b.example`, mode: 'IN_APP_EMAIL_DAILY' });
    await insertNotification(urlB, { id: `${id}-n`, userId: id, title: `For ${id}` });
  }
  // When the 11th digest arrives, hold it and every later one, give the worker a moment to record
  // the ones already accepted, then SIGKILL it and refuse the held messages: the worker dies with
  // sends in flight that the server never accepted.
  let killed = false;
  let kill: Promise<void> | undefined;
  smtp.beforeAccept = async (mail) => {
    if (killed || !mail.to.some((to) => to.startsWith('crash'))) return;
    if (!kill && smtp.received.filter((m) => m.to[0]!.startsWith('crash')).length === 10) {
      kill = new Promise<void>((resolve) => setTimeout(resolve, 500)).then(() => {
        worker.child.kill('SIGKILL');
        killed = true;
      });
    }
    if (kill) {
      await kill;
      throw new Error('connection lost');
    }
  };
  try {
    const job = await notifications.add('send-daily-digest', { tenantId: tenantB });
    await waitFor(
      async () => (killed ? true : undefined),
      60_000,
      () => 'worker was never killed',
    );
    await worker.exited;
    worker = await startApp('worker', env);
    const [done] = await settle([ref(notifications, job)], 150_000);
    expect(done!.state).toBe('completed');
  } finally {
    smtp.beforeAccept = () => undefined;
  }
  expect(smtp.received.filter((m) => m.to[0]!.startsWith('crash'))).toHaveLength(users.length);
  for (const id of users) expect(smtp.to(`${id}@b.example`)).toHaveLength(1);
  const unread = await query(urlB, `SELECT id FROM "Notification" WHERE id LIKE 'crash%' AND NOT "isRead"`);
  expect(unread).toEqual([]);
}, 240_000);
