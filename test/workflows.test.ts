/**
 * Workflow-level tests: the real workflow code (src/workflows) in an in-process Worker on the
 * running dev server, with stub activities (test/support/workflowStubs.ts) that record their calls
 * and return scripted results. They pin down the workflows' state machines (cursors, phases,
 * continue-as-new carry-over, the rebuild lock, cancellation clean-up, batch outcomes) without a
 * database or Elasticsearch; the *.e2e tests run the same workflows with the real activities.
 */
import { CancelledFailure, WorkflowFailedError, type WorkflowHandle } from '@temporalio/client';
import { ApplicationFailure } from '@temporalio/common';
import { TestWorkflowEnvironment } from '@temporalio/testing';
import { DefaultLogger, Runtime, Worker } from '@temporalio/worker';
import { bundleWorkflows as bundleOfWorkflows } from '../src/worker/workflowBundle';
import type { JobOrigin, JobStatus } from '../src/jobs/jobInput';
import { issueSyncPayload, type AuditEventPayload } from '../src/jobs/payloads';
import {
  auditEventBatchWorkflow,
  issueSyncWorkflow,
  reindexWorkflow,
  sendDailyDigestWorkflow,
  testmoImportWorkflow,
  updateAllCasesForecastWorkflow,
} from '../src/workflows';
import { jobStatusQuery } from '../src/workflows/jobStatus';
import { CASES_PER_RANGE, PLANS_PER_RUN, RANGE_LANES, RANGES_PER_PLAN } from '../src/workflows/forecasts';
import { pollInterval } from '../src/workflows/pacing';
import { services, uniqueSuffix } from './support/services';
import {
  createStubActivities,
  gate,
  holdUntil,
  keysetPage,
  rangesOver,
  testOrigin,
  type StubActivities,
  type StubCall,
} from './support/workflowStubs';

const run = uniqueSuffix();
const prefix = `wftest-${run}`;
// The digest sends its emails on the `-emails` sibling of its task queue, as in production.
const mainQueue = `${prefix}-notifications`;
const emailQueue = `${prefix}-emails`;

let env: TestWorkflowEnvironment;
let stubs: StubActivities;
let workers: Worker[] = [];
let running: Promise<unknown>;

beforeAll(async () => {
  // Scripted failures (rejected digests) and an activity completing after its workflow was
  // cancelled make the SDK log warnings; the tests assert on outcomes, so keep the output to errors.
  Runtime.install({
    logger: new DefaultLogger('ERROR'),
    telemetryOptions: { logging: { filter: { core: 'ERROR', other: 'ERROR' }, forward: {} } },
  });
  env = await TestWorkflowEnvironment.createFromExistingServer({ address: services.temporalAddress });
  const workflowBundle = await bundleOfWorkflows();
  stubs = createStubActivities();
  workers = await Promise.all(
    [mainQueue, emailQueue].map((taskQueue) =>
      Worker.create({
        connection: env.nativeConnection,
        taskQueue,
        workflowBundle,
        activities: stubs.activities,
        maxConcurrentActivityTaskExecutions: 20,
        shutdownGraceTime: '1 second',
      }),
    ),
  );
  running = Promise.all(workers.map((worker) => worker.run()));
});

afterAll(async () => {
  for (const worker of workers) if (worker.getState() === 'RUNNING') worker.shutdown();
  await running;
  await env?.teardown();
});

beforeEach(() => stubs.script({}));

/** A new tenant per test: its workflow ids and rebuild locks are its own on the shared dev server. */
function newTenant(label: string): string {
  return `wft-${run}-${label}`;
}

function ofTenant(tenantId: string): (call: StubCall) => boolean {
  return (call) => (call.input as { origin?: JobOrigin }).origin?.tenantId === tenantId;
}

/** Waits for a workflow's reported status to satisfy `done` (polling the jobStatus query). */
async function statusWhen(
  handle: WorkflowHandle,
  done: (status: JobStatus) => boolean,
  what: string,
): Promise<JobStatus> {
  const deadline = Date.now() + 30_000;
  for (;;) {
    const status = await handle.query(jobStatusQuery);
    if (done(status)) return status;
    if (Date.now() > deadline) throw new Error(`Timed out waiting for ${what}; last status ${JSON.stringify(status)}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

/** Events in each run of a workflow, first run first (following continue-as-new back from the latest run). */
async function runHistoryLengths(workflowId: string): Promise<number[]> {
  const lengths: number[] = [];
  let runId: string | undefined;
  for (;;) {
    const history = await env.client.workflow.getHandle(workflowId, runId).fetchHistory();
    lengths.unshift(history.events?.length ?? 0);
    runId = history.events?.[0]?.workflowExecutionStartedEventAttributes?.continuedExecutionRunId ?? undefined;
    if (!runId) return lengths;
  }
}

function delay(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

describe('updateAllCasesForecastWorkflow', () => {
  it('updates the cases in planned ranges, two at a time, then the open runs, continuing as new between plans without redoing any', async () => {
    const tenantId = newTenant('forecast');
    const RANGE = 2; // cases per range in this test (the stub's planner ignores CASES_PER_RANGE)
    const perPlan = RANGE * RANGES_PER_PLAN;
    // One plan more than a run holds, and a short last one (3 ranges, the last of 2 cases), ids
    // with gaps so a range ends at a case id; then 3 chunks of runs.
    const caseIds = Array.from({ length: (PLANS_PER_RUN + 1) * perPlan + 6 }, (_, i) => (i + 1) * 3);
    const runIds = [10, 20, 30, 40, 50, 60];
    const firstCursorOfRun2 = caseIds[PLANS_PER_RUN * perPlan - 1]!;
    const entered = gate();
    const held = gate();
    // The first two ranges wait for each other: they run at once, or never finish.
    const bothStarted = gate();
    let running = 0;
    let mostAtOnce = 0;
    let startedInFirstPair = 0;
    stubs.script({
      async countForecastCases() {
        return caseIds.length;
      },
      async planCaseForecastRanges({ afterCaseId, count }) {
        if (afterCaseId === firstCursorOfRun2) {
          entered.open();
          await holdUntil(held.opened);
        }
        return rangesOver(caseIds, afterCaseId, RANGE, count);
      },
      async updateCaseForecastRange({ afterCaseId, upToCaseId }) {
        running += 1;
        mostAtOnce = Math.max(mostAtOnce, running);
        try {
          if (afterCaseId < caseIds[2 * RANGE - 1]!) {
            startedInFirstPair += 1;
            if (startedInFirstPair === 2) bothStarted.open();
            await holdUntil(bothStarted.opened);
          }
          return { updated: caseIds.filter((id) => id > afterCaseId && id <= upToCaseId).length };
        } finally {
          running -= 1;
        }
      },
      async updateRunForecastChunk({ afterRunId }) {
        const page = keysetPage(runIds, afterRunId, 2);
        return { updated: page.length, lastRunId: page.length ? page[page.length - 1]! : null };
      },
    });

    const origin = testOrigin('forecast-updates', 'update-all-cases-forecast', tenantId, '1');
    const workflowId = `${tenantId}/forecast-updates/1`;
    const total = caseIds.length;
    const started = await env.client.workflow.start(updateAllCasesForecastWorkflow, {
      taskQueue: mainQueue,
      workflowId,
      args: [{ origin, payload: { tenantId } }],
    });
    const latest = env.client.workflow.getHandle<typeof updateAllCasesForecastWorkflow>(workflowId);

    try {
      // Held at the first plan of the second run: the query answers with what run 1 carried over.
      await entered.opened;
      const done = PLANS_PER_RUN * perPlan;
      expect(await latest.query(jobStatusQuery)).toEqual({
        progress: {
          current: done,
          total,
          percentage: Math.round((done / total) * 95),
          message: `Updated ${done} of ${total} cases`,
        },
        logs: [],
        logOffset: 1, // run 1 logged one line ("Updating forecasts of ... cases")
      });
    } finally {
      held.open();
    }

    const { returnValue, status } = await latest.result();
    expect(returnValue).toEqual({ status: 'completed', successCount: total, failCount: 0 });
    expect(status).toEqual({
      progress: { current: total, total, percentage: 100, message: 'Completed' },
      logs: [
        `Updated forecasts of ${total} cases; updating open test runs`,
        `Forecasts updated: ${total} cases, 6 open test runs`,
      ],
      logOffset: 1,
    });

    expect(stubs.callsOf('countForecastCases', ofTenant(tenantId))).toHaveLength(1);
    const plans = stubs.callsOf('planCaseForecastRanges', ofTenant(tenantId));
    const ranges = stubs.callsOf('updateCaseForecastRange', ofTenant(tenantId));
    const runCalls = stubs.callsOf('updateRunForecastChunk', ofTenant(tenantId));
    // Each plan starts after the previous plan's last case; the last plan finds none.
    const planEnds = Array.from({ length: PLANS_PER_RUN + 1 }, (_, i) => caseIds[(i + 1) * perPlan - 1]!);
    expect(plans.map((call) => call.input.afterCaseId)).toEqual([0, ...planEnds, caseIds[caseIds.length - 1]]);
    expect(
      plans.every((call) => call.input.rangeSize === CASES_PER_RANGE && call.input.count === RANGES_PER_PLAN),
    ).toBe(true);
    // The ranges tile the cases: each starts where the one before it ended, none is asked twice;
    // two ran at once, never more.
    const bounds = ranges
      .map((call) => [call.input.afterCaseId, call.input.upToCaseId] as const)
      .sort((x, y) => x[0] - y[0]);
    expect(bounds).toHaveLength((PLANS_PER_RUN + 1) * RANGES_PER_PLAN + 3);
    expect(bounds.every(([after], i) => after === (i === 0 ? 0 : bounds[i - 1]![1]))).toBe(true);
    expect(bounds[bounds.length - 1]![1]).toBe(caseIds[caseIds.length - 1]);
    expect(mostAtOnce).toBe(RANGE_LANES);
    // The runs phase starts from its own cursor, after the cases are done.
    expect(runCalls.map((call) => call.input.afterRunId)).toEqual([0, 20, 40, 60]);
    expect(runCalls.every((call) => call.input.limit === 500)).toBe(true);
    expect(stubs.calls.indexOf(runCalls[0]!)).toBeGreaterThan(
      Math.max(...ranges.map((call) => stubs.calls.indexOf(call))),
    );

    // Exactly one continue-as-new, between plans: run 1 did the first PLANS_PER_RUN, run 2 the rest.
    const firstRun = started.firstExecutionRunId;
    expect(plans.slice(0, PLANS_PER_RUN).every((call) => call.runId === firstRun)).toBe(true);
    expect(ranges.slice(0, PLANS_PER_RUN * RANGES_PER_PLAN).every((call) => call.runId === firstRun)).toBe(true);
    const secondRun = plans[PLANS_PER_RUN]!.runId;
    expect(secondRun).not.toBe(firstRun);
    expect([...plans.slice(PLANS_PER_RUN), ...runCalls].every((call) => call.runId === secondRun)).toBe(true);
    expect((await latest.describe()).runId).toBe(secondRun);
  });
});

describe('rebuildEntityWorkflow / reindexWorkflow', () => {
  it('cancelling a running rebuild deletes its unfinished index and never moves the alias', async () => {
    const tenantId = newTenant('cancel');
    const entered = gate();
    const held = gate();
    stubs.script({
      async planReindex() {
        return {
          projects: [{ id: 1, name: 'Alpha' }],
          entities: [{ entity: 'sessions', perProject: false, total: 4 }],
        };
      },
      async indexChunk({ afterId }) {
        if (afterId === 0) return { lastId: 2, indexed: 2, deleted: 0 };
        entered.open();
        await holdUntil(held.opened); // the second chunk is still loading when the job is cancelled
        return { lastId: null, indexed: 0, deleted: 0 };
      },
    });

    const origin = testOrigin('elasticsearch-reindex', 'reindex', tenantId, '1');
    const handle = await env.client.workflow.start(reindexWorkflow, {
      taskQueue: mainQueue,
      workflowId: `${tenantId}/elasticsearch-reindex/1`,
      args: [{ origin, payload: { entityType: 'sessions', userId: 'user-a', tenantId } }],
    });
    let failure: unknown;
    try {
      await entered.opened;
      await handle.cancel();
      failure = await handle.result().then(
        () => undefined,
        (error: unknown) => error,
      );
    } finally {
      held.open();
    }

    expect(failure).toBeInstanceOf(WorkflowFailedError);
    expect((failure as WorkflowFailedError).cause).toBeInstanceOf(CancelledFailure);
    const child = await env.client.workflow.getHandle(`${tenantId}/reindex/sessions`).describe();
    expect(child.status.name).toBe('CANCELLED');

    const [prepared] = stubs.callsOf('prepareRebuild', ofTenant(tenantId));
    expect(prepared).toBeDefined();
    const discarded = stubs.callsOf('discardRebuild', ofTenant(tenantId));
    expect(discarded.map((call) => ({ entity: call.input.entity, index: call.input.index }))).toEqual([
      { entity: 'sessions', index: `testplanit-${tenantId}-sessions-v1` },
    ]);
    expect(stubs.callsOf('finishRebuild', ofTenant(tenantId))).toEqual([]);
    expect(stubs.callsOf('swapLiveIndex', ofTenant(tenantId))).toEqual([]);
  });

  it('a second reindex of the same index waits for the running one (the child id is the lock), then runs its own', async () => {
    const tenantId = newTenant('lock');
    const entered = gate();
    const held = gate();
    stubs.script({
      async planReindex() {
        return {
          projects: [{ id: 1, name: 'Alpha' }],
          entities: [{ entity: 'sessions', perProject: false, total: 4 }],
        };
      },
      async indexChunk({ origin, afterId }) {
        if (origin.jobId === 'first' && afterId === 0) {
          entered.open();
          await holdUntil(held.opened);
        }
        return afterId === 0 ? { lastId: 2, indexed: 2, deleted: 0 } : { lastId: null, indexed: 0, deleted: 0 };
      },
    });

    const start = (jobId: string) =>
      env.client.workflow.start(reindexWorkflow, {
        taskQueue: mainQueue,
        workflowId: `${tenantId}/elasticsearch-reindex/${jobId}`,
        args: [
          {
            origin: testOrigin('elasticsearch-reindex', 'reindex', tenantId, jobId),
            payload: { entityType: 'sessions', userId: 'user-a', tenantId },
          },
        ],
      });
    const lock = `${tenantId}/reindex/sessions`;
    const waitingLine = `Waiting for the sessions reindex already running for this tenant (${lock}) to finish`;

    const first = await start('first');
    let second: WorkflowHandle<typeof reindexWorkflow>;
    try {
      await entered.opened;
      second = await start('second');
      await statusWhen(
        second,
        (status) => status.logs.includes(waitingLine),
        'the second reindex to wait for the lock',
      );
      // While the first rebuild holds the lock, the second has not started one.
      expect(stubs.callsOf('prepareRebuild', ofTenant(tenantId))).toHaveLength(1);
    } finally {
      held.open();
    }

    const firstResult = await first.result();
    const secondResult = await second.result();
    // Each rebuild: 2 documents loaded, 1 caught up before the swap, 1 after it.
    for (const { returnValue } of [firstResult, secondResult]) {
      expect(returnValue).toEqual({
        success: true,
        results: {
          projects: 0,
          repositoryCases: 0,
          sharedSteps: 0,
          testRuns: 0,
          sessions: 4,
          issues: 0,
          milestones: 0,
        },
        totalDocuments: 4,
      });
    }
    expect(firstResult.status.logs).not.toContain(waitingLine);
    expect(secondResult.status.logs).toContain(waitingLine);
    expect(secondResult.status.logs[secondResult.status.logs.length - 1]).toBe('Reindex completed successfully!');

    // Two rebuilds under the same child id, one after the other: the second prepared its index
    // only after the first had swapped the alias.
    const prepared = stubs.callsOf('prepareRebuild', ofTenant(tenantId));
    const swapped = stubs.callsOf('swapLiveIndex', ofTenant(tenantId));
    expect(prepared.map((call) => call.input.origin.jobId)).toEqual(['first', 'second']);
    expect(swapped.map((call) => call.input.origin.jobId)).toEqual(['first', 'second']);
    expect(prepared.map((call) => call.workflowId)).toEqual([lock, lock]);
    expect(prepared[0]!.runId).not.toBe(prepared[1]!.runId);
    expect(stubs.calls.indexOf(prepared[1]!)).toBeGreaterThan(stubs.calls.indexOf(swapped[0]!));
    expect(stubs.callsOf('discardRebuild', ofTenant(tenantId))).toEqual([]);
  });
});

describe('auditEventBatchWorkflow', () => {
  it('returns one outcome per job, in the jobs’ order, with errors as { ok: false, message, nonRetryable }', async () => {
    const tenantId = newTenant('audit');
    const jobs = ['11', '12', '13', '14'].map((jobId) => ({
      origin: testOrigin('audit-logs', 'audit-event', tenantId, jobId),
      payload: {
        event: { action: 'CREATE', entityType: 'RepositoryCases', entityId: jobId, projectId: Number(jobId) },
        queuedAt: '2025-01-01T00:00:00.000Z',
        tenantId,
      } satisfies AuditEventPayload,
    }));
    stubs.script({
      async recordAuditEvents(events) {
        return events.map((event) => {
          switch (event.origin.jobId) {
            case '12':
              return { error: 'Foreign key constraint violated: AuditLog_userId_fkey', nonRetryable: true };
            case '13':
              return { recorded: false }; // already recorded by an earlier delivery
            case '14':
              return { error: 'Connection terminated unexpectedly', nonRetryable: false };
            default:
              return { recorded: true };
          }
        });
      },
    });

    const result = await env.client.workflow.execute(auditEventBatchWorkflow, {
      taskQueue: mainQueue,
      workflowId: `${tenantId}/audit-logs/batch-1`,
      args: [{ jobs }],
    });

    expect(result.outcomes).toEqual([
      { ok: true, returnValue: undefined },
      { ok: false, message: 'Foreign key constraint violated: AuditLog_userId_fkey', nonRetryable: true },
      { ok: true, returnValue: undefined },
      { ok: false, message: 'Connection terminated unexpectedly', nonRetryable: false },
    ]);
    // One call for the whole batch, with the jobs as given.
    const calls = stubs.callsOf('recordAuditEvents', (call) => call.workflowId === `${tenantId}/audit-logs/batch-1`);
    expect(calls).toHaveLength(1);
    expect(calls[0]!.input).toEqual(jobs);
    expect(stubs.callsOf('recordAuditEvent', ofTenant(tenantId))).toEqual([]);
  });
});

describe('sendDailyDigestWorkflow', () => {
  it('pages through the users by afterUserId and carries its summary across continue-as-new', async () => {
    const tenantId = newTenant('digest');
    // 10 full pages of 100 users force a continue-as-new; the 11th page (3 users) is the last.
    const users = Array.from({ length: 1003 }, (_, i) => `user-${String(i + 1).padStart(4, '0')}`);
    const failing = new Set(['user-0042', 'user-1002']); // one in each run
    stubs.script({
      async listDigestRecipients({ afterUserId, limit }) {
        return keysetPage(users, afterUserId, limit);
      },
      async sendUserDigest({ userId }) {
        if (failing.has(userId)) throw ApplicationFailure.nonRetryable('550 mailbox unavailable', 'SmtpRejected');
        const index = Number(userId.slice(5));
        return {
          userId,
          outcome: index % 10 === 0 ? 'nothing-to-send' : 'sent',
          notifications: index % 10 === 0 ? 0 : 1,
        };
      },
    });

    // As a Schedule starts it: no BullMQ job, so no idempotency key of its own.
    const origin: JobOrigin = {
      queue: 'notifications',
      jobName: 'send-daily-digest',
      jobId: `schedule:send-daily-digest-${tenantId}`,
      tenantId,
      idempotencyKey: '',
    };
    const workflowId = `${tenantId}/notifications/send-daily-digest-2025-01-01T08:00:00Z`;
    const started = await env.client.workflow.start(sendDailyDigestWorkflow, {
      taskQueue: mainQueue,
      workflowId,
      args: [{ origin, payload: { tenantId } }],
    });
    const { returnValue, status } = await env.client.workflow
      .getHandle<typeof sendDailyDigestWorkflow>(workflowId)
      .result();

    // 100 users have nothing to send, 2 fail, the other 901 get their digest.
    expect(returnValue).toEqual({
      status: 'completed',
      usersProcessed: 1003,
      emailsSent: 901,
      failures: ['user-0042: 550 mailbox unavailable', 'user-1002: 550 mailbox unavailable'],
    });
    expect(status).toEqual({
      progress: { usersProcessed: 1003, emailsSent: 901 },
      logs: [
        'Digest failed for user user-1002: 550 mailbox unavailable',
        'Processed daily digest for 1003 users, 901 emails sent',
      ],
      logOffset: 11, // run 1: one line per page, and user-0042's failure
    });

    // Keyset paging: each page starts after the last user of the one before, in both runs.
    const pages = stubs.callsOf('listDigestRecipients', ofTenant(tenantId));
    expect(pages.map((call) => call.input.afterUserId)).toEqual([
      undefined,
      ...Array.from({ length: 10 }, (_, i) => users[(i + 1) * 100 - 1]),
    ]);
    expect(pages.every((call) => call.input.limit === 100)).toBe(true);
    const firstRun = started.firstExecutionRunId;
    expect(pages.slice(0, 10).every((call) => call.runId === firstRun)).toBe(true);
    expect(pages[10]!.runId).not.toBe(firstRun);

    // Every user once; on the emails task queue; with the window and run key of the first run.
    const sends = stubs.callsOf('sendUserDigest', ofTenant(tenantId));
    expect(sends.map((call) => call.input.userId).sort()).toEqual(users);
    expect(sends.every((call) => call.taskQueue === emailQueue)).toBe(true);
    expect(new Set(sends.map((call) => call.input.since)).size).toBe(1);
    expect(sends.every((call) => call.input.origin.idempotencyKey === workflowId)).toBe(true);
    expect(new Set(sends.map((call) => call.runId))).toEqual(new Set([firstRun, pages[10]!.runId]));
  });
});

/**
 * History bounds (src/workflows/pacing.ts): every loop that can run for hours keeps each run's
 * history to a few thousand events. The tests shrink the bounds through the test-only `pacing`
 * input (the Temporal test server that could skip time is not available offline): `timeScale`
 * makes a simulated hour of polling take seconds, `eventsPerRun` makes a run "long" after a
 * few dozen chunks.
 */
describe('history bounds of long-running workflows', () => {
  it('the poll schedule: an hour of waiting is some 60 polls and a day some 340, where a fixed 5 s poll makes 720 and 17,280', () => {
    // The schedule of the Testmo analysis (5 s first, 5 min cap): each poll is about ten events.
    const pollsWithin = (durationMs: number) => {
      let polls = 0;
      for (let elapsed = 0; elapsed < durationMs; polls += 1) elapsed += pollInterval(elapsed, 5_000, 300_000);
      return polls;
    };
    expect(pollsWithin(60_000)).toBe(12);
    expect(pollsWithin(3_600_000)).toBeLessThanOrEqual(65);
    expect(pollsWithin(24 * 3_600_000)).toBeLessThanOrEqual(350); // some 3,500 events for the longest analysis
    expect(pollInterval(10 * 3_600_000, 5_000, 300_000)).toBe(300_000);
  });

  it('a long Testmo analysis is polled at a falling rate, and its progress still reaches the job status', async () => {
    const tenantId = newTenant('analysis');
    // Ten simulated minutes (polls from 5 s, capped at 5 min) in 6 real seconds: from 50 ms to 3 s.
    const RUN_MS = 6_000;
    const timeScale = 0.01;
    let began = 0;
    const percent = () => Math.min(99, Math.floor(((Date.now() - began) / RUN_MS) * 100));
    stubs.script({
      async analyzeTestmoExport() {
        began = Date.now();
        await delay(RUN_MS);
        return { status: 'READY', datasets: 4, rows: 20 };
      },
      async readTestmoImportProgress() {
        return {
          status: 'RUNNING',
          statusMessage: `Scanning file... ${percent()}% complete`,
          analysisPercent: percent(),
          processedRows: 0,
          totalRows: null,
        };
      },
    });

    const workflowId = `${tenantId}/testmo-imports/1`;
    const handle = await env.client.workflow.start(testmoImportWorkflow, {
      taskQueue: mainQueue,
      workflowId,
      args: [
        {
          origin: testOrigin('testmo-imports', 'process-testmo-import', tenantId, '1'),
          payload: { jobId: 'import-1', mode: 'analyze' },
          pacing: { timeScale },
        },
      ],
    });
    // Mid-way, the job status shows the analysis's own progress.
    const midway = await statusWhen(
      handle,
      (status) => typeof status.progress === 'number' && status.progress >= 40 && status.progress < 100,
      'the analysis progress to reach the job status',
    );
    expect(midway.progress).toBeLessThanOrEqual(percent());

    const { returnValue, status } = await handle.result();
    expect(returnValue).toEqual({ status: 'READY', datasets: 4, rows: 20 });
    expect(status.progress).toBe(100);

    // The poll timers the workflow set: 50 ms first, then growing with the wait, never above 3 s.
    const history = await handle.fetchHistory();
    const timers = (history.events ?? []).flatMap((event) => {
      const timeout = event.timerStartedEventAttributes?.startToFireTimeout;
      return timeout ? [Number(timeout.seconds ?? 0) * 1000 + Math.round((timeout.nanos ?? 0) / 1e6)] : [];
    });
    expect(timers[0]).toBe(50);
    for (let i = 1; i < timers.length; i += 1) expect(timers[i]).toBeGreaterThanOrEqual(timers[i - 1]!);
    expect(timers[timers.length - 1]).toBeGreaterThan(200);
    expect(Math.max(...timers)).toBeLessThanOrEqual(3_000);
    // At most the schedule's ~40 reads for ten minutes (fewer where a read's round trip is slow
    // against the scaled intervals), some ten events each; a fixed 5 s would be 120 reads.
    const reads = stubs.callsOf('readTestmoImportProgress', ofTenant(tenantId));
    // A read after every timer but the last, which the result cut short.
    expect(reads.length).toBeGreaterThanOrEqual(timers.length - 1);
    expect(reads.length).toBeLessThanOrEqual(timers.length);
    expect(reads.length).toBeLessThanOrEqual(45);
    expect(history.events!.length).toBeLessThan(12 * reads.length + 30);
  });

  it('a Testmo import continues as new once its history is long, slow chunks included, and imports every chunk once', async () => {
    const tenantId = newTenant('import');
    const CHUNKS = 40;
    const SLOW = new Set([10, 25]); // these chunks run long enough to be polled
    const EVENTS_PER_RUN = 120;
    let done = 0;
    let running: number | undefined;
    stubs.script({
      async planTestmoImport() {
        return {
          status: 'IMPORTING',
          phases: [{ entity: 'cases', rows: CHUNKS }],
          totalCount: CHUNKS,
          processedCount: 0,
        };
      },
      async importTestmoChunk() {
        if (done === CHUNKS) return { status: 'phaseDone', processedCount: done, totalCount: CHUNKS };
        const chunk = done + 1;
        if (SLOW.has(chunk)) {
          running = chunk;
          await delay(1_500);
          running = undefined;
        }
        done = chunk;
        return { status: 'imported', rows: 1, processedCount: done, totalCount: CHUNKS };
      },
      async readTestmoImportProgress() {
        return {
          status: 'IMPORTING',
          statusMessage: null,
          analysisPercent: null,
          runningStep: running ? `cases: chunk ${running}, running` : null,
          processedRows: done,
          totalRows: CHUNKS,
        };
      },
    });

    const workflowId = `${tenantId}/testmo-imports/1`;
    const handle = await env.client.workflow.start(testmoImportWorkflow, {
      taskQueue: mainQueue,
      workflowId,
      args: [
        {
          origin: testOrigin('testmo-imports', 'process-testmo-import', tenantId, '1'),
          payload: { jobId: 'import-1', mode: 'import' },
          // Chunk polls from 150 ms (instead of 15 s); a run is long after 120 events.
          pacing: { timeScale: 0.01, eventsPerRun: EVENTS_PER_RUN },
        },
      ],
    });
    const latest = env.client.workflow.getHandle<typeof testmoImportWorkflow>(workflowId);
    // A slow chunk's running step still reaches the job's log.
    await statusWhen(latest, (status) => status.logs.includes('cases: chunk 25, running'), 'the running step');

    const { returnValue, status } = await handle.result();
    expect(returnValue).toEqual({ status: 'COMPLETED', processedCount: CHUNKS, totalCount: CHUNKS });
    expect(status.progress).toBe(100);
    expect(stubs.callsOf('importTestmoChunk', ofTenant(tenantId))).toHaveLength(CHUNKS + 1);
    expect(stubs.callsOf('completeTestmoImport', ofTenant(tenantId))).toHaveLength(1);

    // Far fewer than 400 chunks per run, and no run much beyond its bound: the check comes at a
    // chunk boundary, so a run may pass it by one chunk and its polls.
    const lengths = await runHistoryLengths(workflowId);
    expect(lengths.length).toBeGreaterThanOrEqual(3);
    for (const length of lengths) expect(length).toBeLessThan(EVENTS_PER_RUN + 80);
  });

  it('a long rebuild reports to its job at a falling rate and continues as new once its history is long', async () => {
    const tenantId = newTenant('rebuild');
    const CHUNKS = 60;
    const EVENTS_PER_RUN = 150;
    stubs.script({
      async planReindex() {
        return {
          projects: [{ id: 1, name: 'Alpha' }],
          entities: [{ entity: 'sessions', perProject: false, total: 62 }],
        };
      },
      async countDocuments() {
        return CHUNKS;
      },
      async indexChunk({ afterId }) {
        await delay(40);
        return afterId < CHUNKS
          ? { lastId: afterId + 1, indexed: 1, deleted: 0 }
          : { lastId: null, indexed: 0, deleted: 0 };
      },
    });

    const workflowId = `${tenantId}/elasticsearch-reindex/1`;
    const handle = await env.client.workflow.start(reindexWorkflow, {
      taskQueue: mainQueue,
      workflowId,
      args: [
        {
          origin: testOrigin('elasticsearch-reindex', 'reindex', tenantId, '1'),
          payload: { entityType: 'sessions', userId: 'user-a', tenantId },
          // Reports at most every 250 ms (the production schedule); a rebuild run is long after 150 events.
          pacing: { timeScale: 1, eventsPerRun: EVENTS_PER_RUN },
        },
      ],
    });
    // Progress reaches the job while the rebuild runs.
    await statusWhen(
      handle,
      (status) => typeof status.progress === 'number' && status.progress > 10 && status.progress < 90,
      'rebuild progress in the job status',
    );
    const { returnValue, status } = await handle.result();
    expect(returnValue.totalDocuments).toBe(CHUNKS + 2); // + one row caught up before the swap, one after
    expect(status.progress).toBe(100);
    expect(status.logs).toContain(`Syncing ${CHUNKS} sessions`);
    const loads = stubs.callsOf('indexChunk', ofTenant(tenantId));
    expect(loads.map((call) => call.input.afterId)).toEqual(Array.from({ length: CHUNKS + 1 }, (_, i) => i));

    // The rebuild: several runs, none much beyond its bound.
    const rebuildRuns = await runHistoryLengths(`${tenantId}/reindex/sessions`);
    expect(rebuildRuns.length).toBeGreaterThanOrEqual(2);
    for (const length of rebuildRuns) expect(length).toBeLessThan(EVENTS_PER_RUN + 40);
    // The job: a report per chunk would be 60 signals, some 240 events; paced, about ten.
    const [jobEvents] = await runHistoryLengths(workflowId);
    expect(jobEvents).toBeLessThan(120);
  });

  it('the daily digest continues as new once its history is long, before its 10 pages', async () => {
    const tenantId = newTenant('digest-long');
    const users = Array.from({ length: 300 }, (_, i) => `user-${String(i + 1).padStart(4, '0')}`);
    const EVENTS_PER_RUN = 300; // a page of 100 users is some 400 events
    stubs.script({
      async listDigestRecipients({ afterUserId, limit }) {
        return keysetPage(users, afterUserId, limit);
      },
    });
    const workflowId = `${tenantId}/notifications/send-daily-digest-2025-01-01T08:00:00Z`;
    const origin: JobOrigin = {
      queue: 'notifications',
      jobName: 'send-daily-digest',
      jobId: `schedule:send-daily-digest-${tenantId}`,
      tenantId,
      idempotencyKey: '',
    };
    await env.client.workflow.start(sendDailyDigestWorkflow, {
      taskQueue: mainQueue,
      workflowId,
      args: [{ origin, payload: { tenantId }, pacing: { eventsPerRun: EVENTS_PER_RUN } }],
    });
    const { returnValue, status } = await env.client.workflow
      .getHandle<typeof sendDailyDigestWorkflow>(workflowId)
      .result();
    expect(returnValue).toEqual({ status: 'completed', usersProcessed: 300, emailsSent: 300, failures: [] });
    expect(status.progress).toEqual({ usersProcessed: 300, emailsSent: 300 });
    const sends = stubs.callsOf('sendUserDigest', ofTenant(tenantId));
    expect(sends.map((call) => call.input.userId).sort()).toEqual(users);

    // A run per page (the last page, empty, in a run of its own); none longer than one page past the bound.
    const lengths = await runHistoryLengths(workflowId);
    expect(lengths.length).toBeGreaterThanOrEqual(3);
    for (const length of lengths) expect(length).toBeLessThan(EVENTS_PER_RUN + 450);
  });

  it('an issue sync continues as new once its history is long and syncs every batch once', async () => {
    const tenantId = newTenant('sync-long');
    const issueIds = Array.from({ length: 60 }, (_, i) => i + 1);
    const EVENTS_PER_RUN = 100;
    stubs.script({
      async planIssueSync() {
        return { total: issueIds.length, integration: 'Jira' };
      },
      async syncIssueBatch({ afterId }) {
        const page = keysetPage(issueIds, afterId, 2);
        if (page.length === 0) return { lastId: null, synced: 0, errors: [], issueIds: [] };
        return { lastId: page[page.length - 1]!, synced: page.length, errors: [], issueIds: page };
      },
    });
    const workflowId = `${tenantId}/issue-sync/1`;
    const handle = await env.client.workflow.start(issueSyncWorkflow, {
      taskQueue: mainQueue,
      workflowId,
      args: [
        {
          origin: testOrigin('issue-sync', 'sync-issues', tenantId, '1'),
          payload: issueSyncPayload.parse({ userId: 'user-a', integrationId: 7, action: 'sync', tenantId }),
          pacing: { eventsPerRun: EVENTS_PER_RUN },
        },
      ],
    });
    const { returnValue, status } = await handle.result();
    expect(returnValue).toEqual({ synced: 60, errors: [] });
    expect(status.progress).toEqual({ current: 60, total: 60, percentage: 100, message: 'Syncing issue 60 of 60' });
    const batches = stubs.callsOf('syncIssueBatch', ofTenant(tenantId));
    expect(batches.map((call) => call.input.afterId)).toEqual(Array.from({ length: 31 }, (_, i) => i * 2));

    const lengths = await runHistoryLengths(workflowId);
    expect(lengths.length).toBeGreaterThanOrEqual(3);
    for (const length of lengths) expect(length).toBeLessThan(EVENTS_PER_RUN + 30);
  });
});
