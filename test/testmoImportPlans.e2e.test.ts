/**
 * The plan trap of a large Testmo import: the import fills its staging, id-map and target tables
 * far faster than autovacuum analyses them, and a statement planned from the statistics of a
 * nearly empty table loops over every staged row for each mapped one (a 37,240-folder export
 * stalled for more than 8 minutes in the folders' parent UPDATE). Here autovacuum is off on the
 * import's tables, so only the import's own ANALYZEs and the shape of its statements stand
 * between it and that plan; an export of 20,000 folders nested seven levels deep (half listed
 * before their parents) and 20,000 cases is imported by the real worker and bridge.
 *
 * Quadratic work is detected by what it reads, not by how long it takes: the tuples read from the
 * staging table (pg_stat_user_tables) stay within a few times its rows, where the trapped plan
 * reads hundreds of millions; and EXPLAIN of the incident's statement, against the statistics the
 * import leaves, shows no nested loop over the staging table or an id-map scan without its key.
 *
 * While the cases phase is held up by a lock, the job row and the BullMQ job's log show the
 * phase, the step and how long it has been running.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client } from 'pg';
import type { Job, Queue } from 'bullmq';
import { generateTestmoExport, type GeneratedExport } from '../src/testmo/exportGenerator';
import { createTenantDatabase, databaseUrl, dropDatabase, query, seedBasics } from './support/databases';
import { waitFor, type AppProcess } from './support/processes';
import { uniqueSuffix } from './support/services';
import { stackEnv, startStack, stopStack } from './support/stack';
import { jobFinished, testplanitQueue } from './support/testplanit';
import { createImportJob, importJobRow, markImportStarted, seedImportLookups } from './support/testmo';

const suffix = uniqueSuffix();
const tenant = `tp_${suffix}`;
const dbName = `tpw_testmo_plans_${suffix}`;
const url = databaseUrl(dbName);
const scratch = mkdtempSync(join(tmpdir(), 'tpw-testmo-plans-'));
const FOLDERS = 20_000;
const CASES = 20_000;

/** Every table the import reads back while it fills it. */
const IMPORT_TABLES = [
  'TestmoImportStaging',
  'TestmoImportMapping',
  'RepositoryFolders',
  'RepositoryCases',
  'Milestones',
  'CaseFieldValues',
  'Issue',
];

let env: Record<string, string>;
let worker: AppProcess | undefined;
let bridge: AppProcess | undefined;
let imports: Queue;
let generated: GeneratedExport;

interface PlanNode {
  'Node Type': string;
  'Relation Name'?: string;
  'Index Name'?: string;
  'Index Cond'?: string;
  'Join Filter'?: string;
  Plans?: PlanNode[];
}

const nodesOf = (node: PlanNode): PlanNode[] => [node, ...(node.Plans ?? []).flatMap(nodesOf)];

/** Nested loops whose repeated (inner) side scans the staging table, or the id map without its sourceId key. */
function quadraticLoops(plan: PlanNode): string[] {
  return nodesOf(plan)
    .filter((node) => node['Node Type'] === 'Nested Loop')
    .flatMap((loop) =>
      nodesOf(loop.Plans![1]!)
        .filter(
          (scan) =>
            scan['Relation Name'] === 'TestmoImportStaging' ||
            (scan['Relation Name'] === 'TestmoImportMapping' && !/sourceId/.test(scan['Index Cond'] ?? '')),
        )
        .map(
          (scan) => `Nested Loop over ${scan['Node Type']} on ${scan['Relation Name']} (${scan['Index Name'] ?? ''})`,
        ),
    );
}

/** Tuples read from a table by scans of any kind, once the worker's backends have reported them. */
async function tuplesRead(table: string): Promise<number> {
  let last = -1;
  for (let attempt = 0; attempt < 10; attempt += 1) {
    const [row] = await query<{ n: string }>(
      url,
      `SELECT (coalesce(seq_tup_read, 0) + coalesce(idx_tup_fetch, 0))::text AS n FROM pg_stat_user_tables WHERE relname = $1`,
      [table],
    );
    const n = Number(row!.n);
    // Backends report their counts when idle, within seconds: read until two reads agree.
    if (n === last) return n;
    last = n;
    await new Promise((resolve) => setTimeout(resolve, 2_000));
  }
  return last;
}

async function withoutNestedLoops<T>(sql: string, params: unknown[] = []): Promise<T[]> {
  const client = new Client({ connectionString: url });
  await client.connect();
  try {
    await client.query('SET enable_nestloop = off');
    return (await client.query(sql, params)).rows as T[];
  } finally {
    await client.end();
  }
}

beforeAll(async () => {
  await createTenantDatabase(dbName);
  await seedBasics(url);
  await seedImportLookups(url);
  // The trap: nothing but the import analyses its tables.
  for (const table of IMPORT_TABLES) await query(url, `ALTER TABLE "${table}" SET (autovacuum_enabled = false)`);
  generated = await generateTestmoExport(join(scratch, 'export.json'), { cases: CASES, folders: FOLDERS, seed: 19 });
  env = stackEnv({
    name: 'tp',
    suffix,
    tenants: { [tenant]: { databaseUrl: url } },
    extra: {
      BRIDGE_STATUS_POLL_MS: '200',
      BRIDGE_QUEUES: 'testmo-imports',
      WORKER_QUEUES: 'testmo-imports',
      TESTMO_IMPORT_LOCAL_DIR: scratch,
    },
  });
  imports = testplanitQueue('testmo-imports', env.BULLMQ_PREFIX!);
  ({ worker, bridge } = await startStack(env));
}, 120_000);

afterAll(async () => {
  await stopStack(bridge, worker);
  await imports?.obliterate({ force: true });
  await imports?.close();
  rmSync(scratch, { recursive: true, force: true });
  await dropDatabase(dbName);
});

test('20,000 nested folders and 20,000 cases import with linear plans, every folder under its parent, and a long step shows as running', async () => {
  expect(generated.rows.repository_folders).toBe(FOLDERS);
  const jobId = await createImportJob(url, {
    storageKey: 'file:export.json',
    fileName: 'export.json',
    size: generated.bytes,
    createdById: 'user-admin',
  });
  const finished = (job: Job) => jobFinished(imports, job, 240_000, () => worker!.output().slice(-4000));
  const analysed = await finished(
    await imports.add('process-testmo-import', { jobId, mode: 'analyze', tenantId: tenant }),
  );
  expect({ state: await analysed.getState(), reason: analysed.failedReason }).toEqual({
    state: 'completed',
    reason: undefined,
  });
  await markImportStarted(url, jobId, {});

  // Cases cannot be inserted while this transaction holds the table: the cases phase's first
  // chunk waits in one statement, as a chunk of a huge phase would run.
  const blocker = new Client({ connectionString: url });
  await blocker.connect();
  await blocker.query(`BEGIN; LOCK TABLE "RepositoryCases" IN EXCLUSIVE MODE`);
  const job = await imports.add(
    'process-testmo-import',
    { jobId, mode: 'import', tenantId: tenant },
    { removeOnComplete: false, removeOnFail: false },
  );
  const runningStep = /^repositoryCases: importing rows, running (\d+m )?\d+s$/;
  try {
    const running = await waitFor(
      async () => {
        const { statusMessage } = await importJobRow(url, jobId);
        return runningStep.test(statusMessage ?? '') ? statusMessage : undefined;
      },
      150_000,
      () => worker!.output().slice(-3000),
      250,
    );
    expect(running).toBeDefined();
    // The workflow copies the running step to the BullMQ job's log, which the bridge mirrors.
    await waitFor(
      async () => {
        const { logs } = await imports.getJobLogs(job.id!);
        return logs.find((line) => runningStep.test(line));
      },
      40_000,
      () => bridge!.output().slice(-3000),
      250,
    );
  } finally {
    await blocker.query('COMMIT');
    await blocker.end();
  }

  const done = await finished(job);
  expect({ state: await done.getState(), reason: done.failedReason }).toEqual({
    state: 'completed',
    reason: undefined,
  });
  const row = await importJobRow(url, jobId);
  expect(row).toMatchObject({ status: 'COMPLETED', statusMessage: 'Import completed successfully.' });
  expect(row.entityProgress!.repositoryFolders).toEqual({ total: FOLDERS, created: FOLDERS, mapped: 0 });

  // Linear work: every staged row is read a handful of times (the chunk's read, the parent
  // links). The trapped plan reads the staged folders once per folder: 10^8.
  const [staged] = await query<{ n: string }>(url, `SELECT count(*)::text AS n FROM "TestmoImportStaging"`);
  const stagedRows = Number(staged!.n);
  const read = await tuplesRead('TestmoImportStaging');
  console.log(`staging: ${stagedRows} rows, ${read} tuples read (${(read / stagedRows).toFixed(1)} per row)`);
  expect(read).toBeLessThan(stagedRows * 20);

  // The incident's statement, planned from the statistics the import leaves: no loop over staged rows.
  const [explained] = await query<{ 'QUERY PLAN': Array<{ Plan: PlanNode }> }>(
    url,
    `EXPLAIN (FORMAT JSON) UPDATE "RepositoryFolders" f SET "parentId" = p."targetId"::int
       FROM "TestmoImportStaging" s
       JOIN "TestmoImportMapping" c ON c."jobId" = s."jobId" AND c."entityType" = 'folder' AND c."sourceId" = (s."rowData"->>'id')::int
       JOIN "TestmoImportMapping" p ON p."jobId" = s."jobId" AND p."entityType" = 'folder' AND p."sourceId" = (s."rowData"->>'parent_id')::int
      WHERE s."jobId" = '${jobId}' AND s."datasetName" = 'repository_folders' AND (s."rowData"->>'parent_id') ~ '^[0-9]+$'
        AND f.id = c."targetId"::int AND f."parentId" IS NULL`,
  );
  expect(quadraticLoops(explained!['QUERY PLAN'][0]!.Plan)).toEqual([]);

  // Every folder is under the folder Testmo had it under, or its repository's root.
  // Checked after the plans, and with nested loops off: this join of the staged rows must not
  // fall into the trap itself, nor analyse anything before the plans are looked at.
  const [parents] = await withoutNestedLoops<{ folders: string; wrong: string; late: string }>(
    `WITH staged AS (
       SELECT ("rowData"->>'id')::int AS id, ("rowData"->>'parent_id')::int AS parent, ("rowData"->>'repo_id')::int AS repo, "rowIndex"
         FROM "TestmoImportStaging" WHERE "jobId" = $1 AND "datasetName" = 'repository_folders')
     SELECT count(*)::text AS folders,
            count(*) FILTER (WHERE f."parentId" IS DISTINCT FROM coalesce(p."targetId", r."targetId")::int)::text AS wrong,
            count(*) FILTER (WHERE ps."rowIndex" > s."rowIndex")::text AS late
       FROM staged s
       JOIN "TestmoImportMapping" c ON c."jobId" = $1 AND c."entityType" = 'folder' AND c."sourceId" = s.id
       JOIN "RepositoryFolders" f ON f.id = c."targetId"::int
       LEFT JOIN staged ps ON ps.id = s.parent
       LEFT JOIN "TestmoImportMapping" p ON p."jobId" = $1 AND p."entityType" = 'folder' AND p."sourceId" = s.parent
       LEFT JOIN "TestmoImportMapping" r ON r."jobId" = $1 AND r."entityType" = 'repositoryRoot' AND r."sourceId" = s.repo`,
    [jobId],
  );
  expect(Number(parents!.folders)).toBe(FOLDERS);
  expect(Number(parents!.wrong)).toBe(0);
  // Thousands of them were listed before their parent and linked when the phase finished.
  expect(Number(parents!.late)).toBeGreaterThan(FOLDERS / 3);
  const [depth] = await withoutNestedLoops<{ depth: number }>(
    `WITH RECURSIVE tree AS (
       SELECT id, 0 AS depth FROM "RepositoryFolders" WHERE "parentId" IS NULL
       UNION ALL SELECT f.id, t.depth + 1 FROM "RepositoryFolders" f JOIN tree t ON f."parentId" = t.id)
     SELECT max(depth) AS depth FROM tree`,
  );
  expect(depth!.depth).toBeGreaterThanOrEqual(6);
}, 300_000);
