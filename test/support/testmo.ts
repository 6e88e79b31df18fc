/**
 * What TestPlanIt's web app does around a Testmo import, for the tests: an S3-compatible server
 * on loopback (s3rver, a real S3 API over HTTP) holding the uploaded export, the `TestmoImportJob`
 * row the upload route creates, and the import route's update before it enqueues `import`.
 */
import { createReadStream, mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CreateBucketCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import S3rver from 's3rver';
import { IMPORT_PHASES } from '../../src/testmo/phases';
import { query } from './databases';

export const TEST_BUCKET = 'testplanit-uploads';

export class TestS3Server {
  private server?: S3rver;
  private directory = mkdtempSync(join(tmpdir(), 'tpw-s3-'));
  endpoint = '';
  readonly credentials = { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' };

  async start(): Promise<void> {
    this.server = new S3rver({ port: 0, address: '127.0.0.1', silent: true, directory: this.directory });
    const { port } = (await this.server.run()) as unknown as { port: number };
    this.endpoint = `http://127.0.0.1:${port}`;
    await this.client().send(new CreateBucketCommand({ Bucket: TEST_BUCKET }));
  }

  client(): S3Client {
    // Without a checksum the SDK sends a plain body; s3rver does not decode aws-chunked uploads.
    return new S3Client({
      region: 'us-east-1',
      endpoint: this.endpoint,
      forcePathStyle: true,
      credentials: this.credentials,
      requestChecksumCalculation: 'WHEN_REQUIRED',
    });
  }

  /** Uploads as the browser does with its presigned URL; returns the storage key. */
  async upload(file: string, name: string): Promise<string> {
    const key = `uploads/imports/testmo/${Math.random().toString(36).slice(2)}-${name}`;
    const client = this.client();
    await client.send(
      new PutObjectCommand({
        Bucket: TEST_BUCKET,
        Key: key,
        Body: createReadStream(file),
        ContentLength: statSync(file).size,
      }),
    );
    client.destroy();
    return key;
  }

  /** The worker's AWS_* settings for this server. */
  env(): Record<string, string> {
    return {
      AWS_ENDPOINT_URL: this.endpoint,
      AWS_BUCKET_NAME: TEST_BUCKET,
      AWS_REGION: 'us-east-1',
      AWS_ACCESS_KEY_ID: this.credentials.accessKeyId,
      AWS_SECRET_ACCESS_KEY: this.credentials.secretAccessKey,
    };
  }

  async stop(): Promise<void> {
    await this.server?.close();
    rmSync(this.directory, { recursive: true, force: true });
  }
}

/** Rows every TestPlanIt database has and an import relies on: run and session workflow states. */
export async function seedImportLookups(url: string): Promise<void> {
  await query(
    url,
    `INSERT INTO "Workflows" (name, "iconId", "colorId", "isDefault", "workflowType", scope)
     SELECT name, 1, 1, true, 'NOT_STARTED', scope::"WorkflowScope" FROM (VALUES ('Run: new', 'RUNS'), ('Session: new', 'SESSIONS')) v(name, scope)
     WHERE NOT EXISTS (SELECT 1 FROM "Workflows" w WHERE w.scope = v.scope::"WorkflowScope")`,
  );
  await query(url, `INSERT INTO "Roles" (id, name, "isDefault") VALUES (1, 'user', true) ON CONFLICT DO NOTHING`);
}

/** The row `POST /api/imports/testmo/jobs` creates after the upload. */
export async function createImportJob(
  url: string,
  job: { storageKey: string; fileName: string; size: number; createdById: string },
): Promise<string> {
  const id = `tmi${Math.random().toString(36).slice(2, 12)}`;
  await query(
    url,
    `INSERT INTO "TestmoImportJob" (id, "updatedAt", "createdById", status, phase, "storageKey", "originalFileName", "originalFileSize")
     VALUES ($1, now(), $2, 'QUEUED', 'UPLOADING', $3, $4, $5)`,
    [id, job.createdById, job.storageKey, job.fileName, job.size],
  );
  return id;
}

/** What the import route does before it enqueues mode `import`: configuration saved, RUNNING/IMPORTING, counters reset. */
export async function markImportStarted(
  url: string,
  jobId: string,
  configuration: Record<string, unknown> = {},
): Promise<void> {
  await query(
    url,
    `UPDATE "TestmoImportJob" SET configuration = $2::jsonb, status = 'RUNNING', phase = 'IMPORTING', "statusMessage" = 'Import queued',
       "processedCount" = 0, "errorCount" = 0, "skippedCount" = 0, "totalCount" = 0, "currentEntity" = NULL, "updatedAt" = now()
     WHERE id = $1`,
    [jobId, JSON.stringify(configuration)],
  );
}

export interface ImportJobRow {
  status: string;
  phase: string | null;
  statusMessage: string | null;
  error: string | null;
  processedCount: number;
  totalCount: number;
  currentEntity: string | null;
  entityProgress: Record<string, { total: number; created: number; mapped: number }> | null;
  activityLog: Array<Record<string, unknown>> | null;
  totalDatasets: number | null;
  totalRows: string | null;
}

export async function importJobRow(url: string, jobId: string): Promise<ImportJobRow> {
  const [row] = await query<ImportJobRow & Record<string, unknown>>(
    url,
    `SELECT status::text, phase::text, "statusMessage", error, "processedCount", "totalCount", "currentEntity", "entityProgress", "activityLog", "totalDatasets", "totalRows"::text AS "totalRows"
       FROM "TestmoImportJob" WHERE id = $1`,
    [jobId],
  );
  if (!row) throw new Error(`no TestmoImportJob ${jobId}`);
  return row;
}

/**
 * Staged rows each phase's checkpoint covers (`done`: at or before the last row index it imported)
 * and those it does not yet (`open`), summed over the phases: `done` is what the job row's
 * `processedCount` must say, since both are written by the same chunk transactions.
 */
export async function stagedRowsByCheckpoint(url: string, jobId: string): Promise<{ done: number; open: number }> {
  const [counts] = await query<{ done: string; open: string }>(
    url,
    `SELECT count(*) FILTER (WHERE s."rowIndex" <= coalesce(m."targetId"::int, -1))::text AS done,
            count(*) FILTER (WHERE s."rowIndex" > coalesce(m."targetId"::int, -1))::text AS open
       FROM unnest($2::text[], $3::text[]) AS p(entity, dataset)
       JOIN "TestmoImportStaging" s ON s."jobId" = $1 AND s."datasetName" = p.dataset
       LEFT JOIN "TestmoImportMapping" m
         ON m."jobId" = $1 AND m."entityType" = 'checkpoint:' || p.entity AND m."sourceId" = 0`,
    [jobId, IMPORT_PHASES.map((phase) => phase.entity), IMPORT_PHASES.map((phase) => phase.dataset)],
  );
  return { done: Number(counts!.done), open: Number(counts!.open) };
}

/**
 * The folders of each repository's Automation tree (the Automation folder under the root and
 * everything below it), where the import files automation cases.
 */
const AUTOMATION_TREE = `WITH RECURSIVE tree AS (
    SELECT a.id FROM "RepositoryFolders" a JOIN "RepositoryFolders" r ON r.id = a."parentId"
     WHERE a.name = 'Automation' AND r."parentId" IS NULL
    UNION ALL
    SELECT f.id FROM "RepositoryFolders" f JOIN tree ON f."parentId" = tree.id)
  SELECT id FROM tree`;

/** Row counts of the tables an import writes, for one database. */
export async function importedCounts(url: string): Promise<Record<string, number>> {
  const tables = {
    projects: `SELECT count(*) FROM "Projects" WHERE name LIKE 'Testmo Project%'`,
    milestones: `SELECT count(*) FROM "Milestones"`,
    repositories: `SELECT count(*) FROM "Repositories" r JOIN "Projects" p ON p.id = r."projectId" WHERE p.name LIKE 'Testmo Project%'`,
    folders: `SELECT count(*) FROM "RepositoryFolders" f JOIN "Projects" p ON p.id = f."projectId" WHERE p.name LIKE 'Testmo Project%' AND f.name <> 'Root' AND f.id NOT IN (${AUTOMATION_TREE})`,
    cases: `SELECT count(*) FROM "RepositoryCases" WHERE source = 'MANUAL'`,
    steps: `SELECT count(*) FROM "Steps"`,
    caseFieldValues: `SELECT count(*) FROM "CaseFieldValues"`,
    caseTags: `SELECT count(*) FROM "_RepositoryCasesToTags"`,
    runs: `SELECT count(*) FROM "TestRuns" WHERE "testRunType" = 'REGULAR'`,
    runCases: `SELECT count(*) FROM "TestRunCases" c JOIN "TestRuns" r ON r.id = c."testRunId" WHERE r."testRunType" = 'REGULAR'`,
    results: `SELECT count(*) FROM "TestRunResults"`,
    runTags: `SELECT count(*) FROM "_TagsToTestRuns" t JOIN "TestRuns" r ON r.id = t."B" WHERE r."testRunType" = 'REGULAR'`,
    sessions: `SELECT count(*) FROM "Sessions"`,
    sessionResults: `SELECT count(*) FROM "SessionResults"`,
    sessionTags: `SELECT count(*) FROM "_SessionsToTags"`,
    issues: `SELECT count(*) FROM "Issue"`,
    issueLinks: `SELECT (SELECT count(*) FROM "_IssueToRepositoryCases") + (SELECT count(*) FROM "_IssueToTestRuns") + (SELECT count(*) FROM "_IssueToTestRunResults") + (SELECT count(*) FROM "_IssueToSessions")`,
    automationCases: `SELECT count(*) FROM "RepositoryCases" WHERE source = 'JUNIT' AND automated`,
    automationFolders: `SELECT count(*) FROM (${AUTOMATION_TREE}) t`,
    automationRuns: `SELECT count(*) FROM "TestRuns" r JOIN "JUnitTestSuite" s ON s."testRunId" = r.id WHERE r."testRunType" = 'JUNIT'`,
    automationResults: `SELECT count(*) FROM "JUnitTestResult"`,
    automationRunCases: `SELECT count(*) FROM "TestRunCases" c JOIN "TestRuns" r ON r.id = c."testRunId" WHERE r."testRunType" = 'JUNIT'`,
    automationRunFields: `SELECT count(*) FROM "TestRuns" r, jsonb_object_keys(r.note) WHERE r."testRunType" = 'JUNIT' AND jsonb_typeof(r.note) = 'object'`,
    automationRunLinks: `SELECT count(*) FROM "Attachments" a JOIN "TestRuns" r ON r.id = a."testRunsId" WHERE r."testRunType" = 'JUNIT'`,
    automationRunTags: `SELECT count(*) FROM "_TagsToTestRuns" t JOIN "TestRuns" r ON r.id = t."B" WHERE r."testRunType" = 'JUNIT'`,
    automationResultsWithOutput: `SELECT count(*) FROM "JUnitTestResult" WHERE "systemOut" IS NOT NULL`,
    automationResultsWithErrors: `SELECT count(*) FROM "JUnitTestResult" WHERE "systemErr" IS NOT NULL`,
    users: `SELECT count(*) FROM "User" WHERE email LIKE '%@testmo.example'`,
    statuses: `SELECT count(*) FROM "Status"`,
    tags: `SELECT count(*) FROM "Tags"`,
  };
  const counts: Record<string, number> = {};
  for (const [name, sql] of Object.entries(tables)) {
    const [row] = await query<{ count: string }>(url, `SELECT (${sql})::text AS count`);
    counts[name] = Number(row!.count);
  }
  return counts;
}
