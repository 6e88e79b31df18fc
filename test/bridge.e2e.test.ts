/**
 * The whole path on real services: BullMQ (Redis) -> bridge process -> Temporal dev server ->
 * worker process -> tenant PostgreSQL databases -> outcome mirrored back onto the BullMQ job.
 */
import type { Job, Queue } from 'bullmq';
import { Client, Connection } from '@temporalio/client';
import { auditLogIdFor } from '../src/activities/audit';
import { jobInstanceOf, jobInstanceKey, workflowIdForJob, type JobInstance } from '../src/jobs/ids';
import { createTenantDatabase, databaseUrl, dropDatabase, query, seedBasics } from './support/databases';
import { startApp, stopApp, waitFor, type AppProcess } from './support/processes';
import { services, uniqueSuffix } from './support/services';
import { stackEnv } from './support/stack';
import { auditEventData, enqueueAuditEvent, testplanitQueue } from './support/testplanit';

const suffix = uniqueSuffix();
const tenantA = `a_${suffix}`;
const tenantB = `b_${suffix}`;
const tenantLate = `late_${suffix}`; // configured, but its database only appears mid-test
const dbA = `tpw_e2e_a_${suffix}`;
const dbB = `tpw_e2e_b_${suffix}`;
const dbLate = `tpw_e2e_late_${suffix}`;
const tenantGone = `gone_${suffix}`; // configured, but its database never exists: its jobs never finish
const dbGone = `tpw_e2e_gone_${suffix}`;

const appEnv = stackEnv({
  name: 'e2e',
  suffix,
  tenants: {
    [tenantA]: { databaseUrl: databaseUrl(dbA) },
    [tenantB]: { databaseUrl: databaseUrl(dbB) },
    [tenantLate]: { databaseUrl: databaseUrl(dbLate) },
    [tenantGone]: { databaseUrl: databaseUrl(dbGone) },
  },
  extra: { BRIDGE_LOCK_DURATION_MS: '4000', BRIDGE_STALLED_INTERVAL_MS: '2000' },
});

let queue: Queue;
let worker: AppProcess;
let bridge: AppProcess;
let connection: Connection;
let temporal: Client;
let projectA: number;

function namedTenant(job: Job): string {
  return (job.data as { tenantId: string }).tenantId;
}

function instanceOf(tenantKey: string, job: Job): JobInstance {
  return jobInstanceOf(tenantKey, 'audit-logs', job);
}

async function jobState(id: string): Promise<{ state: string; job: Job }> {
  const job = (await queue.getJob(id))!;
  return { state: await job.getState(), job };
}

async function waitForState(ids: string[], states: string[], timeoutMs = 60_000): Promise<void> {
  await waitFor(
    async () => {
      const current = await Promise.all(ids.map(async (id) => (await jobState(id)).state));
      return current.every((state) => states.includes(state)) ? true : undefined;
    },
    timeoutMs,
    async () =>
      `jobs not ${states.join('/')}: ${JSON.stringify(await queue.getJobCounts())}\n${bridge.output().slice(-3000)}`,
  );
}

async function auditRows(db: string) {
  return query<{
    id: string;
    entityId: string;
    projectId: number | null;
    metadata: Record<string, unknown>;
    userId: string;
  }>(databaseUrl(db), `SELECT id, "entityId", "projectId", metadata, "userId" FROM "AuditLog" ORDER BY "entityId"`);
}

beforeAll(async () => {
  await createTenantDatabase(dbA);
  await createTenantDatabase(dbB);
  projectA = (await seedBasics(databaseUrl(dbA))).projectIds[0]!;
  await seedBasics(databaseUrl(dbB));
  await dropDatabase(dbLate);
  queue = testplanitQueue('audit-logs', appEnv.BULLMQ_PREFIX!);
  connection = await Connection.connect({ address: services.temporalAddress });
  temporal = new Client({ connection });
  [worker, bridge] = await Promise.all([startApp('worker', appEnv), startApp('bridge', appEnv)]);
}, 180_000);

afterAll(async () => {
  await Promise.all([bridge && stopApp(bridge), worker && stopApp(worker)]);
  await queue?.obliterate({ force: true });
  await queue?.close();
  await connection?.close();
  await Promise.all([dropDatabase(dbA), dropDatabase(dbB), dropDatabase(dbLate)]);
});

test('each tenant’s jobs land in its own database only, with TestPlanIt’s audit fields', async () => {
  const jobsA = await Promise.all(
    Array.from({ length: 20 }, (_, i) =>
      enqueueAuditEvent(queue, { tenantId: tenantA, entityId: `a-${i}`, projectId: projectA }),
    ),
  );
  const jobsB = await Promise.all(
    Array.from({ length: 20 }, (_, i) =>
      enqueueAuditEvent(queue, { tenantId: tenantB, entityId: `b-${i}`, projectId: 99999 }),
    ),
  );
  await waitForState(
    [...jobsA, ...jobsB].map((job) => job.id!),
    ['completed'],
  );

  const rowsA = await auditRows(dbA);
  const rowsB = await auditRows(dbB);
  expect(rowsA.map((row) => row.entityId).sort()).toEqual(jobsA.map((_, i) => `a-${i}`).sort());
  expect(rowsB.map((row) => row.entityId).sort()).toEqual(jobsB.map((_, i) => `b-${i}`).sort());

  const first = rowsA[0]!;
  expect(first.projectId).toBe(projectA);
  expect(first.userId).toBe('user-admin');
  expect(first.metadata).toMatchObject({ source: 'test', ipAddress: '203.0.113.7', userAgent: 'jest' });
  expect(typeof first.metadata.queuedAt).toBe('string');
  expect(typeof first.metadata.processedAt).toBe('string');
  // Project 99999 does not exist in B: stored without the FK, its id kept in metadata.
  expect(rowsB[0]!.projectId).toBeNull();
  expect(rowsB[0]!.metadata.originalProjectId).toBe(99999);

  // The row id is keyed on the job, which is what makes redelivery write it once.
  const job = jobsA[0]!;
  const row = rowsA.find((r) => r.entityId === 'a-0')!;
  expect(row.id).toBe(auditLogIdFor(jobInstanceKey(instanceOf(tenantA, job))));
});

test('workflows are named by tenant and job and carry TenantId, JobQueue and JobName', async () => {
  const job = await enqueueAuditEvent(queue, { tenantId: tenantB, entityId: 'b-sa' });
  await waitForState([job.id!], ['completed']);
  const workflowId = workflowIdForJob(instanceOf(tenantB, job), 0);
  expect(workflowId).toBe(`${tenantB}/audit-logs/${job.id}@${job.timestamp}/attempt-0`);
  const description = await temporal.workflow.getHandle(workflowId).describe();
  expect(description.status.name).toBe('COMPLETED');
  expect(description.taskQueue).toBe(`e2e-${suffix}-audit-logs`);
  expect(description.searchAttributes).toMatchObject({
    TenantId: [tenantB],
    JobQueue: ['audit-logs'],
    JobName: ['audit-event'],
  });
  const listed = await waitFor(
    async () => {
      const { count } = await temporal.workflow.count(
        `TenantId = '${tenantB}' AND JobQueue = 'audit-logs' AND WorkflowId = '${workflowId}'`,
      );
      return count === 1 ? count : undefined;
    },
    20_000,
    () => 'workflow not visible by its search attributes',
  );
  expect(listed).toBe(1);
});

test('bad input fails that job alone, at once, with a precise message', async () => {
  const good1 = await enqueueAuditEvent(queue, { tenantId: tenantA, entityId: 'ok-1' });
  const missingTenant = await enqueueAuditEvent(queue, { entityId: 'no-tenant' });
  const unknownTenant = await enqueueAuditEvent(queue, { tenantId: 'nobody', entityId: 'unknown' });
  const invalid = await queue.add('audit-event', {
    tenantId: tenantA,
    event: { action: 'EXPLODE', entityType: 'X', entityId: '1' },
    context: null,
    queuedAt: 'now',
  });
  const unknownName = await queue.add('audit-events-typo', { tenantId: tenantA });
  // Valid to the schema, but 4 MB: over Temporal's payload limit (and gRPC's message limit).
  const huge = auditEventData({ tenantId: tenantA, entityId: 'huge' });
  const tooLarge = await queue.add('audit-event', {
    ...huge,
    event: { ...huge.event, changes: { description: { old: '', new: 'x'.repeat(4 * 1024 * 1024) } } },
  });
  const good2 = await enqueueAuditEvent(queue, { tenantId: tenantB, entityId: 'ok-2' });

  const bad = [missingTenant, unknownTenant, invalid, unknownName, tooLarge];
  await waitForState(
    bad.map((job) => job.id!),
    ['failed'],
  );
  await waitForState([good1.id!, good2.id!], ['completed']);

  const reasons = await Promise.all(bad.map(async (job) => (await jobState(job.id!)).job));
  expect(reasons.map((job) => job.failedReason)).toEqual([
    'tenantId is required in multi-tenant mode',
    'No configuration found for tenant: nobody',
    expect.stringMatching(/^Invalid audit-event payload: event\.action: .*"CREATE".*$/),
    'Unknown job type: audit-events-typo',
    "The audit-event job's data is 4.0 MB; a workflow input may be at most 2.0 MB (Temporal's payload size limit)",
  ]);
  // attempts: 3 by TestPlanIt's defaults, yet bad input is not retried.
  expect(reasons.map((job) => job.attemptsMade)).toEqual([1, 1, 1, 1, 1]);
  expect((await auditRows(dbA)).some((row) => row.entityId === 'ok-1')).toBe(true);
  expect((await auditRows(dbB)).some((row) => row.entityId === 'ok-2')).toBe(true);
});

test('a flood of one tenant’s events runs in batches, each job with its own outcome; an event the database refuses fails alone', async () => {
  // The database refuses one particular event; the others of its batch must not suffer for it.
  await query(
    databaseUrl(dbA),
    `ALTER TABLE "AuditLog" ADD CONSTRAINT refuse_one CHECK ("entityId" <> 'batch-refused')`,
  );
  try {
    const data = Array.from({ length: 120 }, (_, i) =>
      auditEventData({ tenantId: tenantA, entityId: i === 77 ? 'batch-refused' : `batch-${i}` }),
    );
    const jobs = await queue.addBulk(data.map((d) => ({ name: 'audit-event', data: d })));
    const refused = jobs[77]!;
    await waitForState([refused.id!], ['failed']);
    await waitForState(
      jobs.filter((job) => job !== refused).map((job) => job.id!),
      ['completed'],
    );

    const failed = await jobState(refused.id!);
    expect(failed.job.attemptsMade).toBe(1); // the same row would be refused again: no retries
    expect(failed.job.failedReason).toMatch(/refuse_one|check constraint/i);
    const ids = (await auditRows(dbA)).map((row) => row.entityId).filter((id) => id.startsWith('batch-'));
    expect(ids).toHaveLength(119);
    expect(new Set(ids).size).toBe(119);
    const logs = await Promise.all(jobs.map(async (job) => (await queue.getJobLogs(job.id!)).logs));
    expect(logs.filter((lines) => lines.some((line) => line.startsWith('Ran in workflow '))).length).toBeGreaterThan(0);
  } finally {
    await query(databaseUrl(dbA), `ALTER TABLE "AuditLog" DROP CONSTRAINT refuse_one`);
  }
});

test('a bridge killed with jobs in flight loses none and runs none twice', async () => {
  const perTenant = 150;
  const completedBefore = (await queue.getJobCounts('completed')).completed ?? 0;
  const data = Array.from({ length: perTenant }, (_, i) => [
    auditEventData({ tenantId: tenantA, entityId: `kill-a-${i}` }),
    auditEventData({ tenantId: tenantB, entityId: `kill-b-${i}` }),
  ]).flat();
  const jobs = (await queue.addBulk(data.map((d) => ({ name: 'audit-event', data: d })))).map((job) => job.id!);

  // Killed once it has admitted them all and finished a few: the rest are in its hands.
  await waitFor(
    async () => {
      const counts = await queue.getJobCounts('waiting', 'completed');
      return counts.waiting === 0 && (counts.completed ?? 0) > completedBefore ? true : undefined;
    },
    60_000,
    () => 'bridge made no progress',
    10,
  );
  await stopApp(bridge, 'SIGKILL');
  const countsAtKill = await queue.getJobCounts('active', 'waiting', 'completed');
  // Locked by the dead bridge (waiting for their turn or running), redelivered once their locks expire.
  expect(countsAtKill.active).toBeGreaterThan(100);

  bridge = await startApp('bridge', appEnv);
  await waitForState(jobs, ['completed'], 120_000);

  for (const [db, prefix] of [
    [dbA, 'kill-a-'],
    [dbB, 'kill-b-'],
  ] as const) {
    const ids = (await auditRows(db)).map((row) => row.entityId).filter((id) => id.startsWith(prefix));
    expect(ids).toHaveLength(perTenant);
    expect(new Set(ids).size).toBe(perTenant);
  }
  // Each job's execution can be found: its own workflow, or the batch its log names; all completed.
  const executions = new Set<string>();
  for (const id of jobs) {
    const job = (await queue.getJob(id))!;
    const { logs } = await queue.getJobLogs(id);
    const batch = logs.map((line) => /^Ran in workflow (\S+) with/.exec(line)?.[1]).find(Boolean);
    executions.add(batch ?? workflowIdForJob(instanceOf(namedTenant(job), job), 0));
  }
  for (const workflowId of executions) {
    expect((await temporal.workflow.getHandle(workflowId).describe()).status.name).toBe('COMPLETED');
  }
  // Under this load the bridge batched the tenants' events: fewer workflows than jobs.
  expect(executions.size).toBeLessThan(jobs.length);
});

test('a job stays active while its workflow runs, is handed back on SIGTERM, and Retry runs it again', async () => {
  const job = await enqueueAuditEvent(queue, { tenantId: tenantLate, entityId: 'late-1' });
  const workflowId = workflowIdForJob(instanceOf(tenantLate, job), 0);

  // The tenant's database does not exist yet: the activity keeps retrying, the job stays active.
  await waitFor(
    async () => ((await jobState(job.id!)).state === 'active' ? true : undefined),
    30_000,
    () => 'job never became active',
  );
  await waitFor(
    async () =>
      (
        await temporal.workflow
          .getHandle(workflowId)
          .describe()
          .catch(() => undefined)
      )?.status.name === 'RUNNING'
        ? true
        : undefined,
    30_000,
    () => 'workflow never started',
  );
  await new Promise((resolve) => setTimeout(resolve, 2000));
  expect((await jobState(job.id!)).state).toBe('active');

  // Graceful shutdown hands the job back without spending an attempt; the workflow goes on.
  expect(await stopApp(bridge, 'SIGTERM')).toBe(0);
  const handedBack = await jobState(job.id!);
  expect(handedBack.state).toBe('waiting');
  expect(handedBack.job.attemptsMade).toBe(0);

  bridge = await startApp('bridge', appEnv);
  await waitFor(
    async () => ((await jobState(job.id!)).state === 'active' ? true : undefined),
    30_000,
    () => 'job not picked up again',
  );
  const { count: runs } = await temporal.workflow.count(`WorkflowId = '${workflowId}'`);
  expect(runs).toBe(1);
  // The new bridge logs the job before it reattaches (its start call, conflict policy USE_EXISTING);
  // the terminate below must come after that call, or the start would begin a second run of a
  // terminated workflow, as a redelivered job whose workflow failed does.
  await waitFor(
    async () => (bridge.output().includes(`Processing audit-logs job ${job.id} `) ? true : undefined),
    30_000,
    () => 'the new bridge never took the job',
  );
  await new Promise((resolve) => setTimeout(resolve, 1000));

  // An operator terminates the workflow: the job fails with the reason, not retried.
  await temporal.workflow.getHandle(workflowId).terminate('operator gave up');
  await waitForState([job.id!], ['failed']);
  const failed = await jobState(job.id!);
  expect(failed.job.failedReason).toBe('Workflow terminated: operator gave up');

  // The database appears; the admin's Retry button runs the work again as a new workflow.
  await createTenantDatabase(dbLate);
  await failed.job.retry();
  await waitForState([job.id!], ['completed']);
  const retried = await temporal.workflow.getHandle(workflowIdForJob(instanceOf(tenantLate, job), 1)).describe();
  expect(retried.status.name).toBe('COMPLETED');
  expect((await auditRows(dbLate)).map((row) => row.entityId)).toEqual(['late-1']);
});

test('a bridge stopped with hundreds of admitted jobs hands every one back without spending an attempt', async () => {
  // A small start window and no batches, so most admitted jobs wait for their turn in the bridge.
  await stopApp(bridge, 'SIGTERM');
  bridge = await startApp('bridge', { ...appEnv, BRIDGE_START_WINDOW: '5', BRIDGE_BATCH_MAX_JOBS: '1' });
  const jobs = await queue.addBulk(
    Array.from({ length: 300 }, (_, i) => ({
      name: 'audit-event',
      data: auditEventData({ tenantId: tenantGone, entityId: `gone-${i}` }),
    })),
  );
  // All admitted: started (their workflows retry the missing database) or waiting for their turn.
  await waitForState(
    jobs.map((job) => job.id!),
    ['active'],
  );
  // The admin page tells why they have not started.
  await waitFor(
    async () =>
      (await queue.getJobLogs(jobs.at(-1)!.id!)).logs.some((line) =>
        /^Waiting for a worker slot: 5 audit-logs jobs running, \d+ waiting$/.test(line),
      )
        ? true
        : undefined,
    10_000,
    async () => `no waiting line on the last job: ${JSON.stringify((await queue.getJobLogs(jobs.at(-1)!.id!)).logs)}`,
  );
  expect((await queue.getJob(jobs.at(-1)!.id!))!.progress).toBe(0);

  expect(await stopApp(bridge, 'SIGTERM')).toBe(0);
  const states = await Promise.all(jobs.map(async (job) => jobState(job.id!)));
  expect(states.map(({ state }) => state).filter((state) => state !== 'waiting')).toEqual([]);
  expect(states.map(({ job }) => job.attemptsMade).filter((attempts) => attempts !== 0)).toEqual([]);
  await queue.drain();
  bridge = await startApp('bridge', appEnv);
});
