/**
 * Jira Cloud REST v3: issues by key, a project's issues by JQL (token-paged), create, update.
 * An issue created for a job carries the job's mark as a label (`trackerCreationMark`).
 * Jira has no writable status field: an update that carries a status moves the issue through the
 * transition of its workflow that leads there (`to.name`, compared case-insensitively).
 */
import { plainText } from '../search/text';
import { TrackerStatusUnavailable } from './errors';
import { trackerRequest } from './http';
import {
  authorization,
  type IssueInput,
  type IssuePage,
  type IssueTracker,
  type TrackerAuth,
  type TrackerIssue,
} from './types';

interface JiraIssue {
  id: string;
  key: string;
  fields: {
    summary?: string;
    description?: unknown;
    status?: { name?: string };
    issuetype?: { name?: string };
    priority?: { name?: string };
  };
}

interface JiraTransition {
  id: string;
  name?: string;
  to?: { name?: string };
}

const sameStatus = (a: string, b: string) => a.trim().toLowerCase() === b.trim().toLowerCase();

const FIELDS = 'summary,description,status,issuetype,priority';

/** Jira v3 wants descriptions as Atlassian Document Format. */
function adf(text: string) {
  return { type: 'doc', version: 1, content: [{ type: 'paragraph', content: text ? [{ type: 'text', text }] : [] }] };
}

export function createJiraTracker(baseUrl: string, auth: TrackerAuth): IssueTracker {
  const base = baseUrl.replace(/\/+$/, '');
  const headers = { authorization: authorization(auth) };
  const toIssue = (issue: JiraIssue): TrackerIssue => ({
    externalId: issue.key,
    externalKey: issue.key,
    title: issue.fields.summary ?? '',
    description: plainText(issue.fields.description),
    status: issue.fields.status?.name ?? '',
    url: `${base}/browse/${issue.key}`,
    issueTypeName: issue.fields.issuetype?.name,
    priority: issue.fields.priority?.name,
    data: { jiraId: issue.id },
  });
  const issueUrl = (key: string) => `${base}/rest/api/3/issue/${encodeURIComponent(key)}`;
  const get = async (key: string) =>
    toIssue(
      (await trackerRequest<JiraIssue>({ url: `${issueUrl(key)}?fields=${FIELDS}`, headers }, `Jira issue ${key}`))
        .body,
    );

  /**
   * The transition leading to `status`, or undefined when the issue is in that status already:
   * workflows rarely offer a transition to the current status, and a retry after the transition
   * went through (the read back failed, say) must succeed rather than find no way there.
   */
  const transitionTo = async (key: string, status: string): Promise<JiraTransition | undefined> => {
    const { body } = await trackerRequest<{ transitions?: JiraTransition[] }>(
      { url: `${issueUrl(key)}/transitions`, headers },
      `Jira transitions of ${key}`,
    );
    const transitions = body.transitions ?? [];
    const found = transitions.find((candidate) => sameStatus(candidate.to?.name ?? '', status));
    if (found) return found;
    if (sameStatus((await get(key)).status, status)) return undefined;
    const available = [
      ...new Set(transitions.map((candidate) => candidate.to?.name).filter((name): name is string => !!name)),
    ];
    throw new TrackerStatusUnavailable(key, status, available);
  };
  /** One page of the project's issues that match `rest` of the JQL (after `project = ...`). */
  const search = async (project: string, rest: string, maxResults: number, cursor?: string) => {
    const params = new URLSearchParams({
      jql: `project = "${project.replace(/"/g, '\\"')}" ${rest}`,
      maxResults: String(maxResults),
      fields: FIELDS,
    });
    if (cursor) params.set('nextPageToken', cursor);
    const { body } = await trackerRequest<{ issues: JiraIssue[]; nextPageToken?: string; isLast?: boolean }>(
      { url: `${base}/rest/api/3/search/jql?${params}`, headers },
      `Jira search of project ${project}`,
    );
    return body;
  };
  return {
    getIssue: get,
    async listIssues(project, cursor, pageSize): Promise<IssuePage> {
      const body = await search(project, 'ORDER BY key ASC', pageSize, cursor);
      return {
        issues: body.issues.map(toIssue),
        next:
          body.isLast === false || (body.isLast === undefined && body.nextPageToken) ? body.nextPageToken : undefined,
      };
    },
    async createIssue(project, input) {
      const { body } = await trackerRequest<{ key: string }>(
        {
          method: 'POST',
          url: `${base}/rest/api/3/issue`,
          headers,
          body: {
            fields: {
              project: { key: project },
              summary: input.title,
              description: adf(input.description ?? ''),
              issuetype: { name: input.issueType ?? 'Task' },
              ...(input.priority ? { priority: { name: input.priority } } : {}),
              labels: [input.mark],
            },
          },
        },
        `Jira create in ${project}`,
      );
      return get(body.key);
    },
    async findCreatedIssue(project, mark) {
      const { issues } = await search(project, `AND labels = "${mark}"`, 1);
      return issues[0] && toIssue(issues[0]);
    },
    async updateIssue(key, input) {
      // The transition is looked up before any field is written, so a status the workflow cannot
      // reach fails the job with the issue untouched rather than half updated.
      // An empty status (a form's blank field) asks for no status change.
      const status = input.status?.trim();
      const transition = status ? await transitionTo(key, status) : undefined;
      const fields: Record<string, unknown> = {};
      if (input.title !== undefined) fields.summary = input.title;
      if (input.description !== undefined) fields.description = adf(input.description);
      if (input.priority !== undefined) fields.priority = { name: input.priority };
      // A status-only update has no fields to write; an empty PUT would be a request for nothing.
      if (Object.keys(fields).length > 0) {
        await trackerRequest({ method: 'PUT', url: issueUrl(key), headers, body: { fields } }, `Jira update of ${key}`);
      }
      if (transition) {
        await trackerRequest(
          {
            method: 'POST',
            url: `${issueUrl(key)}/transitions`,
            headers,
            body: { transition: { id: transition.id } },
          },
          `Jira transition of ${key} to ${status}`,
        );
      }
      return get(key);
    },
  };
}
