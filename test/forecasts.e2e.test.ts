/** forecast-updates jobs on the real stack, checked against an independent in-memory computation. */
import type { Job, Queue } from 'bullmq';
import { Client, Connection } from '@temporalio/client';
import { createTenantDatabase, databaseUrl, dropDatabase, query, seedBasics, seedUser } from './support/databases';
import { actualForecasts, referenceForecasts, seedForecastData } from './support/forecastData';
import { startApp, stopApp, waitFor, type AppProcess } from './support/processes';
import { services, uniqueSuffix } from './support/services';
import { startStack, stackEnv, stopStack } from './support/stack';
import { jobFinished, testplanitQueue } from './support/testplanit';
import { jobInstanceOf, workflowIdForJob } from '../src/jobs/ids';
import { CASES_PER_RANGE } from '../src/workflows/forecasts';

const suffix = uniqueSuffix();
const tenantA = `fa_${suffix}`;
const tenantB = `fb_${suffix}`;
const dbA = `tpw_fc_a_${suffix}`;
const dbB = `tpw_fc_b_${suffix}`;
const urlA = databaseUrl(dbA);
const urlB = databaseUrl(dbB);
// Six ranges of the workflow (CASES_PER_RANGE): three rounds of two, so a kill lands mid-way.
const CASES_A = 150_000;

let env: Record<string, string>;
let worker: AppProcess;
let bridge: AppProcess;
let queue: Queue;

function finished(job: Job, timeoutMs = 120_000): Promise<Job> {
  return jobFinished(queue, job, timeoutMs, () => worker.output().slice(-2000));
}

async function resetForecasts(url: string): Promise<void> {
  await query(url, `UPDATE "RepositoryCases" SET "forecastManual" = NULL, "forecastAutomated" = NULL`);
  await query(url, `UPDATE "TestRuns" SET "forecastManual" = NULL, "forecastAutomated" = NULL`);
}

async function expectForecastsMatchReference(url: string): Promise<void> {
  const [expected, actual] = await Promise.all([referenceForecasts(url), actualForecasts(url)]);
  expect(actual.cases.size).toBe(expected.cases.size);
  const caseMismatches = [...expected.cases].filter(
    ([id, want]) => JSON.stringify(actual.cases.get(id)) !== JSON.stringify(want),
  );
  expect(caseMismatches.slice(0, 5)).toEqual([]);
  const runMismatches = [...expected.runs].filter(
    ([id, want]) => JSON.stringify(actual.runs.get(id)) !== JSON.stringify(want),
  );
  expect(runMismatches.slice(0, 5)).toEqual([]);
  // The data has manual and automated forecasts, and runs with and without pending cases.
  expect([...actual.cases.values()].filter((c) => c.manual !== null).length).toBeGreaterThan(1000);
  expect([...actual.cases.values()].filter((c) => c.automated !== null).length).toBeGreaterThan(1000);
}

/** Starts an all-cases forecast and resolves once it is under way (some ranges done, not all). */
async function startForecastAndWaitUntilUnderWay(): Promise<{
  job: Job;
  progress: { current: number; total: number };
}> {
  const job = await queue.add('update-all-cases-forecast', { tenantId: tenantA });
  const progress = await waitFor(
    async () => {
      const p = (await queue.getJob(job.id!))!.progress as { current?: number; total?: number };
      return p.current && p.current < p.total! ? (p as { current: number; total: number }) : undefined;
    },
    60_000,
    async () => {
      const current = await queue.getJob(job.id!);
      return `no progress before the interruption: job ${await current?.getState()}, progress ${JSON.stringify(current?.progress)}; worker: ${worker.output().slice(-1500)}`;
    },
    20,
  );
  return { job, progress };
}

/** The history of the job's forecast workflow's latest run, and that run's id. */
async function forecastHistory(job: Job) {
  const connection = await Connection.connect({ address: services.temporalAddress });
  try {
    const handle = new Client({ connection }).workflow.getHandle(
      workflowIdForJob(jobInstanceOf(tenantA, 'forecast-updates', job), 0),
    );
    const { runId } = await handle.describe();
    const run = new Client({ connection }).workflow.getHandle(handle.workflowId, runId);
    return { runId, events: (await run.fetchHistory()).events! };
  } finally {
    await connection.close();
  }
}

beforeAll(async () => {
  await seedBasics(await createTenantDatabase(dbA));
  await seedBasics(await createTenantDatabase(dbB));
  await seedForecastData(urlA, CASES_A);
  await seedForecastData(urlB, 2_000);
  env = stackEnv({
    name: 'fc',
    suffix,
    tenants: { [tenantA]: { databaseUrl: urlA }, [tenantB]: { databaseUrl: urlB } },
    extra: { BRIDGE_STATUS_POLL_MS: '100' },
  });
  queue = testplanitQueue('forecast-updates', env.BULLMQ_PREFIX!);
  ({ worker, bridge } = await startStack(env));
}, 180_000);

afterAll(async () => {
  await stopStack(bridge, worker);
  await queue?.obliterate({ force: true });
  await queue?.close();
  await Promise.all([dropDatabase(dbA), dropDatabase(dbB)]);
});

test('update-all-cases-forecast computes every case and open run of the tenant, and nothing of the other', async () => {
  const job = await finished(await queue.add('update-all-cases-forecast', { tenantId: tenantA }));
  expect(await job.getState()).toBe('completed');
  const [{ n: active }] = (await query<{ n: string }>(
    urlA,
    `SELECT count(*) AS n FROM "RepositoryCases" WHERE NOT "isDeleted" AND NOT "isArchived"`,
  )) as [{ n: string }];
  expect(job.returnvalue).toEqual({ status: 'completed', successCount: Number(active), failCount: 0 });
  expect(job.progress).toMatchObject({ percentage: 100, total: Number(active) });
  expect((await queue.getJobLogs(job.id!)).logs.at(-1)).toMatch(/^Forecasts updated: \d+ cases, \d+ open test runs$/);
  await expectForecastsMatchReference(urlA);
  expect(
    await query(
      urlB,
      `SELECT 1 FROM "RepositoryCases" WHERE "forecastManual" IS NOT NULL OR "forecastAutomated" IS NOT NULL LIMIT 1`,
    ),
  ).toEqual([]);
});

test('a worker killed mid-way resumes from the ranges it was on and the result is complete', async () => {
  await resetForecasts(urlA);
  const { job, progress: progressAtKill } = await startForecastAndWaitUntilUnderWay();
  worker.child.kill('SIGKILL');
  await worker.exited;
  expect(await queue.getJobState(job.id!)).toBe('active');
  worker = await startApp('worker', env);
  const done = await finished(job);
  expect(await done.getState()).toBe('completed');
  expect(progressAtKill.current).toBeGreaterThan(0);
  await expectForecastsMatchReference(urlA);

  // Nothing restarted from zero: each range was scheduled exactly once (a range lost with the
  // worker is retried as another attempt of the same activity, not scheduled again).
  const scheduled = (await forecastHistory(job)).events.filter(
    (e) => e.activityTaskScheduledEventAttributes?.activityType?.name === 'updateCaseForecastRange',
  );
  const [{ n: active }] = (await query<{ n: string }>(
    urlA,
    `SELECT count(*) AS n FROM "RepositoryCases" WHERE NOT "isDeleted" AND NOT "isArchived"`,
  )) as [{ n: string }];
  expect(scheduled).toHaveLength(Math.ceil(Number(active) / CASES_PER_RANGE));
}, 180_000);

test('update-single-case-forecast updates the case, its linked case, the other cases of their runs, and the runs', async () => {
  await resetForecasts(urlB);
  const job = await finished(
    await queue.add('update-single-case-forecast', { repositoryCaseId: 3, tenantId: tenantB }),
  );
  expect(await job.getState()).toBe('completed');
  expect(job.returnvalue).toEqual({ updatedCaseIds: [3, 4], affectedTestRunIds: [1] });
  const expected = await referenceForecasts(urlB);
  const rows = await query<{ id: number; manual: number | null; automated: number | null }>(
    urlB,
    `SELECT id, "forecastManual" AS manual, "forecastAutomated" AS automated FROM "RepositoryCases" WHERE id IN (3, 4, 5, 97, 150) ORDER BY id`,
  );
  expect(rows).toEqual([
    { id: 3, ...expected.cases.get(3)! },
    { id: 4, ...expected.cases.get(3)! },
    // Run 1 holds cases 1-100: they are refreshed before the run is summed, archived case 97 too.
    { id: 5, ...expected.cases.get(5)! },
    { id: 97, ...expected.cases.get(97)! },
    // Case 150 is in run 2 only, which the job does not touch.
    { id: 150, manual: null, automated: null },
  ]);
  expect(expected.cases.get(3)!.manual).not.toBeNull();
  expect(expected.cases.get(3)!.automated).not.toBeNull();
  expect(expected.cases.get(97)!.manual).not.toBeNull();
  const [run] = await query<{ manual: number | null; automated: number | null }>(
    urlB,
    `SELECT "forecastManual" AS manual, "forecastAutomated" AS automated FROM "TestRuns" WHERE id = 1`,
  );
  // Pending cases count although the seed names the status `untested`, as TestPlanIt's seed does.
  expect(run).toEqual(expected.runs.get(1));
  expect(run!.manual).not.toBeNull();
});

test('milestones: auto-completion, and due reminders that keep the tenant and are not repeated the same day', async () => {
  await seedUser(urlB, { id: 'runner', email: 'runner@b.example' });
  await seedUser(urlB, { id: 'tester', email: 'tester@b.example' });
  const day = 24 * 60 * 60 * 1000;
  const insert = async (name: string, dueInMs: number, extra: string) => {
    const [row] = await query<{ id: number }>(
      urlB,
      `INSERT INTO "Milestones" ("projectId", "milestoneTypesId", name, "createdBy", "completedAt", ${extra.split('=')[0]})
       VALUES (1, 1, $1, 'user-admin', $2, ${extra.split('=')[1]}) RETURNING id`,
      [name, new Date(Date.now() + dueInMs)],
    );
    return row!.id;
  };
  const autoPast = await insert('Auto past', -day, '"automaticCompletion"=true');
  const autoFuture = await insert('Auto future', 5 * day, '"automaticCompletion"=true');
  const dueSoon = await insert('Due soon', 2 * day, '"notifyDaysBefore"=3');
  const dueLater = await insert('Due later', 10 * day, '"notifyDaysBefore"=3');
  const overdue = await insert('Overdue', -2 * day, '"notifyDaysBefore"=1');
  const [run] = await query<{ id: number }>(
    urlB,
    `INSERT INTO "TestRuns" ("projectId", name, "stateId", "createdById", "milestoneId") VALUES (1, 'M run', 1, 'runner', $1) RETURNING id`,
    [dueSoon],
  );
  await query(
    urlB,
    `INSERT INTO "TestRunCases" ("testRunId", "repositoryCaseId", "assignedToId") VALUES ($1, 1, 'tester')`,
    [run!.id],
  );

  const completed = await finished(await queue.add('auto-complete-milestones', { tenantId: tenantB }));
  expect(completed.returnvalue).toEqual({
    status: 'completed',
    successCount: 1,
    failCount: 0,
    milestoneIds: [autoPast],
  });
  expect(await query(urlB, `SELECT id FROM "Milestones" WHERE "isCompleted" ORDER BY id`)).toEqual([{ id: autoPast }]);
  expect(autoFuture).toBeGreaterThan(0);

  for (let i = 0; i < 2; i += 1) {
    const reminders = await finished(await queue.add('milestone-due-notifications', { tenantId: tenantB }));
    expect(await reminders.getState()).toBe('completed');
    expect(reminders.returnvalue).toMatchObject({ status: 'completed', failCount: 0 });
  }
  const notes = await query<{ userId: string; title: string; relatedEntityId: string; data: { isOverdue: boolean } }>(
    urlB,
    `SELECT "userId", title, "relatedEntityId", data FROM "Notification" WHERE type = 'MILESTONE_DUE_REMINDER' ORDER BY "relatedEntityId", "userId"`,
  );
  expect(notes.map((n) => [n.relatedEntityId, n.userId, n.title])).toEqual([
    [String(dueSoon), 'runner', 'Milestone due soon'],
    [String(dueSoon), 'tester', 'Milestone due soon'],
    [String(dueSoon), 'user-admin', 'Milestone due soon'],
    [String(overdue), 'user-admin', 'Milestone overdue'],
  ]);
  expect(notes.some((n) => n.relatedEntityId === String(dueLater))).toBe(false);
  expect(await query(urlA, `SELECT 1 FROM "Notification" LIMIT 1`)).toEqual([]);
});

test('SIGTERM lets the worker finish its in-flight ranges: nothing that started is retried, nothing lost', async () => {
  await resetForecasts(urlA);
  // The SDK logs each activity it starts at debug level: that is how this test knows which ranges
  // the stopping worker really ran.
  expect(await stopApp(worker, 'SIGTERM')).toBe(0);
  worker = await startApp('worker', { ...env, LOG_LEVEL: 'debug' });
  const { job } = await startForecastAndWaitUntilUnderWay();
  expect(await stopApp(worker, 'SIGTERM')).toBe(0);
  const stoppedOutput = worker.output();
  expect(stoppedOutput).toContain('Shutdown complete');
  worker = await startApp('worker', env);
  const done = await finished(job);
  expect(await done.getState()).toBe('completed');
  await expectForecastsMatchReference(urlA);

  const { events, runId } = await forecastHistory(job);
  const activityIdOf = new Map(
    events.flatMap((e) =>
      e.activityTaskScheduledEventAttributes
        ? [[String(e.eventId), e.activityTaskScheduledEventAttributes.activityId!]]
        : [],
    ),
  );
  const started = events.flatMap((e) =>
    e.activityTaskStartedEventAttributes
      ? [
          {
            activityId: activityIdOf.get(String(e.activityTaskStartedEventAttributes.scheduledEventId))!,
            attempt: e.activityTaskStartedEventAttributes.attempt ?? 1,
          },
        ]
      : [],
  );
  expect(started.length).toBeGreaterThan(10);
  // The SDK's debug lines carry their fields over several lines: `Activity started { ... }`.
  const ranInStoppedWorker = new Set(
    [...stoppedOutput.matchAll(/\[DEBUG\] Activity started \{([^}]*)\}/g)].flatMap((m) => {
      const field = (name: string) => new RegExp(`${name}: '([^']+)'`).exec(m[1]!)?.[1];
      return field('workflowRunId') === runId ? [field('activityId')!] : [];
    }),
  );
  expect(ranInStoppedWorker.size).toBeGreaterThan(0);
  // Every range the stopping worker started, it finished: none came back as a retry. A retry is
  // tolerated only for a task the stopping worker never started: Temporal servers before the
  // poll-complete-on-shutdown capability (the dev server's 1.29 included) can hand a task to a
  // long poll in the same instant the SDK cancels it; that task waits for its start-to-close
  // timeout and runs once, elsewhere.
  const retried = started.filter((s) => s.attempt > 1);
  expect(retried.filter((r) => ranInStoppedWorker.has(r.activityId))).toEqual([]);
  expect(retried.length).toBeLessThanOrEqual(1);
}, 180_000);
