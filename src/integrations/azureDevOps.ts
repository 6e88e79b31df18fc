/**
 * Azure DevOps work items: by id, a project's items by WIQL (keyset on id), create, update. A work
 * item created for a job carries the job's mark as a tag (`trackerCreationMark`).
 */
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

interface WorkItem {
  id: number;
  fields: Record<string, unknown>;
  _links?: { html?: { href?: string } };
}

const API = 'api-version=7.1';

function patchOf(input: Partial<IssueInput> & { status?: string }) {
  const operations: Array<{ op: 'add'; path: string; value: unknown }> = [];
  if (input.title !== undefined) operations.push({ op: 'add', path: '/fields/System.Title', value: input.title });
  if (input.description !== undefined)
    operations.push({ op: 'add', path: '/fields/System.Description', value: input.description });
  if (input.status !== undefined) operations.push({ op: 'add', path: '/fields/System.State', value: input.status });
  return operations;
}

/** Personal access tokens go as Basic with an empty user name, OAuth tokens as Bearer. */
export function createAzureDevOpsTracker(organizationUrl: string, auth: TrackerAuth): IssueTracker {
  const base = organizationUrl.replace(/\/+$/, '');
  const headers = { authorization: authorization(auth) };
  const toIssue = (item: WorkItem): TrackerIssue => ({
    externalId: String(item.id),
    externalKey: String(item.id),
    title: String(item.fields['System.Title'] ?? ''),
    description: plainText(String(item.fields['System.Description'] ?? '').replace(/<[^>]+>/g, ' ')).trim(),
    status: String(item.fields['System.State'] ?? ''),
    url: item._links?.html?.href ?? `${base}/_workitems/edit/${item.id}`,
    issueTypeName: item.fields['System.WorkItemType'] as string | undefined,
    data: { project: item.fields['System.TeamProject'] },
  });
  const get = async (id: string) =>
    toIssue(
      (
        await trackerRequest<WorkItem>(
          { url: `${base}/_apis/wit/workitems/${encodeURIComponent(id)}?${API}`, headers },
          `Azure DevOps work item ${id}`,
        )
      ).body,
    );

  /** The ids of up to `top` work items of the project that match `condition` (WIQL). */
  const query = async (project: string, condition: string, top: number): Promise<number[]> => {
    const { body } = await trackerRequest<{ workItems: Array<{ id: number }> }>(
      {
        method: 'POST',
        url: `${base}/${encodeURIComponent(project)}/_apis/wit/wiql?$top=${top}&${API}`,
        headers,
        body: {
          query: `Select [System.Id] From WorkItems Where [System.TeamProject] = @project And ${condition}`,
        },
      },
      `Azure DevOps query of ${project}`,
    );
    return body.workItems.map((item) => item.id);
  };

  return {
    getIssue: get,
    async listIssues(project, cursor, pageSize): Promise<IssuePage> {
      const after = Number(cursor ?? 0);
      const ids = await query(project, `[System.Id] > ${after} Order By [System.Id] Asc`, pageSize);
      if (ids.length === 0) return { issues: [] };
      const items = await trackerRequest<{ value: WorkItem[] }>(
        { url: `${base}/_apis/wit/workitems?ids=${ids.join(',')}&${API}`, headers },
        `Azure DevOps work items of ${project}`,
      );
      return {
        issues: items.body.value.map(toIssue),
        next: ids.length === pageSize ? String(ids[ids.length - 1]) : undefined,
      };
    },
    async createIssue(project, input) {
      const type = encodeURIComponent(input.issueType ?? 'Task');
      const { body } = await trackerRequest<WorkItem>(
        {
          method: 'POST',
          url: `${base}/${encodeURIComponent(project)}/_apis/wit/workitems/$${type}?${API}`,
          headers,
          body: [...patchOf(input), { op: 'add', path: '/fields/System.Tags', value: input.mark }],
          contentType: 'application/json-patch+json',
        },
        `Azure DevOps create in ${project}`,
      );
      return toIssue(body);
    },
    async findCreatedIssue(project, mark) {
      const [id] = await query(project, `[System.Tags] Contains '${mark}'`, 1);
      return id === undefined ? undefined : get(String(id));
    },
    async updateIssue(id, input) {
      const { body } = await trackerRequest<WorkItem>(
        {
          method: 'PATCH',
          url: `${base}/_apis/wit/workitems/${encodeURIComponent(id)}?${API}`,
          headers,
          body: patchOf(input),
          contentType: 'application/json-patch+json',
        },
        `Azure DevOps update of ${id}`,
      );
      return toIssue(body);
    },
  };
}
