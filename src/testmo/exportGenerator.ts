/**
 * Writes a realistic Testmo JSON export of a chosen size (contract section 9's layout and the
 * fields TestPlanIt's importer reads), streaming, so a 1 GB export costs no more memory than a
 * small one. Deterministic for a seed. Used by the tests and by `npm run bench:import`; from
 * the shell: `npm run testmo:generate -- <file> <cases|size like 100MB>`.
 *
 * Shapes worth testing are built in: a milestone and a folder listed before their parents, a
 * snapshot repository per project (not imported), multi-select values, steps with test data,
 * issues linked from cases, runs, results and sessions, and automation data: CI runs of
 * automation cases (some pairs of which are one test, as Testmo keeps a case per source), with
 * fields, links, tags and test output.
 */
import { seededRandom } from '../seededRandom';
import { createWriteStream, type WriteStream } from 'node:fs';
import { unlink } from 'node:fs/promises';
import { once } from 'node:events';

export interface GeneratorOptions {
  /** Test cases in all; every other dataset scales with it. */
  cases: number;
  projects?: number;
  seed?: number;
  /**
   * Folders in all, instead of one per 25 cases: a tree several levels deep (each folder has
   * four children), listed parents-first in odd projects and children-first in even ones, so
   * most parents of the even ones can only be linked once every folder is in.
   */
  folders?: number;
}

export interface GeneratedExport {
  bytes: number;
  /** Rows per dataset, as written. */
  rows: Record<string, number>;
  /** What a correct import creates. */
  expected: {
    projects: number;
    milestones: number;
    repositories: number;
    folders: number;
    cases: number;
    steps: number;
    caseFieldValues: number;
    caseTags: number;
    runs: number;
    runCases: number;
    results: number;
    runTags: number;
    sessions: number;
    sessionResults: number;
    sessionTags: number;
    issues: number;
    issueLinks: number;
    /** JUnit cases: automation cases less those that are the same test as another. */
    automationCases: number;
    /** The Automation folder of each project and the folders of its cases' dotted paths. */
    automationFolders: number;
    automationRuns: number;
    /** One JUnit result per automation run test. */
    automationResults: number;
    /** Test-run cases of automation runs: one per run and JUnit case. */
    automationRunCases: number;
    automationRunFields: number;
    automationRunLinks: number;
    automationRunTags: number;
    /** Results with system-out (named fields, output), and with system-err (error fields). */
    automationResultsWithOutput: number;
    automationResultsWithErrors: number;
    users: number;
    statuses: number;
    tags: number;
  };
}

const VERBS = [
  'Open',
  'Create',
  'Edit',
  'Delete',
  'Search',
  'Export',
  'Import',
  'Filter',
  'Sort',
  'Share',
  'Archive',
  'Restore',
];
const OBJECTS = [
  'login page',
  'user profile',
  'invoice',
  'order',
  'report',
  'dashboard',
  'project',
  'comment',
  'attachment',
  'API token',
  'webhook',
  'team',
];
const OUTCOMES = [
  'is saved',
  'shows an error',
  'is listed first',
  'is sent by email',
  'keeps its history',
  'respects permissions',
];
const STATUSES = [
  { name: 'Untested', system_name: 'untested', is_success: false, is_failure: false, is_completed: false },
  { name: 'Passed', system_name: 'passed', is_success: true, is_failure: false, is_completed: true },
  { name: 'Failed', system_name: 'failed', is_success: false, is_failure: true, is_completed: true },
  { name: 'Blocked', system_name: 'blocked', is_success: false, is_failure: true, is_completed: true },
  { name: 'Retest', system_name: 'retest', is_success: false, is_failure: false, is_completed: false },
  { name: 'Skipped', system_name: 'skipped', is_success: false, is_failure: false, is_completed: true },
];

class JsonWriter {
  bytes = 0;
  private buffer: string[] = [];
  private buffered = 0;
  private firstRow = true;
  private firstDataset = true;

  constructor(private readonly out: WriteStream) {}

  async raw(text: string): Promise<void> {
    this.buffer.push(text);
    this.buffered += text.length;
    this.bytes += Buffer.byteLength(text);
    if (this.buffered >= 1 << 16) await this.flush();
  }

  async flush(): Promise<void> {
    if (this.buffer.length === 0) return;
    const chunk = this.buffer.join('');
    this.buffer = [];
    this.buffered = 0;
    if (!this.out.write(chunk)) await once(this.out, 'drain');
  }

  /** A top-level key that is not a dataset (`meta`). */
  async entry(name: string, value: unknown): Promise<void> {
    await this.raw(`${this.firstDataset ? '' : ','}\n"${name}":${JSON.stringify(value)}`);
    this.firstDataset = false;
  }

  async startDataset(name: string, schema: Record<string, string>): Promise<void> {
    await this.raw(`${this.firstDataset ? '' : ','}\n"${name}":{"schema":${JSON.stringify(schema)},"data":[`);
    this.firstDataset = false;
    this.firstRow = true;
  }

  async row(value: unknown): Promise<void> {
    await this.raw(`${this.firstRow ? '\n' : ',\n'}${JSON.stringify(value)}`);
    this.firstRow = false;
  }

  async endDataset(): Promise<void> {
    await this.raw(']}');
  }
}

export async function generateTestmoExport(file: string, options: GeneratorOptions): Promise<GeneratedExport> {
  const rand = seededRandom(options.seed ?? 42);
  const pick = <T>(items: readonly T[]): T => items[Math.floor(rand() * items.length)]!;
  const int = (min: number, max: number) => min + Math.floor(rand() * (max - min + 1));
  const date = (day: number) =>
    new Date(Date.UTC(2024, 0, 1) + day * 86_400_000 + int(0, 86_399) * 1000).toISOString().replace('.000Z', 'Z');
  const sentence = () => `${pick(VERBS)} the ${pick(OBJECTS)} and check it ${pick(OUTCOMES)}`;

  const projects = Math.max(1, options.projects ?? Math.min(20, Math.ceil(options.cases / 5000)));
  const casesPerProject = Math.max(1, Math.floor(options.cases / projects));
  const users = Math.min(200, 10 + Math.floor(options.cases / 500));
  const tags = 30;
  const out = createWriteStream(file);
  const json = new JsonWriter(out);
  const rows: Record<string, number> = {};
  const expected: GeneratedExport['expected'] = {
    projects,
    milestones: 0,
    repositories: projects,
    folders: 0,
    cases: 0,
    steps: 0,
    caseFieldValues: 0,
    caseTags: 0,
    runs: 0,
    runCases: 0,
    results: 0,
    runTags: 0,
    sessions: 0,
    sessionResults: 0,
    sessionTags: 0,
    issues: 0,
    issueLinks: 0,
    automationCases: 0,
    automationFolders: 0,
    automationRuns: 0,
    automationResults: 0,
    automationRunCases: 0,
    automationRunFields: 0,
    automationRunLinks: 0,
    automationRunTags: 0,
    automationResultsWithOutput: 0,
    automationResultsWithErrors: 0,
    users,
    statuses: STATUSES.length,
    tags,
  };

  async function dataset(
    name: string,
    schema: Record<string, string>,
    write: (emit: (row: Record<string, unknown>) => Promise<void>) => Promise<void>,
  ) {
    await json.startDataset(name, schema);
    let count = 0;
    await write(async (row) => {
      count += 1;
      await json.row(row);
    });
    rows[name] = count;
    await json.endDataset();
  }

  await json.raw('{');
  await json.entry('meta', {
    exported_at: '2026-11-01T00:00:00Z',
    version: 'testmo-export-1',
    generator: 'testplanit-temporal-workers',
  });

  // ------------------------------------------------------------ configuration datasets
  await dataset('users', { id: 'id', name: 'string', email: 'string', is_active: 'bool' }, async (emit) => {
    for (let id = 1; id <= users; id += 1)
      await emit({ id, name: `Tester ${id}`, email: `tester${id}@testmo.example`, is_active: id % 17 !== 0 });
  });
  await dataset('states', { id: 'id', name: 'string' }, async (emit) => {
    for (const [index, name] of ['Draft', 'Review', 'Approved'].entries()) await emit({ id: index + 1, name });
  });
  await dataset('statuses', { id: 'id', name: 'string', system_name: 'string' }, async (emit) => {
    for (const [index, status] of STATUSES.entries()) await emit({ id: index + 1, color: '#888888', ...status });
  });
  await dataset('tags', { id: 'id', name: 'string' }, async (emit) => {
    for (let id = 1; id <= tags; id += 1) await emit({ id, name: `tag-${id}` });
  });
  await dataset('milestone_types', { id: 'id', name: 'string' }, async (emit) => {
    await emit({ id: 1, name: 'Release' });
    await emit({ id: 2, name: 'Sprint' });
  });
  await dataset('configs', { id: 'id', name: 'string' }, async (emit) => {
    for (const [index, name] of ['Chrome / Linux', 'Firefox / Windows', 'Safari / macOS'].entries())
      await emit({ id: index + 1, name });
  });
  await dataset('templates', { id: 'id', name: 'string' }, async (emit) => {
    await emit({ id: 1, name: 'Testmo Steps' });
    await emit({ id: 2, name: 'Testmo Text' });
  });
  await dataset(
    'fields',
    { id: 'id', display_name: 'string', system_name: 'string', type_name: 'string' },
    async (emit) => {
      await emit({
        id: 1,
        display_name: 'Priority',
        system_name: 'testmo_priority',
        type_name: 'Dropdown',
        is_required: false,
      });
      await emit({
        id: 2,
        display_name: 'Platforms',
        system_name: 'testmo_platforms',
        type_name: 'Multi-Select',
        is_required: false,
      });
      await emit({
        id: 3,
        display_name: 'Preconditions',
        system_name: 'testmo_preconditions',
        type_name: 'Text',
        is_required: false,
      });
    },
  );
  await dataset('field_values', { id: 'id', field_id: 'id', name: 'string' }, async (emit) => {
    for (const [index, name] of ['Low', 'Medium', 'High', 'Critical'].entries())
      await emit({ id: 11 + index, field_id: 1, name });
    for (const [index, name] of ['Web', 'iOS', 'Android'].entries()) await emit({ id: 21 + index, field_id: 2, name });
  });
  await dataset(
    'template_fields',
    { id: 'id', template_id: 'id', field_id: 'id', target_type: 'string' },
    async (emit) => {
      let id = 1;
      for (const template of [1, 2]) {
        for (const field of [1, 2, 3])
          await emit({
            id: id++,
            template_id: template,
            template_name: template === 1 ? 'Testmo Steps' : 'Testmo Text',
            field_id: field,
            target_type: 'case',
            display_order: field,
          });
      }
    },
  );
  await dataset('issue_targets', { id: 'id', name: 'string', type: 'int' }, async (emit) => {
    await emit({ id: 1, name: 'Testmo Jira', type: 1, url: 'https://jira.example.test' });
    await emit({ id: 2, name: 'Testmo GitHub', type: 2, url: 'https://github.com/example/app' });
  });

  // ------------------------------------------------------------ projects and their contents
  await dataset('projects', { id: 'id', name: 'string' }, async (emit) => {
    for (let p = 1; p <= projects; p += 1)
      await emit({
        id: p,
        name: `Testmo Project ${p} (seed ${options.seed ?? 42})`,
        note: `Imported project ${p}`,
        created_by: 1,
        created_at: date(p),
        is_completed: false,
      });
  });
  const milestonesPerProject = 4;
  await dataset('milestones', { id: 'id', project_id: 'id', name: 'string', parent_id: 'id' }, async (emit) => {
    for (let p = 1; p <= projects; p += 1) {
      const base = (p - 1) * milestonesPerProject;
      // Children are listed before their parent release (base + 4).
      for (let m = 1; m < milestonesPerProject; m += 1) {
        await emit({
          id: base + m,
          project_id: p,
          name: `Sprint ${m}`,
          type_id: 2,
          parent_id: base + milestonesPerProject,
          root_id: base + milestonesPerProject,
          is_completed: m === 1,
          created_by: int(1, users),
          created_at: date(m),
        });
      }
      await emit({
        id: base + milestonesPerProject,
        project_id: p,
        name: `Release ${p}.0`,
        type_id: 1,
        parent_id: null,
        root_id: null,
        is_started: true,
        created_by: 1,
        created_at: date(0),
      });
    }
    expected.milestones = projects * milestonesPerProject;
  });
  await dataset(
    'repositories',
    { id: 'id', project_id: 'id', is_master: 'bool', is_snapshot: 'bool' },
    async (emit) => {
      for (let p = 1; p <= projects; p += 1) {
        await emit({ id: p, project_id: p, is_master: true, is_snapshot: false });
        await emit({ id: 1000 + p, project_id: p, is_master: false, is_snapshot: true });
      }
    },
  );
  const tree = options.folders !== undefined;
  const foldersPerProject = tree
    ? Math.max(2, Math.ceil(options.folders! / projects))
    : Math.max(2, Math.ceil(casesPerProject / 25));
  const folderId = (p: number, f: number) => (p - 1) * foldersPerProject + f;
  /** The parent of folder `f` of project `p`, or null for a folder at the top. */
  const parentOf = (p: number, f: number): number | null => {
    // The tree: folder 1 at the top, folders 2-5 under it, 6-9 under folder 2, and so on.
    if (tree) return f === 1 ? null : folderId(p, Math.floor((f + 2) / 4));
    // Folder 1 is the parent of every tenth folder, and folder 2 is listed before its parent, folder 3.
    return f === 2 ? folderId(p, 3) : f % 10 === 0 ? folderId(p, 1) : null;
  };
  await dataset(
    'repository_folders',
    { id: 'id', project_id: 'id', repo_id: 'id', parent_id: 'id', name: 'string' },
    async (emit) => {
      for (let p = 1; p <= projects; p += 1) {
        for (let n = 1; n <= foldersPerProject; n += 1) {
          const f = tree && p % 2 === 0 ? foldersPerProject + 1 - n : n;
          const parent = parentOf(p, f);
          await emit({
            id: folderId(p, f),
            project_id: p,
            repo_id: p,
            parent_id: parent,
            name: `${pick(OBJECTS)} ${f}`,
            display_order: f,
            created_by: int(1, users),
            created_at: date(f % 300),
          });
        }
      }
      expected.folders = projects * foldersPerProject;
    },
  );
  const caseId = (p: number, c: number) => (p - 1) * casesPerProject + c;
  await dataset(
    'repository_cases',
    { id: 'id', project_id: 'id', repo_id: 'id', folder_id: 'id', name: 'string' },
    async (emit) => {
      for (let p = 1; p <= projects; p += 1) {
        for (let c = 1; c <= casesPerProject; c += 1) {
          await emit({
            id: caseId(p, c),
            project_id: p,
            repo_id: p,
            folder_id: folderId(p, 1 + (c % foldersPerProject)),
            name: `${sentence()} #${c}`,
            key: `C${caseId(p, c)}`,
            template_id: 1 + (c % 2),
            state_id: 1 + (c % 3),
            estimate: int(0, 20) * 60,
            display_order: c,
            created_by: int(1, users),
            created_at: date(c % 600),
          });
        }
      }
      expected.cases = projects * casesPerProject;
    },
  );
  await dataset(
    'repository_case_steps',
    { id: 'id', case_id: 'id', display_order: 'int', text1: 'html', text3: 'html' },
    async (emit) => {
      let id = 1;
      for (let p = 1; p <= projects; p += 1) {
        for (let c = 1; c <= casesPerProject; c += 1) {
          const steps = 1 + (c % 4);
          for (let s = 1; s <= steps; s += 1) {
            await emit({
              id: id++,
              project_id: p,
              repo_id: p,
              case_id: caseId(p, c),
              display_order: s,
              text1: `<p>${sentence()}</p>`,
              text2: s === 1 ? `user=tester${c}@example.test` : null,
              text3: `<p>The ${pick(OBJECTS)} ${pick(OUTCOMES)}</p>`,
            });
          }
          expected.steps += steps;
        }
      }
    },
  );
  await dataset('repository_case_values', { id: 'id', case_id: 'id', field_id: 'id', value_id: 'id' }, async (emit) => {
    let id = 1;
    for (let p = 1; p <= projects; p += 1) {
      for (let c = 1; c <= casesPerProject; c += 1) {
        await emit({ id: id++, project_id: p, repo_id: p, case_id: caseId(p, c), field_id: 1, value_id: 11 + (c % 4) });
        expected.caseFieldValues += 1;
        if (c % 3 === 0) {
          await emit({ id: id++, project_id: p, repo_id: p, case_id: caseId(p, c), field_id: 2, value_id: 21 });
          await emit({
            id: id++,
            project_id: p,
            repo_id: p,
            case_id: caseId(p, c),
            field_id: 2,
            value_id: 22 + (c % 2),
          });
          expected.caseFieldValues += 1;
        }
      }
    }
  });
  await dataset('repository_case_tags', { case_id: 'id', tag_id: 'id' }, async (emit) => {
    for (let p = 1; p <= projects; p += 1) {
      for (let c = 1; c <= casesPerProject; c += 2) {
        await emit({ case_id: caseId(p, c), tag_id: 1 + (c % tags) });
        expected.caseTags += 1;
      }
    }
  });

  // ------------------------------------------------------------ automation (CI results)
  const automationPerProject = Math.max(4, Math.floor(casesPerProject / 20));
  // Each run runs every automation case of its project, so the runs are capped: with both growing
  // with the cases the run tests grew as their square (a "1 GB" export came out at 2.2 GB).
  const automationRunsPerProject = Math.min(10, Math.max(2, Math.floor(casesPerProject / 300)));
  const automationCaseId = (p: number, a: number) => (p - 1) * automationPerProject + a;
  /** Every tenth automation case is the same test as the one before it (another source's copy). */
  const testOf = (a: number) => (a % 10 === 0 ? a - 1 : a);
  const MODULES = ['checkout', 'search', 'accounts', 'billing'];
  const CLASSES = ['ApiTests', 'UiTests', 'SmokeTests'];
  /** A test's dotted folder (its JUnit class), or none for every seventh: filed under Automation itself. */
  const automationFolder = (test: number) =>
    test % 7 === 0 ? null : `tests.${MODULES[test % MODULES.length]}.${CLASSES[test % CLASSES.length]}`;
  await dataset('automation_cases', { id: 'id', project_id: 'id', name: 'string', folder: 'string' }, async (emit) => {
    for (let p = 1; p <= projects; p += 1) {
      const tests = new Set<number>();
      const folders = new Set<string>();
      for (let a = 1; a <= automationPerProject; a += 1) {
        const test = testOf(a);
        const folder = automationFolder(test);
        await emit({
          id: automationCaseId(p, a),
          project_id: p,
          // The same test has the same name and folder: its copies are one JUnit case.
          name: `test_${VERBS[test % VERBS.length]!.toLowerCase()}_${OBJECTS[test % OBJECTS.length]!.replace(/ /g, '_')}_${test}`,
          folder,
          key: `${folder ?? 'root'}#${test}`,
          source: a % 10 === 0 ? 'nightly' : 'ci',
          created_at: date(a % 300),
        });
        tests.add(test);
        const segments = folder?.split('.') ?? [];
        segments.forEach((_, depth) => folders.add(segments.slice(0, depth + 1).join('.')));
      }
      expected.automationCases += tests.size;
      expected.automationFolders += 1 + folders.size;
    }
  });
  await dataset('automation_runs', { id: 'id', project_id: 'id', name: 'string', elapsed: 'int' }, async (emit) => {
    for (let p = 1; p <= projects; p += 1) {
      for (let r = 1; r <= automationRunsPerProject; r += 1) {
        await emit({
          id: (p - 1) * automationRunsPerProject + r,
          project_id: p,
          name: `CI build ${r}`,
          config_id: 1 + (r % 3),
          milestone_id: (p - 1) * milestonesPerProject + 1 + (r % 3),
          created_by: int(1, users),
          created_at: date(r),
          completed_at: r % 5 === 0 ? null : date(r),
          is_completed: r % 5 !== 0,
          elapsed: int(1, 600) * 1_000_000 + int(0, 999_999),
          total_count: automationPerProject,
        });
      }
    }
    expected.automationRuns = projects * automationRunsPerProject;
  });
  // Every run runs every automation case of its project: passed, failed, blocked or skipped.
  const automationStatusOf = (run: number, a: number) => [2, 2, 2, 2, 2, 3, 4, 6][(run + a) % 8]!;
  await dataset(
    'automation_run_tests',
    { id: 'id', run_id: 'id', case_id: 'id', status_id: 'id', elapsed: 'int' },
    async (emit) => {
      let id = 1;
      for (let p = 1; p <= projects; p += 1) {
        for (let r = 1; r <= automationRunsPerProject; r += 1) {
          const run = (p - 1) * automationRunsPerProject + r;
          for (let a = 1; a <= automationPerProject; a += 1) {
            const status = automationStatusOf(run, a);
            const test = testOf(a);
            await emit({
              id: id++,
              project_id: p,
              run_id: run,
              case_id: automationCaseId(p, a),
              status_id: status,
              status: STATUSES[status - 1]!.system_name,
              elapsed: int(1_000, 30_000_000),
              file: `tests/${MODULES[test % MODULES.length]}/test_${test}.py`,
              line: int(1, 400),
              assertions: int(0, 5),
            });
          }
        }
      }
      expected.automationResults = id - 1;
      expected.automationRunCases = expected.automationRuns * (expected.automationCases / projects);
    },
  );
  await dataset(
    'automation_run_fields',
    { id: 'id', run_id: 'id', name: 'string', type: 'int', value: 'string' },
    async (emit) => {
      let id = 1;
      for (let run = 1; run <= expected.automationRuns; run += 1) {
        const p = Math.ceil(run / automationRunsPerProject);
        await emit({ id: id++, project_id: p, run_id: run, name: 'Version', type: 1, value: `2.${run}.0` });
        await emit({ id: id++, project_id: p, run_id: run, name: 'Build', type: 1, value: `#${1000 + run}` });
      }
      expected.automationRunFields = id - 1;
    },
  );
  await dataset('automation_run_links', { id: 'id', run_id: 'id', name: 'string', url: 'string' }, async (emit) => {
    for (let run = 1; run <= expected.automationRuns; run += 1) {
      await emit({
        id: run,
        project_id: Math.ceil(run / automationRunsPerProject),
        run_id: run,
        name: 'CI job',
        note: 'GitHub Actions',
        url: `https://ci.example.test/jobs/${run}`,
      });
    }
    expected.automationRunLinks = expected.automationRuns;
  });
  // Failed tests carry their error; every third test its output, every fourth the browser it ran in.
  await dataset(
    'automation_run_test_fields',
    { id: 'id', run_id: 'id', test_id: 'id', name: 'string', value: 'text' },
    async (emit) => {
      let id = 1;
      let test = 1;
      for (let run = 1; run <= expected.automationRuns; run += 1) {
        const p = Math.ceil(run / automationRunsPerProject);
        for (let a = 1; a <= automationPerProject; a += 1, test += 1) {
          const row = { project_id: p, run_id: run, test_id: test, type: 1 };
          if (automationStatusOf(run, a) === 3) {
            await emit({
              id: id++,
              ...row,
              name: 'Error',
              value: `AssertionError: expected the ${pick(OBJECTS)} ${pick(OUTCOMES)}\n  at test_${testOf(a)} (line ${int(1, 400)})`,
            });
            expected.automationResultsWithErrors += 1;
          }
          if (a % 3 === 0) await emit({ id: id++, ...row, name: 'Output', value: `${sentence()}\nok` });
          if (a % 4 === 0) await emit({ id: id++, ...row, name: 'Browser', value: 'chromium 131' });
          if (a % 3 === 0 || a % 4 === 0) expected.automationResultsWithOutput += 1;
        }
      }
    },
  );
  await dataset('automation_run_tags', { run_id: 'id', tag_id: 'id' }, async (emit) => {
    for (let run = 1; run <= expected.automationRuns; run += 1) await emit({ run_id: run, tag_id: 1 + (run % tags) });
    expected.automationRunTags = expected.automationRuns;
  });

  const sessionsPerProject = Math.max(1, Math.floor(casesPerProject / 100));
  await dataset('sessions', { id: 'id', project_id: 'id', name: 'string' }, async (emit) => {
    for (let p = 1; p <= projects; p += 1) {
      for (let s = 1; s <= sessionsPerProject; s += 1) {
        await emit({
          id: (p - 1) * sessionsPerProject + s,
          project_id: p,
          name: `Explore the ${pick(OBJECTS)}`,
          template_id: 2,
          milestone_id: (p - 1) * milestonesPerProject + 1,
          config_id: 1 + (s % 3),
          assignee_id: int(1, users),
          created_by: int(1, users),
          created_at: date(s),
          is_closed: s % 2 === 0,
          closed_at: s % 2 === 0 ? date(s + 1) : null,
          estimate: 3600,
          elapsed: int(600, 3600),
          note: `<p>${sentence()}</p>`,
          custom_mission: `<p>Find problems with the ${pick(OBJECTS)}</p>`,
        });
      }
    }
    expected.sessions = projects * sessionsPerProject;
  });
  await dataset('session_results', { id: 'id', session_id: 'id', status_id: 'id' }, async (emit) => {
    let id = 1;
    for (let s = 1; s <= expected.sessions; s += 1) {
      for (let r = 0; r < 3; r += 1)
        await emit({
          id: id++,
          session_id: s,
          status_id: 2 + (r % 3),
          created_by: int(1, users),
          created_at: date(s),
          elapsed: int(60, 600),
          comment: `<p>${sentence()}</p>`,
        });
    }
    expected.sessionResults = expected.sessions * 3;
  });
  await dataset('session_tags', { session_id: 'id', tag_id: 'id' }, async (emit) => {
    for (let s = 1; s <= expected.sessions; s += 1) await emit({ session_id: s, tag_id: 1 + (s % tags) });
    expected.sessionTags = expected.sessions;
  });

  const runsPerProject = Math.max(1, Math.floor(casesPerProject / 50));
  const testsPerRun = Math.min(casesPerProject, 20);
  await dataset('runs', { id: 'id', project_id: 'id', name: 'string' }, async (emit) => {
    for (let p = 1; p <= projects; p += 1) {
      for (let r = 1; r <= runsPerProject; r += 1) {
        await emit({
          id: (p - 1) * runsPerProject + r,
          project_id: p,
          name: `Regression ${r}`,
          config_id: 1 + (r % 3),
          milestone_id: (p - 1) * milestonesPerProject + 1 + (r % 3),
          created_by: int(1, users),
          created_at: date(r),
          is_closed: r % 3 === 0,
          closed_at: r % 3 === 0 ? date(r + 2) : null,
          elapsed: int(600, 7200),
          note: `<p>${sentence()}</p>`,
        });
      }
    }
    expected.runs = projects * runsPerProject;
  });
  await dataset('run_tests', { id: 'id', run_id: 'id', case_id: 'id', status_id: 'id' }, async (emit) => {
    let id = 1;
    for (let p = 1; p <= projects; p += 1) {
      for (let r = 1; r <= runsPerProject; r += 1) {
        const offset = (r * 7) % casesPerProject;
        for (let t = 0; t < testsPerRun; t += 1) {
          await emit({
            id: id++,
            run_id: (p - 1) * runsPerProject + r,
            case_id: caseId(p, 1 + ((offset + t) % casesPerProject)),
            status_id: 1 + (t % 4),
            assignee_id: int(1, users),
            elapsed: int(0, 600),
            display_order: t,
          });
        }
      }
    }
    expected.runCases = expected.runs * testsPerRun;
  });
  await dataset('run_results', { id: 'id', run_id: 'id', test_id: 'id', status_id: 'id' }, async (emit) => {
    let id = 1;
    let test = 1;
    for (let run = 1; run <= expected.runs; run += 1) {
      for (let t = 0; t < testsPerRun; t += 1, test += 1) {
        const attempts = t % 5 === 0 ? 2 : 1;
        for (let a = 0; a < attempts; a += 1) {
          await emit({
            id: id++,
            run_id: run,
            test_id: test,
            status_id: 2 + ((t + a) % 3),
            created_by: int(1, users),
            created_at: date(run),
            elapsed: int(10, 900),
            comment: `<p>${pick(OUTCOMES)}</p>`,
            is_deleted: false,
          });
          expected.results += 1;
        }
      }
    }
  });
  await dataset('run_tags', { run_id: 'id', tag_id: 'id' }, async (emit) => {
    for (let run = 1; run <= expected.runs; run += 1) await emit({ run_id: run, tag_id: 1 + (run % tags) });
    expected.runTags = expected.runs;
  });

  const issuesPerProject = Math.max(1, Math.floor(casesPerProject / 10));
  await dataset('issues', { id: 'id', target_id: 'id', display_id: 'string', project_id: 'id' }, async (emit) => {
    for (let p = 1; p <= projects; p += 1) {
      for (let i = 1; i <= issuesPerProject; i += 1) {
        const id = (p - 1) * issuesPerProject + i;
        await emit({ id, target_id: 1 + (i % 2), display_id: i % 2 === 0 ? `APP-${id}` : `#${id}`, project_id: p });
      }
    }
    expected.issues = projects * issuesPerProject;
  });
  const issueOf = (p: number, n: number) => (p - 1) * issuesPerProject + 1 + (n % issuesPerProject);
  await dataset('repository_case_issues', { case_id: 'id', issue_id: 'id' }, async (emit) => {
    for (let p = 1; p <= projects; p += 1) {
      for (let c = 1; c <= casesPerProject; c += 10) {
        await emit({ case_id: caseId(p, c), issue_id: issueOf(p, c) });
        expected.issueLinks += 1;
      }
    }
  });
  await dataset('run_issues', { run_id: 'id', issue_id: 'id' }, async (emit) => {
    for (let run = 1; run <= expected.runs; run += 1) {
      const p = Math.ceil(run / runsPerProject);
      await emit({ run_id: run, issue_id: issueOf(p, run) });
      expected.issueLinks += 1;
    }
  });
  await dataset('run_result_issues', { result_id: 'id', issue_id: 'id' }, async (emit) => {
    for (let result = 1; result <= expected.results; result += 25) {
      await emit({ result_id: result, issue_id: 1 + (result % issuesPerProject) });
      expected.issueLinks += 1;
    }
  });
  await dataset('session_issues', { session_id: 'id', issue_id: 'id' }, async (emit) => {
    for (let s = 1; s <= expected.sessions; s += 1) {
      const p = Math.ceil(s / sessionsPerProject);
      await emit({ session_id: s, issue_id: issueOf(p, s) });
      expected.issueLinks += 1;
    }
  });

  await json.raw('\n}\n');
  await json.flush();
  out.end();
  await once(out, 'finish');
  return { bytes: json.bytes, rows, expected };
}

const UNITS: Record<string, number> = { KB: 1e3, MB: 1e6, GB: 1e9 };

/** Cases for an export of about `bytes`, from a small sample's bytes per case. */
export async function casesForSize(bytes: number, scratchFile: string): Promise<number> {
  const sample = await generateTestmoExport(scratchFile, { cases: 5_000 });
  await unlink(scratchFile);
  return Math.max(10, Math.round((bytes / sample.bytes) * 5_000));
}

export function parseSize(text: string): number | undefined {
  const match = /^(\d+(?:\.\d+)?)\s*(KB|MB|GB)$/i.exec(text.trim());
  return match ? Number(match[1]) * UNITS[match[2]!.toUpperCase()]! : undefined;
}
