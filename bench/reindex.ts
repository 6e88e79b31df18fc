/**
 * `npm run bench:reindex`: a tenant with BENCH_CASES (default 100,000) repository cases, each with
 * rich-text steps (every tenth expanding a shared step group), two tags and six custom fields.
 * In one run, documents per second for the repository-cases index built by
 *   (a) this project's reindex workflow, through BullMQ, the bridge and the worker (a full
 *       rebuild into a new index and the alias swap), with the worker's peak RSS;
 *   (b) TestPlanIt's approach: pages of 100 cases by offset, each case's document built by its
 *       own queries, one bulk request per page with refresh=true (BENCH_TESTPLANIT_SAMPLE cases,
 *       default 5,000, extrapolated);
 *   (c) the ceiling: the bulk helper sending the same documents, prebuilt in memory, nothing else.
 */
import * as fs from 'node:fs';
import { Client as Elasticsearch } from '@elastic/elasticsearch';
import { DOCUMENT_SOURCES } from '../src/search/documents';
import { indexMappings, indexSettings } from '../src/search/mappings';
import { createLogger } from '../src/logging';
import { TenantPrismaPool } from '../src/tenancy/prismaPool';
import { createTenantDatabase, databaseUrl, dropDatabase, query, seedBasics } from '../test/support/databases';
import { startApp, stopApp, waitFor } from '../test/support/processes';
import { seedSearchData } from '../test/support/searchData';
import { services, uniqueSuffix } from '../test/support/services';
import { testplanitQueue } from '../test/support/testplanit';

const CASES = Number(process.env.BENCH_CASES ?? 100_000);
const SAMPLE = Number(process.env.BENCH_TESTPLANIT_SAMPLE ?? 5_000);
const suffix = uniqueSuffix();
const tenant = `bench_rx_${suffix}`;
const db = `tpw_bench_rx_${suffix}`;
const url = databaseUrl(db);
const alias = `testplanit-${tenant}-repository-cases`;
const es = new Elasticsearch({ node: services.elasticsearchNode, requestTimeout: 120_000 });

/** Peak resident set of a process, from the kernel's high-water mark. */
function peakRssMb(pid: number): number {
  const line = fs
    .readFileSync(`/proc/${pid}/status`, 'utf8')
    .split('\n')
    .find((l) => l.startsWith('VmHWM:'));
  return Number(line!.replace(/\D+/g, '')) / 1024;
}

async function workflowRun(): Promise<{ seconds: number; documents: number; rssMb: number; startupRssMb: number }> {
  const env = {
    MULTI_TENANT_MODE: 'true',
    TENANT_CONFIGS: JSON.stringify({ [tenant]: { databaseUrl: url, elasticsearchNode: services.elasticsearchNode } }),
    VALKEY_URL: services.redisUrl,
    TEMPORAL_ADDRESS: services.temporalAddress,
    BULLMQ_PREFIX: `benchrx${suffix}`,
    TEMPORAL_TASK_QUEUE_PREFIX: `benchrx-${suffix}`,
    SCHEDULES_SYNC_ON_START: 'false',
  };
  const [worker, bridge] = await Promise.all([startApp('worker', env), startApp('bridge', env)]);
  const queue = testplanitQueue('elasticsearch-reindex', env.BULLMQ_PREFIX);
  // The worker bundles the workflow code when it starts; that peak is not the reindex's.
  const startupRssMb = peakRssMb(worker.child.pid!);
  try {
    const started = Date.now();
    const job = await queue.add('reindex', { entityType: 'repositoryCases', userId: 'user-admin', tenantId: tenant });
    const state = await waitFor(
      async () => {
        const current = await queue.getJobState(job.id!);
        return current === 'completed' || current === 'failed' ? current : undefined;
      },
      3_600_000,
      () => worker.output().slice(-2000),
      100,
    );
    const seconds = (Date.now() - started) / 1000;
    const done = (await queue.getJob(job.id!))!;
    if (state !== 'completed') throw new Error(`reindex failed: ${done.failedReason}`);
    return {
      seconds,
      documents: done.returnvalue.results.repositoryCases as number,
      rssMb: peakRssMb(worker.child.pid!),
      startupRssMb,
    };
  } finally {
    await stopApp(bridge);
    await stopApp(worker);
    await queue.obliterate({ force: true });
    await queue.close();
  }
}

async function testplanitApproach(pool: TenantPrismaPool): Promise<number> {
  const index = `${alias}-tpi`;
  await es.indices.create({ index, settings: indexSettings(0), mappings: indexMappings('repositoryCases') });
  const source = DOCUMENT_SOURCES.repositoryCases;
  const started = Date.now();
  await pool.use({ key: tenant, tenantId: tenant, databaseUrl: url }, async (client) => {
    for (let offset = 0; offset < SAMPLE; offset += 100) {
      const page = await client.repositoryCases.findMany({
        where: { isArchived: false },
        skip: offset,
        take: 100,
        orderBy: { id: 'asc' },
        select: { id: true },
      });
      const documents = [];
      for (const { id } of page) documents.push(...(await source.build(client, [id])));
      await es.bulk({
        refresh: true,
        operations: documents.flatMap((document) => [{ index: { _index: index, _id: String(document.id) } }, document]),
      });
    }
  });
  const seconds = (Date.now() - started) / 1000;
  await es.indices.delete({ index });
  return SAMPLE / seconds;
}

async function ceiling(): Promise<{ perSecond: number; documents: number }> {
  const documents: Array<Record<string, unknown>> = [];
  let after: number | undefined;
  for (;;) {
    const page = await es.search<Record<string, unknown>>({
      index: alias,
      size: 5_000,
      sort: [{ id: 'asc' }],
      ...(after !== undefined ? { search_after: [after] } : {}),
    });
    if (page.hits.hits.length === 0) break;
    for (const hit of page.hits.hits) documents.push(hit._source!);
    after = Number(page.hits.hits.at(-1)!._id);
  }
  const index = `${alias}-ceiling`;
  await es.indices.create({
    index,
    settings: { ...indexSettings(0), refresh_interval: '-1' },
    mappings: indexMappings('repositoryCases'),
  });
  const started = Date.now();
  const stats = await es.helpers.bulk({
    datasource: documents,
    flushBytes: 5_000_000,
    concurrency: 2,
    onDocument: (document) => ({ index: { _index: index, _id: String(document.id) } }),
  });
  await es.indices.refresh({ index });
  const seconds = (Date.now() - started) / 1000;
  await es.indices.delete({ index });
  if (stats.failed > 0) throw new Error(`ceiling: ${stats.failed} documents failed`);
  return { perSecond: documents.length / seconds, documents: documents.length };
}

async function main(): Promise<void> {
  const projects = 2;
  const seedStart = Date.now();
  await seedBasics(await createTenantDatabase(db), projects);
  await seedSearchData(url, { casesPerProject: Math.ceil(CASES / projects) });
  const [{ cases, steps }] = (await query<{ cases: string; steps: string }>(
    url,
    `SELECT (SELECT count(*) FROM "RepositoryCases") AS cases, (SELECT count(*) FROM "Steps") AS steps`,
  )) as [{ cases: string; steps: string }];
  console.log(
    `seeded ${cases} cases, ${steps} steps, tags and custom fields in ${((Date.now() - seedStart) / 1000).toFixed(1)} s`,
  );
  const logger = createLogger('bench', 'warn');
  const pool = new TenantPrismaPool({ maxClients: 2, connectionsPerClient: 5, idleTimeoutMs: 60_000 }, logger);
  try {
    const workflow = await workflowRun();
    const tpi = await testplanitApproach(pool);
    const top = await ceiling();
    const rows: Array<[string, number]> = [
      ['(a) reindex workflow (bridge + Temporal, rebuild + swap)', workflow.documents / workflow.seconds],
      [`(b) TestPlanIt's approach (${SAMPLE} cases, extrapolated)`, tpi],
      ['(c) ceiling: bulk helper, prebuilt documents', top.perSecond],
    ];
    console.log(`\n${workflow.documents} repository-case documents, ${new Date().toISOString()}`);
    console.log('approach                                                 docs/s   x ceiling');
    for (const [label, perSecond] of rows)
      console.log(
        `${label.padEnd(56)} ${perSecond.toFixed(0).padStart(7)} ${(perSecond / top.perSecond).toFixed(2).padStart(10)}`,
      );
    console.log(
      `\nworkflow ${workflow.seconds.toFixed(1)} s for ${workflow.documents} documents; x${(workflow.documents / workflow.seconds / tpi).toFixed(1)} TestPlanIt's approach`,
    );
    console.log(
      `worker peak RSS: ${workflow.startupRssMb.toFixed(0)} MB after start (workflow bundling), ${workflow.rssMb.toFixed(0)} MB after the reindex`,
    );
  } finally {
    await pool.close();
    const leftovers = await es.cat.indices(
      { index: `testplanit-${tenant}-*`, format: 'json', h: 'index' },
      { ignore: [404] },
    );
    const names = (Array.isArray(leftovers) ? leftovers : []).map((row) => row.index!);
    if (names.length > 0) await es.indices.delete({ index: names });
    await es.close();
    await dropDatabase(db);
  }
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
