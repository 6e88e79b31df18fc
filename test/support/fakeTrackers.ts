/**
 * One HTTP server on loopback speaking the calls this project makes to Jira Cloud REST v3
 * (under /jira), GitHub REST (under /github) and Azure DevOps work items (under /ado/<org>),
 * over in-memory issues, with token, page and id-keyset pagination, and a Jira workflow whose
 * statuses change only through transitions (`JIRA_WORKFLOW`). Tests script failures
 * (429 with Retry-After, GitHub's exhausted rate limit, 401, 5xx) and read the requests it saw.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface FakeIssue {
  number: number;
  title: string;
  body: string;
  state: string;
  type?: string;
  /** Jira labels, Azure DevOps tags. */
  labels?: string[];
}

export interface SeenRequest {
  method: string;
  path: string;
  at: number;
  authorization?: string;
}

/**
 * Jira transitions by current status: a transition's name is not its target status's name, as in
 * real workflows, so a client has to match `to.name`.
 */
export const JIRA_WORKFLOW: Record<string, Array<{ id: string; name: string; to: string }>> = {
  'To Do': [{ id: '11', name: 'Start work', to: 'In Progress' }],
  Open: [{ id: '11', name: 'Start work', to: 'In Progress' }],
  'In Progress': [
    { id: '21', name: 'Send to review', to: 'In Review' },
    { id: '31', name: 'Resolve', to: 'Done' },
    { id: '41', name: 'Stop work', to: 'To Do' },
  ],
  'In Review': [
    { id: '31', name: 'Resolve', to: 'Done' },
    { id: '51', name: 'Rework', to: 'In Progress' },
  ],
  Done: [{ id: '61', name: 'Reopen', to: 'To Do' }],
};

interface Fault {
  match: RegExp;
  status: number;
  headers: Record<string, string>;
  times: number;
}

export class FakeTrackers {
  readonly jira = new Map<string, FakeIssue[]>();
  readonly github = new Map<string, FakeIssue[]>();
  readonly ado = new Map<string, FakeIssue[]>();
  readonly requests: SeenRequest[] = [];
  private faults: Fault[] = [];
  private server?: Server;
  baseUrl = '';

  async start(): Promise<void> {
    this.server = createServer((req, res) => {
      void this.handle(req, res).catch((error: Error) => this.send(res, 500, { message: error.message }));
    });
    await new Promise<void>((resolve) => this.server!.listen(0, '127.0.0.1', resolve));
    this.baseUrl = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  async stop(): Promise<void> {
    await new Promise<void>((resolve) => this.server?.close(() => resolve()));
  }

  /** The next `times` requests whose "METHOD path" matches answer `status` with `headers`. */
  fail(match: RegExp, status: number, headers: Record<string, string> = {}, times = 1): void {
    this.faults.push({ match, status, headers, times });
  }

  seen(match: RegExp): SeenRequest[] {
    return this.requests.filter((request) => match.test(`${request.method} ${request.path}`));
  }

  private send(res: ServerResponse, status: number, body?: unknown, headers: Record<string, string> = {}): void {
    res.writeHead(status, { 'content-type': 'application/json', ...headers });
    res.end(body === undefined ? '' : JSON.stringify(body));
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url!, this.baseUrl);
    const line = `${req.method} ${url.pathname}${url.search}`;
    this.requests.push({
      method: req.method!,
      path: `${url.pathname}${url.search}`,
      at: Date.now(),
      authorization: req.headers.authorization,
    });
    let raw = '';
    for await (const chunk of req) raw += chunk;
    const body = raw ? JSON.parse(raw) : undefined;
    const fault = this.faults.find((candidate) => candidate.times > 0 && candidate.match.test(line));
    if (fault) {
      fault.times -= 1;
      return this.send(res, fault.status, { message: `scripted ${fault.status}` }, fault.headers);
    }
    if (!req.headers.authorization) return this.send(res, 401, { message: 'no credentials' });
    const path = url.pathname;
    let match: RegExpExecArray | null;

    // ---- Jira Cloud v3
    if ((match = /^\/jira\/rest\/api\/3\/issue\/([A-Z]+)-(\d+)\/transitions$/.exec(path))) {
      const issue = this.jira.get(match[1]!)?.find((candidate) => candidate.number === Number(match![2]));
      if (!issue) return this.send(res, 404, { errorMessages: ['Issue does not exist'] });
      const available = JIRA_WORKFLOW[issue.state] ?? [];
      if (req.method === 'POST') {
        const chosen = available.find((transition) => transition.id === body.transition?.id);
        if (!chosen) {
          return this.send(res, 400, {
            errorMessages: [`Transition id '${body.transition?.id}' is not valid for this issue.`],
          });
        }
        issue.state = chosen.to;
        return this.send(res, 204);
      }
      return this.send(res, 200, {
        transitions: available.map((transition) => ({
          id: transition.id,
          name: transition.name,
          to: { id: `s${transition.id}`, name: transition.to },
        })),
      });
    }
    if ((match = /^\/jira\/rest\/api\/3\/issue\/([A-Z]+)-(\d+)$/.exec(path))) {
      const issue = this.jira.get(match[1]!)?.find((candidate) => candidate.number === Number(match![2]));
      if (!issue) return this.send(res, 404, { errorMessages: ['Issue does not exist'] });
      if (req.method === 'PUT') {
        if (body.fields.summary !== undefined) issue.title = body.fields.summary;
        if (body.fields.description !== undefined)
          issue.body = body.fields.description.content[0].content[0]?.text ?? '';
        return this.send(res, 204);
      }
      return this.send(res, 200, this.jiraIssue(match[1]!, issue));
    }
    if (path === '/jira/rest/api/3/search/jql') {
      const jql = url.searchParams.get('jql') ?? '';
      const project = /project = "([^"]+)"/.exec(jql)?.[1] ?? '';
      const label = /labels = "([^"]+)"/.exec(jql)?.[1];
      const all = (this.jira.get(project) ?? []).filter((issue) => !label || issue.labels?.includes(label));
      const size = Number(url.searchParams.get('maxResults') ?? 50);
      const start = Number(url.searchParams.get('nextPageToken') ?? 0);
      const page = all.slice(start, start + size);
      const isLast = start + size >= all.length;
      return this.send(res, 200, {
        issues: page.map((issue) => this.jiraIssue(project, issue)),
        isLast,
        ...(isLast ? {} : { nextPageToken: String(start + size) }),
      });
    }
    if (path === '/jira/rest/api/3/issue' && req.method === 'POST') {
      const project = body.fields.project.key as string;
      const list = this.jira.get(project) ?? [];
      this.jira.set(project, list);
      const issue = {
        number: list.length + 1,
        title: body.fields.summary,
        body: body.fields.description?.content?.[0]?.content?.[0]?.text ?? '',
        state: 'To Do',
        type: body.fields.issuetype.name,
        labels: body.fields.labels ?? [],
      };
      list.push(issue);
      return this.send(res, 201, { id: String(10_000 + issue.number), key: `${project}-${issue.number}` });
    }

    // ---- GitHub REST
    if ((match = /^\/github\/repos\/([^/]+\/[^/]+)\/issues\/(\d+)$/.exec(path))) {
      const issue = this.github.get(match[1]!)?.find((candidate) => candidate.number === Number(match![2]));
      if (!issue) return this.send(res, 404, { message: 'Not Found' });
      if (req.method === 'PATCH') {
        if (body.title !== undefined) issue.title = body.title;
        if (body.body !== undefined) issue.body = body.body;
        if (body.state !== undefined) issue.state = body.state;
      }
      return this.send(res, 200, this.githubIssue(match[1]!, issue));
    }
    if ((match = /^\/github\/repos\/([^/]+\/[^/]+)\/issues$/.exec(path))) {
      const repo = match[1]!;
      const list = this.github.get(repo) ?? [];
      this.github.set(repo, list);
      if (req.method === 'POST') {
        const issue = { number: list.length + 1, title: body.title, body: body.body, state: 'open' };
        list.push(issue);
        return this.send(res, 201, this.githubIssue(repo, issue));
      }
      const size = Number(url.searchParams.get('per_page') ?? 30);
      const page = Number(url.searchParams.get('page') ?? 1);
      const ordered = url.searchParams.get('direction') === 'desc' ? [...list].reverse() : list;
      const items = ordered.slice((page - 1) * size, page * size);
      const link = page * size < list.length ? `<${this.baseUrl}${path}?page=${page + 1}>; rel="next"` : '';
      return this.send(
        res,
        200,
        items.map((issue) => this.githubIssue(repo, issue)),
        link ? { link } : {},
      );
    }

    // ---- Azure DevOps
    if ((match = /^\/ado\/[^/]+\/([^/]+)\/_apis\/wit\/wiql$/.exec(path))) {
      const project = decodeURIComponent(match[1]!);
      const after = Number(/\[System\.Id\] > (\d+)/.exec(body.query)?.[1] ?? 0);
      const tag = /\[System\.Tags\] Contains '([^']+)'/.exec(body.query)?.[1];
      const top = Number(url.searchParams.get('$top') ?? 200);
      const ids = (this.ado.get(project) ?? [])
        .filter((issue) => issue.number > after && (!tag || issue.labels?.includes(tag)))
        .slice(0, top)
        .map((issue) => ({ id: issue.number }));
      return this.send(res, 200, { workItems: ids });
    }
    if (/^\/ado\/[^/]+\/_apis\/wit\/workitems$/.test(path)) {
      const ids = (url.searchParams.get('ids') ?? '').split(',').map(Number);
      const value = [...this.ado].flatMap(([project, list]) =>
        list.filter((issue) => ids.includes(issue.number)).map((issue) => this.workItem(project, issue)),
      );
      return this.send(res, 200, { count: value.length, value });
    }
    if ((match = /^\/ado\/[^/]+\/([^/]+)\/_apis\/wit\/workitems\/\$(.+)$/.exec(path)) && req.method === 'POST') {
      const project = decodeURIComponent(match[1]!);
      const list = this.ado.get(project) ?? [];
      this.ado.set(project, list);
      const all = [...this.ado.values()].flat();
      const issue: FakeIssue = {
        number: Math.max(0, ...all.map((i) => i.number)) + 1,
        title: '',
        body: '',
        state: 'New',
        type: decodeURIComponent(match[2]!),
      };
      this.applyPatch(issue, body);
      list.push(issue);
      return this.send(res, 200, this.workItem(project, issue));
    }
    if ((match = /^\/ado\/[^/]+\/_apis\/wit\/workitems\/(\d+)$/.exec(path))) {
      for (const [project, list] of this.ado) {
        const issue = list.find((candidate) => candidate.number === Number(match![1]));
        if (!issue) continue;
        if (req.method === 'PATCH') this.applyPatch(issue, body);
        return this.send(res, 200, this.workItem(project, issue));
      }
      return this.send(res, 404, { message: 'TF401232: Work item does not exist' });
    }
    this.send(res, 404, { message: `no fake for ${line}` });
  }

  private applyPatch(issue: FakeIssue, operations: Array<{ path: string; value: string }>): void {
    for (const operation of operations) {
      if (operation.path === '/fields/System.Title') issue.title = operation.value;
      if (operation.path === '/fields/System.Description') issue.body = operation.value;
      if (operation.path === '/fields/System.State') issue.state = operation.value;
      if (operation.path === '/fields/System.Tags') issue.labels = operation.value.split(';').map((t) => t.trim());
    }
  }

  private jiraIssue(project: string, issue: FakeIssue) {
    return {
      id: String(10_000 + issue.number),
      key: `${project}-${issue.number}`,
      fields: {
        summary: issue.title,
        description: {
          type: 'doc',
          version: 1,
          content: [{ type: 'paragraph', content: [{ type: 'text', text: issue.body }] }],
        },
        status: { name: issue.state },
        issuetype: { name: issue.type ?? 'Bug' },
        priority: { name: 'Medium' },
      },
    };
  }

  private githubIssue(repo: string, issue: FakeIssue) {
    return {
      number: issue.number,
      title: issue.title,
      body: issue.body,
      state: issue.state,
      html_url: `https://github.example/${repo}/issues/${issue.number}`,
      labels: [{ name: 'bug' }],
    };
  }

  private workItem(project: string, issue: FakeIssue) {
    return {
      id: issue.number,
      fields: {
        'System.Title': issue.title,
        'System.Description': `<div>${issue.body}</div>`,
        'System.State': issue.state,
        'System.WorkItemType': issue.type ?? 'Bug',
        'System.TeamProject': project,
      },
      _links: { html: { href: `https://dev.azure.example/${project}/_workitems/edit/${issue.number}` } },
    };
  }
}
