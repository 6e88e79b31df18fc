import { createTenantDatabase, seedBasics, databaseUrl } from './test/support/databases';
import { seedImportLookups, createImportJob, markImportStarted, importJobRow, importedCounts } from './test/support/testmo';
import { generateTestmoExport } from './src/testmo/exportGenerator';
import { analyzeExport } from './src/testmo/analyzer';
import { planImport, importChunk, completeImport } from './src/testmo/importer';
import { ExportStore } from './src/testmo/exportSource';
import { createPrismaClient } from './src/tenancy/prismaPool';
import { mkdirSync, statSync } from 'node:fs';
async function main() {
mkdirSync('/tmp/tmx', { recursive: true });
const gen = await generateTestmoExport('/tmp/tmx/small.json', { cases: Number(process.argv[2] ?? 2000) });
console.log('generated', gen.bytes, gen.rows, gen.expected);
const url = await createTenantDatabase('tpw_smoke');
const { userId } = await seedBasics(url);
await seedImportLookups(url);
const db = createPrismaClient(url, { maxClients: 1, connectionsPerClient: 3, idleTimeoutMs: 10000 });
const jobId = await createImportJob(url, { storageKey: 'file:small.json', fileName: 'small.json', size: statSync('/tmp/tmx/small.json').size, createdById: userId });
const store = new ExportStore({ region: 'us-east-1' }, '/tmp/tmx');
let t = Date.now();
console.log(await analyzeExport(db, store, jobId, { batchSize: 1000, log: console.log }), Date.now() - t, 'ms');
await markImportStarted(url, jobId, {});
t = Date.now();
const plan = await planImport(db, jobId);
console.log(plan.phases.map(p => `${p.entity}:${p.rows}`).join(' '));
for (const phase of plan.phases) {
  for (;;) { const r = await importChunk(db, jobId, phase.entity, 500); if (r.status !== 'imported') break; }
}
await completeImport(db, jobId);
console.log('import ms', Date.now() - t);
const row = await importJobRow(url, jobId);
console.log(row.status, row.processedCount, row.totalCount, JSON.stringify(row.entityProgress));
const counts = await importedCounts(url);
for (const [k, v] of Object.entries(gen.expected)) console.log(k.padEnd(16), 'expected', v, 'got', counts[k], v === counts[k] ? '' : '  <-- MISMATCH');
await db.$disconnect();
}
main().catch((e) => { console.error(e); process.exit(1); });
