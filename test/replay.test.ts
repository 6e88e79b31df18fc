/**
 * Replays the recorded histories in test/histories (one per workflow type, written by
 * scripts/record-histories.ts) against the current workflow code. A change that would break a
 * workflow already running in production (different commands, activities, order, timers) fails
 * here. Re-record only for a deliberate, versioned change (see the README).
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { DeterminismViolationError } from '@temporalio/workflow';
import { DefaultLogger, Runtime, Worker, type WorkflowBundle } from '@temporalio/worker';
import { bundleWorkflows as bundleOfWorkflows } from '../src/worker/workflowBundle';
import * as workflows from '../src/workflows';
import { historyFromJSON, type History } from './support/histories';

const dir = path.join(__dirname, 'histories');
const files = fs
  .readdirSync(dir)
  .filter((file) => file.endsWith('.json'))
  .sort();

function load(file: string): History {
  return historyFromJSON(JSON.parse(fs.readFileSync(path.join(dir, file), 'utf8')));
}

/** `reindexWorkflow.json`, `reindexWorkflow.before-x.json` -> `reindexWorkflow`. */
function typeOf(file: string): string {
  return file.split('.')[0]!;
}

function started(history: History) {
  return history.events![0]!.workflowExecutionStartedEventAttributes!;
}

let workflowBundle: WorkflowBundle;
const outcomes = new Map<string, Error | undefined>();

beforeAll(async () => {
  // The tampered history below makes the core log its (expected) nondeterminism warning; keep it quiet.
  Runtime.install({
    logger: new DefaultLogger('ERROR'),
    telemetryOptions: { logging: { filter: { core: 'ERROR', other: 'ERROR' }, forward: {} } },
  });
  workflowBundle = await bundleOfWorkflows();
  const histories = files.map((file) => ({ workflowId: file.replace(/\.json$/, ''), history: load(file) }));
  for await (const result of Worker.runReplayHistories(
    { workflowBundle, replayName: 'recorded-histories' },
    histories,
  )) {
    outcomes.set(result.workflowId, result.error);
  }
});

describe('recorded histories', () => {
  it('cover every workflow type the workers register: <workflowType>.json, older ones kept as <workflowType>.<label>.json', () => {
    const exported = Object.keys(workflows)
      .filter((name) => typeof (workflows as Record<string, unknown>)[name] === 'function')
      .sort();
    expect(files.filter((file) => file.split('.').length === 2).map(typeOf)).toEqual(exported);
    for (const file of files) expect(started(load(file)).workflowType?.name).toBe(typeOf(file));
  });

  it('include a run that continued as new and a workflow that started children', () => {
    expect(started(load('updateAllCasesForecastWorkflow.json')).continuedExecutionRunId).toBeTruthy();
    const reindexEvents = load('reindexWorkflow.json').events!;
    const children = reindexEvents.filter((event) => event.childWorkflowExecutionCompletedEventAttributes);
    expect(children.map((event) => event.childWorkflowExecutionCompletedEventAttributes!.workflowType?.name)).toEqual([
      'rebuildEntityWorkflow',
      'rebuildEntityWorkflow',
    ]);
  });

  it.each(files)('%s replays against the current workflow code', (file) => {
    const workflowId = file.replace(/\.json$/, '');
    expect(outcomes.has(workflowId)).toBe(true);
    expect(outcomes.get(workflowId)).toBeUndefined();
  });

  it('a history the code no longer matches fails the replay (the check is live)', async () => {
    // processUserNotificationsWorkflow scheduled countUnreadNotifications; pretend it had scheduled another activity.
    const history = load('processUserNotificationsWorkflow.json');
    const scheduled = history.events!.find(
      (event) => event.activityTaskScheduledEventAttributes,
    )!.activityTaskScheduledEventAttributes!;
    expect(scheduled.activityType?.name).toBe('countUnreadNotifications');
    scheduled.activityType = { name: 'sendNotificationEmail' };
    const failure = await Worker.runReplayHistory({ workflowBundle }, history, 'tampered').then(
      () => undefined,
      (error: unknown) => error,
    );
    expect(failure).toBeInstanceOf(DeterminismViolationError);
    expect((failure as Error).message).toMatch(/nondeterminism/);
  });
});
