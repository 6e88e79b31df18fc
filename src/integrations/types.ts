/** What the sync needs from any tracker, in TestPlanIt's terms (its `Issue` columns). */
export interface TrackerIssue {
  /** The id TestPlanIt stores in `Issue.externalId`: `PROJ-12`, `owner/repo#7`, `42`. */
  externalId: string;
  externalKey: string;
  title: string;
  description: string;
  status: string;
  url: string;
  issueTypeName?: string;
  priority?: string;
  data: Record<string, unknown>;
}

export interface IssueInput {
  title: string;
  description?: string;
  issueType?: string;
  priority?: string;
}

/** A create carries the job's mark (`trackerCreationMark`), so a later attempt can find it. */
export interface CreateIssueInput extends IssueInput {
  mark: string;
}

export interface IssuePage {
  issues: TrackerIssue[];
  /** Where the next page starts; undefined on the last page. */
  next?: string;
  total?: number;
}

export interface IssueTracker {
  getIssue(externalId: string): Promise<TrackerIssue>;
  /** One page of a project's issues (`project` is the tracker's project key, repo or area). */
  listIssues(project: string, cursor: string | undefined, pageSize: number): Promise<IssuePage>;
  createIssue(project: string, input: CreateIssueInput): Promise<TrackerIssue>;
  /** The issue of `project` created with `mark`, if there is one. */
  findCreatedIssue(project: string, mark: string): Promise<TrackerIssue | undefined>;
  updateIssue(externalId: string, input: Partial<IssueInput> & { status?: string }): Promise<TrackerIssue>;
}

/** How a tracker call authenticates, resolved from the tenant's Integration rows. */
export type TrackerAuth = { kind: 'basic'; user: string; token: string } | { kind: 'bearer'; token: string };

export function authorization(auth: TrackerAuth): string {
  return auth.kind === 'basic'
    ? `Basic ${Buffer.from(`${auth.user}:${auth.token}`).toString('base64')}`
    : `Bearer ${auth.token}`;
}
