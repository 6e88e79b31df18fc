/** Issue-sync payloads: TestPlanIt's fields in, one typed operation out, decided by the job name's schema. */
import { findRoute } from '../src/jobs/routes';

const base = { userId: 'u1', integrationId: 3, action: 'sync', tenantId: 'acme' };

function operationFor(jobName: string, payload: Record<string, unknown>): unknown {
  const route = findRoute('issue-sync', jobName)!;
  const parsed = route.payload.safeParse(payload);
  if (!parsed.success) throw new Error(parsed.error.message);
  return (parsed.data as { operation: unknown }).operation;
}

test('each issue-sync job name becomes its own operation, with its fields typed', () => {
  expect(operationFor('sync-issues', base)).toEqual({ kind: 'syncIntegration' });
  expect(operationFor('sync-project-issues', { ...base, projectId: '12' })).toEqual({
    kind: 'importProject',
    projectId: 12,
  });
  expect(operationFor('refresh-issue', { ...base, action: 'refresh', issueId: 'PROJ-7' })).toEqual({
    kind: 'refresh',
    externalId: 'PROJ-7',
  });
  expect(
    operationFor('create-issue', {
      ...base,
      action: 'create',
      data: { title: 'Bug', description: 'd', issueType: 'Task', project: 'P', extra: 1 },
    }),
  ).toEqual({ kind: 'create', title: 'Bug', description: 'd', issueType: 'Task', project: 'P' });
  expect(
    operationFor('update-issue', { ...base, action: 'update', issueId: '9', data: { status: 'Done', title: 7 } }),
  ).toEqual({
    kind: 'update',
    externalId: '9',
    title: undefined,
    description: undefined,
    status: 'Done',
  });
});

test('a variant missing what it needs is refused naming the field', () => {
  expect(() => operationFor('sync-project-issues', base)).toThrow(/projectId is required/);
  expect(() => operationFor('sync-project-issues', { ...base, projectId: 'twelve' })).toThrow(/a project number/);
  expect(() => operationFor('refresh-issue', base)).toThrow(/issueId is required/);
  expect(() => operationFor('create-issue', { ...base, data: { title: '' } })).toThrow(/data.title is required/);
});
