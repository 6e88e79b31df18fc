/**
 * A deployment scaled out: two bridges and two workers (separate processes) serve two tenants.
 * Both bridges take jobs and start workflows, both workers run them; then one bridge and one
 * worker are SIGKILLed mid-run and the survivors finish everything: every job completed once,
 * each tenant's rows one to one with its jobs, in its own database only.
 *
 * Who did what is read from the processes' own traces: a bridge logs each job it takes and
 * completes; a workflow's history names the client that started it (WorkflowExecutionStarted
 * identity) and the worker that ran each activity (ActivityTaskStarted identity) or local activity
 * (the identity of the workflow task that recorded its marker). Identities are Temporal's
 * defaults, `<pid>@<host>`, so each one names one of the child processes.
 */
import * as os from 'node:os';
import type { Job, Queue } from 'bullmq';
import { Client, Connection } from '@temporalio/client';
import { auditLogIdFor } from '../src/activities/audit';
import { stableRowId } from '../src/activities/deps';
import { jobInstanceOf, jobInstanceKey, workflowIdForJob } from '../src/jobs/ids';
import type { QueueName } from '../src/jobs/queues';
import { createTenantDatabase, databaseUrl, dropDatabase, query, seedBasics } from './support/databases';
import { startApp, stopApp, waitFor, type AppProcess } from './support/processes';
import { services, uniqueSuffix } from './support/services';
import { stackEnv } from './support/stack';
import { auditEventData, testplanitQueue } from './support/testplanit';

const suffix = uniqueSuffix();
const tenants = { a: `ma_${suffix}`, b: `mb_${suffix}` } as const;
const dbs = { a: `tpw_multi_a_${suffix}`, b: `tpw_multi_b_${suffix}` } as const;
type TenantSide = keyof typeof tenants;
const SIDES: TenantSide[] = ['a', 'b'];

/** Audit events per tenant before the kill, and after it. */
const PHASE1_PER_TENANT = 120;
const PHASE2_PER_TENANT = 30;
/** Notifications per tenant in each phase: real (not local) activities, so ActivityTaskStarted names their worker. */
const NOTIFICATIONS_PER_TENANT = 2;

const appEnv = stackEnv({
  name: 'multi',
  suffix,
  tenants: {
    [tenants.a]: { databaseUrl: databaseUrl(dbs.a) },
    [tenants.b]: { databaseUrl: databaseUrl(dbs.b) },
  },
  extra: {
    BRIDGE_QUEUES: 'audit-logs,notifications',
    WORKER_QUEUES: 'audit-logs,notifications',
    // A dead bridge's jobs are redelivered within seconds.
    BRIDGE_LOCK_DURATION_MS: '4000',
    BRIDGE_STALLED_INTERVAL_MS: '2000',
    // A bridge holds only part of the backlog, so the other bridge gets jobs too (the default,
    // 5,000, would let the first bridge to see the marker take every job).
    BRIDGE_MAX_IN_FLIGHT: '30',
    // Small batches: many workflows, so both workers get some.
    BRIDGE_BATCH_MAX_JOBS: '4',
    AUDIT_LOG_CONCURRENCY: '2',
  },
});

const host = os.hostname();
let bridges: AppProcess[] = [];
let workers: AppProcess[] = [];
let audit: Queue;
let notifications: Queue;
let connection: Connection;
let temporal: Client;

/** Identity (`<pid>@<host>`) -> the process's name in messages. */
const names = new Map<string, string>();
const identityOf = (app: AppProcess) => `${app.child.pid}@${host}`;

interface Enqueued {
  side: TenantSide;
  queue: QueueName;
  job: Job;
  /** The audit event's entityId, or the notification's title. */
  key: string;
  phase: 1 | 2;
}
const enqueued: Enqueued[] = [];

/** workflowId -> who started it and who ran its activities; only completed workflows. */
const executions = new Map<string, { starter: string; runners: Set<string> }>();

function logTails(): string {
  return [...bridges, ...workers]
    .map((app, i) => `--- ${app.role} ${i % 2} (pid ${app.child.pid}):\n${app.output().slice(-1500)}`)
    .join('\n');
}

function idsIn(log: string, pattern: RegExp): Set<string> {
  return new Set([...log.matchAll(pattern)].map((match) => match[1]!));
}
const taken = (app: AppProcess) => idsIn(app.output(), /Processing audit-logs job (\S+) of type audit-event/g);
const completedBy = (app: AppProcess) =>
  idsIn(app.output(), /audit-logs job (\S+) of type audit-event completed for tenant/g);
const stalledIn = (app: AppProcess) => idsIn(app.output(), /audit-logs job (\S+) for tenant \S+ stalled;/g);

async function enqueueAudit(phase: 1 | 2, perTenant: number): Promise<void> {
  const data = Array.from({ length: perTenant }, (_, i) =>
    SIDES.map((side) => ({ side, entityId: `${side}-p${phase}-${i}` })),
  ).flat();
  const jobs = await audit.addBulk(
    data.map(({ side, entityId }) => ({
      name: 'audit-event',
      data: auditEventData({ tenantId: tenants[side], entityId }),
    })),
  );
  jobs.forEach((job, i) =>
    enqueued.push({ side: data[i]!.side, queue: 'audit-logs', job, key: data[i]!.entityId, phase }),
  );
}

async function enqueueNotifications(phase: 1 | 2): Promise<void> {
  for (const side of SIDES) {
    for (let i = 0; i < NOTIFICATIONS_PER_TENANT; i++) {
      const title = `${side}-p${phase}-n${i}`;
      // NotificationService.createNotification's options; the user has no preferences: IN_APP.
      const job = await notifications.add('create-notification', {
        userId: 'user-admin',
        type: 'WORK_ASSIGNED',
        title,
        message: `${title} message`,
        tenantId: tenants[side],
      });
      enqueued.push({ side, queue: 'notifications', job, key: title, phase });
    }
  }
}

function instanceOf(entry: Enqueued) {
  return jobInstanceOf(tenants[entry.side], entry.queue, entry.job);
}

/** The workflows a job ran in: the batch its log names, else its own. */
async function workflowsOf(entry: Enqueued): Promise<string[]> {
  const queue = entry.queue === 'audit-logs' ? audit : notifications;
  const { logs } = await queue.getJobLogs(entry.job.id!);
  const batches = logs.flatMap((line) => /^Ran in workflow (\S+) with/.exec(line)?.[1] ?? []);
  return batches.length > 0 ? batches : [workflowIdForJob(instanceOf(entry), 0)];
}

/** Reads a completed workflow's history once: its starter and the workers that ran its (local) activities. */
async function readExecution(workflowId: string): Promise<{ starter: string; runners: Set<string> }> {
  const known = executions.get(workflowId);
  if (known) return known;
  const events = (await temporal.workflow.getHandle(workflowId).fetchHistory()).events ?? [];
  const taskCompletedBy = new Map<string, string>();
  const runners = new Set<string>();
  let starter = '(none)';
  for (const event of events) {
    const started = event.workflowExecutionStartedEventAttributes;
    if (started) starter = started.identity ?? '(no identity)';
    const taskCompleted = event.workflowTaskCompletedEventAttributes;
    if (taskCompleted) taskCompletedBy.set(String(event.eventId), taskCompleted.identity ?? '(no identity)');
    const marker = event.markerRecordedEventAttributes;
    if (marker && /local_activity/.test(marker.markerName ?? '')) {
      runners.add(taskCompletedBy.get(String(marker.workflowTaskCompletedEventId)) ?? '(unknown task)');
    }
    const activity = event.activityTaskStartedEventAttributes;
    if (activity) runners.add(activity.identity ?? '(no identity)');
  }
  const execution = { starter, runners };
  executions.set(workflowId, execution);
  return execution;
}

/** Reads the histories of the tenants' workflows completed so far (listed by their search attributes). */
async function readCompletedExecutions(): Promise<void> {
  const tenantClause = SIDES.map((side) => `TenantId = '${tenants[side]}'`).join(' OR ');
  for await (const info of temporal.workflow.list({ query: `ExecutionStatus = 'Completed' AND (${tenantClause})` })) {
    await readExecution(info.workflowId);
  }
}

function named(identities: Iterable<string>): string[] {
  return [...new Set(identities)].map((identity) => names.get(identity) ?? identity).sort();
}

async function auditRows(db: string) {
  return query<{ id: string; entityId: string }>(
    databaseUrl(db),
    `SELECT id, "entityId" FROM "AuditLog" ORDER BY "entityId"`,
  );
}

async function notificationRows(db: string) {
  return query<{ id: string; title: string }>(databaseUrl(db), `SELECT id, title FROM "Notification" ORDER BY title`);
}

beforeAll(async () => {
  for (const side of SIDES) {
    await createTenantDatabase(dbs[side]);
    await seedBasics(databaseUrl(dbs[side]));
    // A slow database (50 ms an audit row): the run lasts long enough to kill processes in the
    // middle of it, whatever the machine's speed.
    await query(
      databaseUrl(dbs[side]),
      `CREATE FUNCTION slow_insert() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN PERFORM pg_sleep(0.05); RETURN NEW; END $$;
       CREATE TRIGGER slow_insert BEFORE INSERT ON "AuditLog" FOR EACH ROW EXECUTE FUNCTION slow_insert();`,
    );
  }
  audit = testplanitQueue('audit-logs', appEnv.BULLMQ_PREFIX!);
  notifications = testplanitQueue('notifications', appEnv.BULLMQ_PREFIX!);
  connection = await Connection.connect({ address: services.temporalAddress });
  temporal = new Client({ connection });
  const started = await Promise.allSettled([
    startApp('bridge', appEnv, 120_000),
    startApp('bridge', appEnv, 120_000),
    startApp('worker', appEnv, 120_000),
    startApp('worker', appEnv, 120_000),
  ]);
  const apps = started.flatMap((result) => (result.status === 'fulfilled' ? [result.value] : []));
  bridges = apps.filter((app) => app.role === 'bridge');
  workers = apps.filter((app) => app.role === 'worker');
  const failed = started.find((result) => result.status === 'rejected');
  if (failed) throw (failed as PromiseRejectedResult).reason;
  bridges.forEach((app, i) => names.set(identityOf(app), `bridge ${i}`));
  workers.forEach((app, i) => names.set(identityOf(app), `worker ${i}`));
}, 180_000);

afterAll(async () => {
  await Promise.all([...bridges, ...workers].map((app) => stopApp(app)));
  for (const queue of [audit, notifications]) {
    await queue?.obliterate({ force: true });
    await queue?.close();
  }
  await connection?.close();
  await Promise.all(SIDES.map((side) => dropDatabase(dbs[side])));
}, 120_000);

let killedBridge: AppProcess;
let survivingBridge: AppProcess;
let killedWorker: AppProcess;
let survivingWorker: AppProcess;
/** Jobs the killed bridge held (taken, not settled) when it died. */
let heldAtKill: string[] = [];

test('both bridges start workflows and both workers run activities', async () => {
  await enqueueAudit(1, PHASE1_PER_TENANT);
  await enqueueNotifications(1);
  const notificationsPhase1 = enqueued.filter((entry) => entry.queue === 'notifications').map((e) => e.job.id!);

  // Until the work is under way on all four processes, and a bridge holds jobs to lose.
  await waitFor(
    async () => {
      await readCompletedExecutions();
      const starters = new Set([...executions.values()].map((execution) => execution.starter));
      const runners = new Set([...executions.values()].flatMap((execution) => [...execution.runners]));
      const allSeen =
        bridges.every((app) => starters.has(identityOf(app)) && completedBy(app).size > 0) &&
        workers.every((app) => runners.has(identityOf(app)));
      const states = await Promise.all(notificationsPhase1.map((id) => notifications.getJobState(id)));
      if (!allSeen || states.some((state) => state !== 'completed')) return undefined;
      const holding = bridges.map((app) => taken(app).size - completedBy(app).size);
      return holding.some((count) => count >= 5) ? true : undefined;
    },
    90_000,
    async () =>
      `work not under way on all four processes: executions ${executions.size}, ` +
      `audit ${JSON.stringify(await audit.getJobCounts())}, notifications ${JSON.stringify(await notifications.getJobCounts())}\n${logTails()}`,
    500,
  );

  const starters = named([...executions.values()].map((execution) => execution.starter));
  const runners = named([...executions.values()].flatMap((execution) => [...execution.runners]));
  expect(starters).toEqual(['bridge 0', 'bridge 1']);
  expect(runners).toEqual(['worker 0', 'worker 1']);
}, 150_000);

test('SIGKILL of one bridge and one worker mid-run: the survivors take over the dead bridge’s jobs and run the rest', async () => {
  // The bridge holding more unsettled jobs dies, so its loss is felt.
  const holding = bridges.map((app) => taken(app).size - completedBy(app).size);
  const victim = holding[0]! >= holding[1]! ? 0 : 1;
  killedBridge = bridges[victim]!;
  survivingBridge = bridges[1 - victim]!;
  [killedWorker, survivingWorker] = workers as [AppProcess, AppProcess];
  await Promise.all([stopApp(killedBridge, 'SIGKILL'), stopApp(killedWorker, 'SIGKILL')]);
  expect(killedBridge.child.signalCode).toBe('SIGKILL');
  expect(killedWorker.child.signalCode).toBe('SIGKILL');

  // Still active in Redis, taken by the dead bridge and not settled by it: only the survivor's
  // stalled check can hand these on.
  const unsettled = [...taken(killedBridge)].filter((id) => !completedBy(killedBridge).has(id));
  const states = await Promise.all(unsettled.map((id) => audit.getJobState(id)));
  heldAtKill = unsettled.filter((_, i) => states[i] === 'active');
  expect(heldAtKill.length).toBeGreaterThan(0);

  await enqueueAudit(2, PHASE2_PER_TENANT);
  await enqueueNotifications(2);
  const total = enqueued.filter((entry) => entry.queue === 'audit-logs').length;
  await waitFor(
    async () => {
      const counts = await Promise.all([audit.getJobCounts('completed'), notifications.getJobCounts('completed')]);
      return counts[0].completed === total && counts[1].completed === NOTIFICATIONS_PER_TENANT * 2 * 2
        ? true
        : undefined;
    },
    120_000,
    async () =>
      `jobs not completed: audit ${JSON.stringify(await audit.getJobCounts())}, ` +
      `notifications ${JSON.stringify(await notifications.getJobCounts())}\n${logTails()}`,
    500,
  );

  // The surviving bridge found each of the dead bridge's jobs stalled and ran it.
  const stalled = stalledIn(survivingBridge);
  const survivorTook = taken(survivingBridge);
  expect(heldAtKill.filter((id) => !stalled.has(id) || !survivorTook.has(id))).toEqual([]);

  // Everything enqueued after the kill was started by the surviving bridge and run by the surviving worker.
  const phase2 = enqueued.filter((entry) => entry.phase === 2);
  const phase2Workflows = new Set((await Promise.all(phase2.map(workflowsOf))).flat());
  const phase2Executions = await Promise.all([...phase2Workflows].map(readExecution));
  expect(named(phase2Executions.map((execution) => execution.starter))).toEqual([
    names.get(identityOf(survivingBridge)),
  ]);
  expect(named(phase2Executions.flatMap((execution) => [...execution.runners]))).toEqual([
    names.get(identityOf(survivingWorker)),
  ]);
  // Alive and still consuming.
  expect(survivingBridge.child.exitCode).toBeNull();
  expect(survivingWorker.child.exitCode).toBeNull();
}, 200_000);

test('every job completed once: each tenant’s rows are its jobs one to one, none in the other tenant’s database', async () => {
  for (const queue of [audit, notifications]) {
    const counts = await queue.getJobCounts('active', 'waiting', 'delayed', 'prioritized', 'failed', 'paused');
    expect(counts).toEqual({ active: 0, waiting: 0, delayed: 0, prioritized: 0, failed: 0, paused: 0 });
  }
  const finals = await Promise.all(
    enqueued.map(async (entry) => {
      const queue = entry.queue === 'audit-logs' ? audit : notifications;
      const job = (await queue.getJob(entry.job.id!))!;
      return { state: await job.getState(), failedReason: job.failedReason ?? null };
    }),
  );
  expect(finals.filter((final) => final.state !== 'completed' || final.failedReason !== null)).toEqual([]);

  for (const side of SIDES) {
    const mine = enqueued.filter((entry) => entry.side === side);
    const audits = mine.filter((entry) => entry.queue === 'audit-logs');
    const notes = mine.filter((entry) => entry.queue === 'notifications');
    const rows = await auditRows(dbs[side]);
    // One row per job, keyed on the job: no job's row missing, none written twice.
    expect(rows.map((row) => row.entityId)).toEqual(audits.map((entry) => entry.key).sort());
    expect(rows.map((row) => row.id).sort()).toEqual(
      audits.map((entry) => auditLogIdFor(jobInstanceKey(instanceOf(entry)))).sort(),
    );
    const noteRows = await notificationRows(dbs[side]);
    expect(noteRows.map((row) => row.title)).toEqual(notes.map((entry) => entry.key).sort());
    expect(noteRows.map((row) => row.id).sort()).toEqual(
      notes.map((entry) => stableRowId('n', jobInstanceKey(instanceOf(entry)))).sort(),
    );
    // Nothing of the other tenant's.
    const other = side === 'a' ? 'b' : 'a';
    expect(rows.filter((row) => row.entityId.startsWith(`${other}-`))).toEqual([]);
    expect(noteRows.filter((row) => row.title.startsWith(`${other}-`))).toEqual([]);
  }

  // Over the whole run: workflows started by the two bridges only, run by the two workers only.
  const all = new Set((await Promise.all(enqueued.map(workflowsOf))).flat());
  const runs = await Promise.all([...all].map(readExecution));
  expect(named(runs.map((execution) => execution.starter))).toEqual(['bridge 0', 'bridge 1']);
  expect(named(runs.flatMap((execution) => [...execution.runners]))).toEqual(['worker 0', 'worker 1']);
}, 120_000);
