/** GitHub REST: issues as `owner/repo#number`, a repository's issues page by page, create, update. */
import { TrackerError } from './errors';
import { trackerRequest } from './http';
import { authorization, type IssuePage, type IssueTracker, type TrackerAuth, type TrackerIssue } from './types';

interface GitHubIssue {
  number: number;
  title: string;
  body: string | null;
  state: string;
  html_url: string;
  labels?: Array<{ name?: string } | string>;
  pull_request?: unknown;
}

/** How many of a repository's newest issues are searched for a create's mark. */
const RECENT_ISSUES = 100;

/** The job's mark, as an HTML comment GitHub does not render, on a line of its own at the end. */
const markComment = (mark: string) => `\n\n<!-- ${mark} -->`;
const withoutMark = (body: string) => body.replace(/\n*<!-- testplanit-job-[0-9a-f]+ -->\s*$/, '');

export function parseGitHubId(externalId: string): { owner: string; repo: string; number: number } {
  const match = /^([^/\s]+)\/([^#\s]+)#(\d+)$/.exec(externalId);
  if (!match)
    throw new TrackerError(`GitHub issue ids look like owner/repo#123, got "${externalId}"`, undefined, false);
  return { owner: match[1]!, repo: match[2]!, number: Number(match[3]) };
}

export function createGitHubTracker(baseUrl: string | undefined, auth: TrackerAuth): IssueTracker {
  const base = (baseUrl ?? 'https://api.github.com').replace(/\/+$/, '');
  const headers = {
    authorization: authorization(auth),
    accept: 'application/vnd.github+json',
    'x-github-api-version': '2022-11-28',
  };
  const toIssue = (repo: string, issue: GitHubIssue): TrackerIssue => ({
    externalId: `${repo}#${issue.number}`,
    externalKey: `${repo}#${issue.number}`,
    title: issue.title,
    description: withoutMark(issue.body ?? ''),
    status: issue.state,
    url: issue.html_url,
    issueTypeName: 'Issue',
    data: {
      _github_owner: repo.split('/')[0],
      _github_repo: repo.split('/')[1],
      labels: (issue.labels ?? []).map((label) => (typeof label === 'string' ? label : label.name)),
    },
  });
  const issueUrl = (id: string) => {
    const { owner, repo, number } = parseGitHubId(id);
    return { url: `${base}/repos/${owner}/${repo}/issues/${number}`, repo: `${owner}/${repo}` };
  };

  return {
    async getIssue(id) {
      const { url, repo } = issueUrl(id);
      return toIssue(repo, (await trackerRequest<GitHubIssue>({ url, headers }, `GitHub issue ${id}`)).body);
    },
    async listIssues(repo, cursor, pageSize): Promise<IssuePage> {
      const page = Number(cursor ?? 1);
      const { body, headers: responseHeaders } = await trackerRequest<GitHubIssue[]>(
        {
          url: `${base}/repos/${repo}/issues?state=all&sort=created&direction=asc&per_page=${pageSize}&page=${page}`,
          headers,
        },
        `GitHub issues of ${repo}`,
      );
      const hasNext = /rel="next"/.test(responseHeaders.get('link') ?? '');
      // The issues endpoint lists pull requests too; TestPlanIt links issues only.
      return {
        issues: body.filter((issue) => !issue.pull_request).map((issue) => toIssue(repo, issue)),
        next: hasNext ? String(page + 1) : undefined,
      };
    },
    async createIssue(repo, input) {
      const { body } = await trackerRequest<GitHubIssue>(
        {
          method: 'POST',
          url: `${base}/repos/${repo}/issues`,
          headers,
          body: { title: input.title, body: `${input.description ?? ''}${markComment(input.mark)}` },
        },
        `GitHub create in ${repo}`,
      );
      return toIssue(repo, body);
    },
    async findCreatedIssue(repo, mark) {
      // The newest issues, not the search API: search is eventually consistent and could miss an
      // issue created seconds ago. A retry comes within minutes, so the issue is among them.
      const { body } = await trackerRequest<GitHubIssue[]>(
        {
          url: `${base}/repos/${repo}/issues?state=all&sort=created&direction=desc&per_page=${RECENT_ISSUES}`,
          headers,
        },
        `GitHub issues of ${repo}`,
      );
      const found = body.find((issue) => !issue.pull_request && (issue.body ?? '').includes(markComment(mark)));
      return found && toIssue(repo, found);
    },
    async updateIssue(id, input) {
      const { url, repo } = issueUrl(id);
      const patch: Record<string, unknown> = {};
      if (input.title !== undefined) patch.title = input.title;
      if (input.description !== undefined) patch.body = input.description;
      if (input.status !== undefined) patch.state = input.status;
      return toIssue(
        repo,
        (await trackerRequest<GitHubIssue>({ method: 'PATCH', url, headers, body: patch }, `GitHub update of ${id}`))
          .body,
      );
    },
  };
}
