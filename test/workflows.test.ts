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
import type { AuditEventPayload } from '../src/jobs/payloads';
import {
  auditEventBatchWorkflow,
  reindexWorkflow,
  sendDailyDigestWorkflow,
  updateAllCasesForecastWorkflow,
} from '../src/workflows';
import { jobStatusQuery } from '../src/workflows/jobStatus';
import { services, uniqueSuffix } from './support/services';
import {
  createStubActivities,
  gate,
  holdUntil,
  keysetPage,
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

describe('updateAllCasesForecastWorkflow', () => {
  it('walks the cases chunk after chunk, then the open runs, continuing as new after 150 chunks without redoing any', async () => {
    const tenantId = newTenant('forecast');
    const CHUNKS_PER_RUN = 150;
    const CASES_PER_PAGE = 2;
    // 152 chunks of cases (ids with gaps, so the cursor must be the last id, not offset + limit),
    // then 3 chunks of runs: 157 chunk calls with the two empty ones, so run 2 starts inside the cases.
    const caseIds = Array.from({ length: 152 * CASES_PER_PAGE }, (_, i) => (i + 1) * 3);
    const runIds = [10, 20, 30, 40, 50, 60];
    const firstCursorOfRun2 = caseIds[CHUNKS_PER_RUN * CASES_PER_PAGE - 1]!;
    const entered = gate();
    const held = gate();
    stubs.script({
      async countForecastCases() {
        return caseIds.length;
      },
      async updateCaseForecastChunk({ afterCaseId }) {
        if (afterCaseId === firstCursorOfRun2) {
          entered.open();
          await holdUntil(held.opened);
        }
        const page = keysetPage(caseIds, afterCaseId, CASES_PER_PAGE);
        return { updated: page.length, lastCaseId: page.length ? page[page.length - 1]! : null };
      },
      async updateRunForecastChunk({ afterRunId }) {
        const page = keysetPage(runIds, afterRunId, 2);
        return { updated: page.length, lastRunId: page.length ? page[page.length - 1]! : null };
      },
    });

    const origin = testOrigin('forecast-updates', 'update-all-cases-forecast', tenantId, '1');
    const workflowId = `${tenantId}/forecast-updates/1`;
    const started = await env.client.workflow.start(updateAllCasesForecastWorkflow, {
      taskQueue: mainQueue,
      workflowId,
      args: [{ origin, payload: { tenantId } }],
    });
    const latest = env.client.workflow.getHandle<typeof updateAllCasesForecastWorkflow>(workflowId);

    try {
      // Held at the first chunk of the second run: the query answers with what run 1 carried over.
      await entered.opened;
      const midway = await latest.query(jobStatusQuery);
      expect(midway).toEqual({
        progress: {
          current: 300,
          total: 304,
          percentage: Math.round((300 / 304) * 95),
          message: 'Updated 300 of 304 cases',
        },
        logs: [],
        logOffset: 1, // run 1 logged one line ("Updating forecasts of 304 cases")
      });
    } finally {
      held.open();
    }

    const { returnValue, status } = await latest.result();
    expect(returnValue).toEqual({ status: 'completed', successCount: 304, failCount: 0 });
    expect(status).toEqual({
      progress: { current: 304, total: 304, percentage: 100, message: 'Completed' },
      logs: [
        'Updated forecasts of 304 cases; updating open test runs',
        'Forecasts updated: 304 cases, 6 open test runs',
      ],
      logOffset: 1,
    });

    expect(stubs.callsOf('countForecastCases', ofTenant(tenantId))).toHaveLength(1);
    const caseCalls = stubs.callsOf('updateCaseForecastChunk', ofTenant(tenantId));
    const runCalls = stubs.callsOf('updateRunForecastChunk', ofTenant(tenantId));
    // Each chunk starts after the previous chunk's last case; no chunk is asked for twice.
    const expectedCursors = [0, ...Array.from({ length: 152 }, (_, i) => caseIds[i * CASES_PER_PAGE + 1]!)];
    expect(caseCalls.map((call) => call.input.afterCaseId)).toEqual(expectedCursors);
    expect(new Set(caseCalls.map((call) => call.input.afterCaseId)).size).toBe(caseCalls.length);
    expect(caseCalls.every((call) => call.input.limit === 2000)).toBe(true);
    // The runs phase starts from its own cursor, after the cases are done.
    expect(runCalls.map((call) => call.input.afterRunId)).toEqual([0, 20, 40, 60]);
    expect(runCalls.every((call) => call.input.limit === 500)).toBe(true);
    expect(stubs.calls.indexOf(runCalls[0]!)).toBeGreaterThan(stubs.calls.indexOf(caseCalls[caseCalls.length - 1]!));

    // Exactly one continue-as-new, after 150 chunks: run 1 did chunks 1-150, run 2 the other 7.
    const firstRun = started.firstExecutionRunId;
    expect(caseCalls.slice(0, CHUNKS_PER_RUN).every((call) => call.runId === firstRun)).toBe(true);
    const secondRun = caseCalls[CHUNKS_PER_RUN]!.runId;
    expect(secondRun).not.toBe(firstRun);
    expect([...caseCalls.slice(CHUNKS_PER_RUN), ...runCalls].every((call) => call.runId === secondRun)).toBe(true);
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
