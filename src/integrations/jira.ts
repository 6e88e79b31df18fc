/** Jira Cloud REST v3: issues by key, a project's issues by JQL (token-paged), create, update. */
import { plainText } from '../search/text';
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
  const get = async (key: string) =>
    toIssue(
      (
        await trackerRequest<JiraIssue>(
          { url: `${base}/rest/api/3/issue/${encodeURIComponent(key)}?fields=${FIELDS}`, headers },
          `Jira issue ${key}`,
        )
      ).body,
    );

  return {
    getIssue: get,
    async listIssues(project, cursor, pageSize): Promise<IssuePage> {
      const params = new URLSearchParams({
        jql: `project = "${project.replace(/"/g, '\\"')}" ORDER BY key ASC`,
        maxResults: String(pageSize),
        fields: FIELDS,
      });
      if (cursor) params.set('nextPageToken', cursor);
      const { body } = await trackerRequest<{ issues: JiraIssue[]; nextPageToken?: string; isLast?: boolean }>(
        { url: `${base}/rest/api/3/search/jql?${params}`, headers },
        `Jira search of project ${project}`,
      );
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
            },
          },
        },
        `Jira create in ${project}`,
      );
      return get(body.key);
    },
    async updateIssue(key, input) {
      const fields: Record<string, unknown> = {};
      if (input.title !== undefined) fields.summary = input.title;
      if (input.description !== undefined) fields.description = adf(input.description);
      if (input.priority !== undefined) fields.priority = { name: input.priority };
      await trackerRequest(
        { method: 'PUT', url: `${base}/rest/api/3/issue/${encodeURIComponent(key)}`, headers, body: { fields } },
        `Jira update of ${key}`,
      );
      return get(key);
    },
  };
}
