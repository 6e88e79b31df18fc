/**
 * What an issue-sync job asks for. The job name decides it, once, here: the payload schemas
 * (payloads.ts) attach it to the workflow input, and workflows switch on `operation.kind` with
 * each variant's fields typed. Workflows started before inputs carried it call the same function
 * on their job name and fields. Dependency-free, so workflow code may import it.
 */
export type IssueOperation =
  | { kind: 'syncIntegration' }
  | { kind: 'importProject'; projectId: number }
  | { kind: 'refresh'; externalId: string }
  | { kind: 'create'; title: string; description?: string; issueType?: string; project?: string }
  | { kind: 'update'; externalId: string; title?: string; description?: string; status?: string };

/** TestPlanIt's issue-sync fields an operation is made of. */
export interface IssueFields {
  projectId?: string;
  issueId?: string;
  data?: unknown;
}

const KIND_OF_JOB = {
  'sync-issues': 'syncIntegration',
  'sync-project-issues': 'importProject',
  'refresh-issue': 'refresh',
  'create-issue': 'create',
  'update-issue': 'update',
} as const;

export type IssueJobName = keyof typeof KIND_OF_JOB;
export type IssueOperationOf<N extends IssueJobName> = Extract<IssueOperation, { kind: (typeof KIND_OF_JOB)[N] }>;

/** The string fields of TestPlanIt's free-form `data`, whatever else it holds. */
function dataText(data: unknown, field: string): string | undefined {
  const value = (data as Record<string, unknown> | undefined)?.[field];
  return typeof value === 'string' ? value : undefined;
}

/** The operation of a job of this name with these fields (an unknown name syncs the integration, as TestPlanIt's default). */
export function issueOperationFor<N extends IssueJobName>(jobName: N, fields: IssueFields): IssueOperationOf<N>;
export function issueOperationFor(jobName: string, fields: IssueFields): IssueOperation;
export function issueOperationFor(jobName: string, fields: IssueFields): IssueOperation {
  switch (jobName) {
    case 'sync-project-issues':
      return { kind: 'importProject', projectId: Number(fields.projectId) };
    case 'refresh-issue':
      return { kind: 'refresh', externalId: fields.issueId ?? '' };
    case 'create-issue':
      return {
        kind: 'create',
        title: dataText(fields.data, 'title') ?? '',
        description: dataText(fields.data, 'description'),
        issueType: dataText(fields.data, 'issueType'),
        project: dataText(fields.data, 'project'),
      };
    case 'update-issue':
      return {
        kind: 'update',
        externalId: fields.issueId ?? '',
        title: dataText(fields.data, 'title'),
        description: dataText(fields.data, 'description'),
        status: dataText(fields.data, 'status'),
      };
    default:
      return { kind: 'syncIntegration' };
  }
}
