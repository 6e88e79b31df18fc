/**
 * `npm run demo`: two demo tenants with their own databases, the bridge and workers in one
 * process, and audit events enqueued exactly as TestPlanIt's web app enqueues them. Prints what
 * landed in each tenant's database, then keeps running until Ctrl-C (`--once` stops right away).
 */
import { spawn } from 'node:child_process';
import { mkdirSync, statSync } from 'node:fs';
import { resolve } from 'node:path';
import { Queue, type Job } from 'bullmq';
import { QUEUE_SETTINGS } from '../src/jobs/queues';
import {
  applyMigrations,
  createTenantDatabase,
  databaseUrl,
  query,
  seedBasics,
  withAdmin,
} from '../test/support/databases';
import { startApp, stopApp, waitFor } from '../test/support/processes';
import { services } from '../test/support/services';
import {
  createImportJob,
  importedCounts,
  importJobRow,
  markImportStarted,
  seedImportLookups,
} from '../test/support/testmo';
import { auditEventData } from '../test/support/testplanit';
import { generateTestmoExport } from '../src/testmo/exportGenerator';

const TENANTS = { acme: 'tpw_demo_acme', globex: 'tpw_demo_globex' } as const;
const once = process.argv.includes('--once');
const IMPORT_DIR = resolve(__dirname, '../.demo');

async function ensureDatabase(name: string): Promise<string> {
  const exists = await withAdmin(
    async (admin) => (await admin.query('SELECT 1 FROM pg_database WHERE datname = $1', [name])).rowCount,
  );
  if (exists) {
    // An older demo database gets the tables added since it was made.
    await applyMigrations(databaseUrl(name));
    await seedImportLookups(databaseUrl(name));
    return databaseUrl(name);
  }
  const url = await createTenantDatabase(name);
  await seedBasics(url);
  await seedImportLookups(url);
  return url;
}

async function main(): Promise<void> {
  const tenantConfigs: Record<string, { databaseUrl: string; elasticsearchNode: string; baseUrl: string }> = {};
  for (const [tenantId, db] of Object.entries(TENANTS)) {
    tenantConfigs[tenantId] = {
      databaseUrl: await ensureDatabase(db),
      elasticsearchNode: services.elasticsearchNode,
      baseUrl: `https://${tenantId}.testplanit.example`,
    };
  }
  const env = {
    MULTI_TENANT_MODE: 'true',
    TENANT_CONFIGS: JSON.stringify(tenantConfigs),
    VALKEY_URL: services.redisUrl,
    TEMPORAL_ADDRESS: services.temporalAddress,
    TESTMO_IMPORT_LOCAL_DIR: IMPORT_DIR,
  };
  console.log(`Demo tenants: ${Object.keys(TENANTS).join(', ')} (databases ${Object.values(TENANTS).join(', ')})`);
  const app = await startApp('all', env);
  process.stdout.write(app.output());

  const queue = new Queue('audit-logs', {
    connection: { url: services.redisUrl, maxRetriesPerRequest: null },
    defaultJobOptions: QUEUE_SETTINGS['audit-logs'].defaultJobOptions,
  });
  const jobs: Job[] = [];
  for (const tenantId of Object.keys(TENANTS)) {
    const data = auditEventData({ tenantId, entityId: `demo-${Date.now()}`, projectId: 1 });
    jobs.push(
      await queue.add('audit-event', data, { jobId: `CREATE-RepositoryCases-${data.event.entityId}-${tenantId}` }),
    );
  }
  console.log(`\nEnqueued ${jobs.length} audit-event jobs on bull:audit-logs, as the web app does.`);
  await waitFor(
    async () =>
      (await Promise.all(jobs.map((job) => job.getState()))).every((s) => s === 'completed') ? true : undefined,
    60_000,
    () => app.output(),
  );
  for (const job of jobs) {
    console.log(`  job ${job.id}: ${await job.getState()}`);
  }
  for (const [tenantId, db] of Object.entries(TENANTS)) {
    const [row] = await query<{ n: string }>(databaseUrl(db), 'SELECT count(*) AS n FROM "AuditLog"');
    console.log(`  tenant ${tenantId}: ${row!.n} AuditLog rows in ${db}`);
  }
  await queue.close();

  // A Testmo import into acme: analyse, then import with the default mapping, as the import page does.
  mkdirSync(IMPORT_DIR, { recursive: true });
  const exportFile = `testmo-demo-${Date.now()}.json`;
  const generated = await generateTestmoExport(resolve(IMPORT_DIR, exportFile), {
    cases: 1_000,
    seed: Date.now() % 100_000,
  });
  const acmeUrl = databaseUrl(TENANTS.acme);
  const importId = await createImportJob(acmeUrl, {
    storageKey: `file:${exportFile}`,
    fileName: exportFile,
    size: statSync(resolve(IMPORT_DIR, exportFile)).size,
    createdById: 'user-admin',
  });
  const importQueue = new Queue('testmo-imports', {
    connection: { url: services.redisUrl, maxRetriesPerRequest: null },
  });
  for (const mode of ['analyze', 'import'] as const) {
    if (mode === 'import') await markImportStarted(acmeUrl, importId, {});
    const job = await importQueue.add('process-testmo-import', { jobId: importId, mode, tenantId: 'acme' });
    await waitFor(
      async () => (['completed', 'failed'].includes(await job.getState()) ? true : undefined),
      180_000,
      () => app.output(),
    );
    const row = await importJobRow(acmeUrl, importId);
    console.log(
      `\nTestmo ${mode} of ${exportFile} (${generated.bytes} bytes) for acme: ${row.status} — ${row.statusMessage}`,
    );
  }
  const counts = await importedCounts(acmeUrl);
  console.log(
    `  imported into acme: ${counts.projects} project(s), ${counts.cases} cases, ${counts.steps} steps, ${counts.runs} runs, ${counts.results} results, ${counts.issues} issues`,
  );
  await importQueue.close();

  // A search reindex per tenant, as the admin page's Reindex button enqueues it.
  const reindexQueue = new Queue('elasticsearch-reindex', {
    connection: { url: services.redisUrl, maxRetriesPerRequest: null },
    defaultJobOptions: QUEUE_SETTINGS['elasticsearch-reindex'].defaultJobOptions,
  });
  const reindexJobs = await Promise.all(
    Object.keys(TENANTS).map((tenantId) =>
      reindexQueue.add('reindex', { entityType: 'all', userId: 'user-admin', tenantId }),
    ),
  );
  console.log(`\nEnqueued ${reindexJobs.length} reindex jobs on bull:elasticsearch-reindex.`);
  await waitFor(
    async () =>
      (await Promise.all(reindexJobs.map((job) => job.getState()))).every((s) => s === 'completed' || s === 'failed')
        ? true
        : undefined,
    120_000,
    () => app.output(),
  );
  for (const job of reindexJobs) {
    const done = (await reindexQueue.getJob(job.id!))!;
    console.log(
      `  tenant ${done.data.tenantId}: ${await done.getState()} ${JSON.stringify(done.returnvalue ?? done.failedReason)}`,
    );
  }
  await reindexQueue.close();
  console.log('\nTemporal Web UI: http://127.0.0.1:8233 (filter: TenantId = "acme")');

  if (once) {
    await stopApp(app);
    return;
  }
  console.log('Bridge and workers keep running; Ctrl-C stops them.');
  spawn('tail', ['-n', '0', '-f', app.logFile], { stdio: ['ignore', 'inherit', 'inherit'] }).unref();
  const stop = () => void stopApp(app).then(() => process.exit(0));
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
  await app.exited;
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
