/**
 * When the bridge's batcher starts a tenant's batches: pure logic with the real fair gate and a
 * recording stand-in for Temporal, asserted by which jobs start together, not by timing.
 */
import type { WorkflowHandle } from '@temporalio/client';
import { JobBatcher, type BatchSettlement } from '../src/bridge/batcher';
import { FairGate } from '../src/bridge/fairGate';
import type { StartRequest } from '../src/bridge/starter';
import type { JobBatchInput, JobWorkflowInput } from '../src/jobs/jobInput';
import { findRoute } from '../src/jobs/routes';
import { createLogger } from '../src/logging';
import type { ResolvedTenant } from '../src/tenancy/registry';

const route = findRoute('audit-logs', 'audit-event')!;
const tenant: ResolvedTenant = { tenantId: 'acme', key: 'acme', databaseUrl: 'postgresql://unused/acme' };

interface Started {
  /** The BullMQ job ids the workflow runs. */
  jobs: string[];
  /** Closes the workflow: every job in it succeeds. */
  finish(): void;
}

function setUp(maxJobs: number) {
  const started: Started[] = [];
  const startOrAttach = (request: StartRequest) => {
    const input = request.args[0] as JobBatchInput<unknown> | JobWorkflowInput<unknown>;
    const members = 'jobs' in input ? input.jobs : [input];
    let finish!: () => void;
    const result = new Promise<unknown>((resolve) => {
      finish = () =>
        resolve(
          'jobs' in input ? { outcomes: members.map(() => ({ ok: true, returnValue: null })) } : { returnValue: null },
        );
    });
    started.push({ jobs: members.map((member) => member.origin.jobId), finish });
    return Promise.resolve({ result: () => result } as unknown as WorkflowHandle);
  };
  const batcher = new JobBatcher(
    'audit-logs',
    route,
    route.batchWorkflowType!,
    { maxJobs, maxBytes: 1_000_000 },
    {
      gate: new FairGate({ window: 100, weightOf: () => 1 }),
      startOrAttach,
      shutdown: new AbortController().signal,
      logger: createLogger('test', 'error', () => undefined),
    },
  );
  const settled: Promise<BatchSettlement>[] = [];
  const submit = (jobId: string) =>
    settled.push(
      batcher.submit(tenant, {
        input: {
          origin: { queue: 'audit-logs', jobName: 'audit-event', jobId, tenantId: 'acme', idempotencyKey: jobId },
          payload: {},
        },
        workflowId: `wf-${jobId}`,
        bytes: 100,
      }),
    );
  return { started, submit, settled };
}

/** Lets the gate's grants and the stand-in's promises run. */
const settle = () => new Promise((resolve) => setImmediate(resolve));

test('a tenant without a backlog runs a second batch instead of waiting for the first to close', async () => {
  const { started, submit, settled } = setUp(3);
  submit('1');
  await settle();
  expect(started.map((s) => s.jobs)).toEqual([['1']]);

  // Job 1's workflow still runs: job 2 starts at once in a second one.
  submit('2');
  await settle();
  expect(started.map((s) => s.jobs)).toEqual([['1'], ['2']]);

  // Two are running: jobs 3 and 4 gather and start together when one closes.
  submit('3');
  submit('4');
  await settle();
  expect(started).toHaveLength(2);
  started[0]!.finish();
  await settle();
  expect(started.map((s) => s.jobs)).toEqual([['1'], ['2'], ['3', '4']]);

  started[1]!.finish();
  started[2]!.finish();
  const outcomes = await Promise.all(settled);
  expect(outcomes.map((o) => o.kind)).toEqual(['settled', 'settled', 'settled', 'settled']);
});

test('a tenant with a backlog runs one full batch at a time', async () => {
  const { started, submit, settled } = setUp(3);
  for (let i = 1; i <= 10; i += 1) submit(String(i));
  await settle();
  // Ten pending, three to a batch: one batch runs, the rest waits for it.
  expect(started.map((s) => s.jobs)).toEqual([['1', '2', '3']]);

  started[0]!.finish();
  await settle();
  // Seven were pending: still a backlog, so the next full batch runs alone.
  expect(started.map((s) => s.jobs)).toEqual([
    ['1', '2', '3'],
    ['4', '5', '6'],
  ]);

  started[1]!.finish();
  await settle();
  // Once a batch takes 7-9, the one job left is no backlog: it need not wait for them.
  expect(started.map((s) => s.jobs)).toEqual([['1', '2', '3'], ['4', '5', '6'], ['7', '8', '9'], ['10']]);

  started[2]!.finish();
  started[3]!.finish();
  expect((await Promise.all(settled)).every((o) => o.kind === 'settled')).toBe(true);
});
