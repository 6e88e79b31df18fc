/**
 * `npm run bench:forecast`: a tenant with BENCH_CASES (default 100,000) seeded cases, forecasts
 * computed in one run by
 *   (a) the chunked update-all-cases-forecast workflow, through BullMQ, bridge and worker,
 *   (b) one single-pass SQL statement over all cases (the same computation, no chunks: one
 *       transaction, nothing resumable),
 *   (c) TestPlanIt's shape: per case, read its group's results and write its forecast
 *       (BENCH_PER_CASE_SAMPLE cases, default 2,000, extrapolated),
 * and checked against an in-memory reference computation.
 */
import { Client } from 'pg';
import { refreshRunCasesSql, RUN_FORECASTS, WRITE_TARGET_FORECASTS } from '../src/activities/forecasts';
import { createTenantDatabase, databaseUrl, dropDatabase, query, seedBasics } from '../test/support/databases';
import { actualForecasts, referenceForecasts, seedForecastData } from '../test/support/forecastData';
import { startApp, stopApp, waitFor } from '../test/support/processes';
import { services, uniqueSuffix } from '../test/support/services';
import { testplanitQueue } from '../test/support/testplanit';

const CASES = Number(process.env.BENCH_CASES ?? 100_000);
const SAMPLE = Number(process.env.BENCH_PER_CASE_SAMPLE ?? 2_000);
const suffix = uniqueSuffix();
const tenant = `bench_fc_${suffix}`;
const db = `tpw_bench_fc_${suffix}`;
const url = databaseUrl(db);

async function reset(): Promise<void> {
  await query(url, `UPDATE "RepositoryCases" SET "forecastManual" = NULL, "forecastAutomated" = NULL`);
}

async function verify(label: string): Promise<void> {
  const [expected, actual] = await Promise.all([referenceForecasts(url), actualForecasts(url)]);
  const wrong = [...expected.cases].filter(
    ([id, want]) => JSON.stringify(actual.cases.get(id)) !== JSON.stringify(want),
  ).length;
  if (wrong > 0) throw new Error(`${label}: ${wrong} cases differ from the reference`);
}

async function chunkedWorkflow(): Promise<number> {
  const env = {
    MULTI_TENANT_MODE: 'true',
    TENANT_CONFIGS: JSON.stringify({ [tenant]: { databaseUrl: url } }),
    VALKEY_URL: services.redisUrl,
    TEMPORAL_ADDRESS: services.temporalAddress,
    BULLMQ_PREFIX: `benchfc${suffix}`,
    TEMPORAL_TASK_QUEUE_PREFIX: `benchfc-${suffix}`,
    SCHEDULES_SYNC_ON_START: 'false',
  };
  const [worker, bridge] = await Promise.all([startApp('worker', env), startApp('bridge', env)]);
  const queue = testplanitQueue('forecast-updates', env.BULLMQ_PREFIX);
  try {
    const started = Date.now();
    const job = await queue.add('update-all-cases-forecast', { tenantId: tenant });
    await waitFor(
      async () => ((await queue.getJobState(job.id!)) === 'completed' ? true : undefined),
      900_000,
      () => worker.output().slice(-2000),
      50,
    );
    return (Date.now() - started) / 1000;
  } finally {
    await stopApp(bridge);
    await stopApp(worker);
    await queue.obliterate({ force: true });
    await queue.close();
  }
}

// The workflow's statements, each over everything at once: every active case, then the archived
// cases of open runs (the workflow refreshes them before it sums a run), then every open run.
const OPEN_RUNS = `SELECT id FROM "TestRuns" WHERE NOT "isCompleted" AND NOT "isDeleted"`;
const SINGLE_PASS = [
  `WITH targets AS (SELECT id FROM "RepositoryCases" WHERE NOT "isDeleted" AND NOT "isArchived"), ${WRITE_TARGET_FORECASTS}`,
  refreshRunCasesSql({ runs: `trc."testRunId" IN (${OPEN_RUNS})`, onlyArchived: true }),
  `WITH runs AS (${OPEN_RUNS}), ${RUN_FORECASTS}`,
];

async function singlePass(): Promise<number> {
  const client = new Client({ connectionString: url });
  await client.connect();
  try {
    const started = Date.now();
    await client.query('BEGIN');
    for (const statement of SINGLE_PASS) await client.query(statement);
    await client.query('COMMIT');
    return (Date.now() - started) / 1000;
  } finally {
    await client.end();
  }
}

/** One case at a time, three queries and one update each, as TestPlanIt's service does it. */
async function perCase(): Promise<number> {
  const client = new Client({ connectionString: url });
  await client.connect();
  try {
    const ids = (
      await client.query<{ id: number }>(
        `SELECT id FROM "RepositoryCases" WHERE NOT "isDeleted" AND NOT "isArchived" ORDER BY id LIMIT $1`,
        [SAMPLE],
      )
    ).rows;
    const started = Date.now();
    for (const { id } of ids) {
      const members = (
        await client.query<{ id: number; source: string }>(
          `SELECT m.id, m.source FROM "RepositoryCases" m WHERE NOT m."isDeleted" AND m.id IN (
           SELECT $1::int UNION SELECT "caseBId" FROM "RepositoryCaseLink" WHERE "caseAId" = $1 AND type = 'SAME_TEST_DIFFERENT_SOURCE' AND NOT "isDeleted"
           UNION SELECT "caseAId" FROM "RepositoryCaseLink" WHERE "caseBId" = $1 AND type = 'SAME_TEST_DIFFERENT_SOURCE' AND NOT "isDeleted")`,
          [id],
        )
      ).rows;
      const manualIds = members.filter((m) => m.source === 'MANUAL').map((m) => m.id);
      const autoIds = members.filter((m) => m.source !== 'MANUAL').map((m) => m.id);
      const elapsed = (
        await client.query<{ elapsed: number }>(
          `SELECT r.elapsed FROM "TestRunResults" r JOIN "TestRunCases" trc ON trc.id = r."testRunCaseId" WHERE trc."repositoryCaseId" = ANY($1) AND NOT r."isDeleted" AND r.elapsed > 0`,
          [manualIds],
        )
      ).rows.map((r) => r.elapsed);
      const times = (
        await client.query<{ time: number }>(
          `SELECT time FROM "JUnitTestResult" WHERE "repositoryCaseId" = ANY($1) AND time > 0`,
          [autoIds],
        )
      ).rows.map((r) => r.time);
      const mean = (v: number[]) => v.reduce((a, b) => a + b, 0) / v.length;
      await client.query(`UPDATE "RepositoryCases" SET "forecastManual" = $2, "forecastAutomated" = $3 WHERE id = $1`, [
        id,
        elapsed.length ? Math.round(mean(elapsed)) : null,
        times.length ? Number(mean(times).toFixed(3)) : null,
      ]);
    }
    return ((Date.now() - started) / 1000) * ((await activeCases()) / ids.length);
  } finally {
    await client.end();
  }
}

async function activeCases(): Promise<number> {
  const [row] = await query<{ n: string }>(
    url,
    `SELECT count(*) AS n FROM "RepositoryCases" WHERE NOT "isDeleted" AND NOT "isArchived"`,
  );
  return Number(row!.n);
}

async function main(): Promise<void> {
  await seedBasics(await createTenantDatabase(db));
  const seedStart = Date.now();
  await seedForecastData(url, CASES);
  const active = await activeCases();
  console.log(`seeded ${CASES} cases (${active} active) in ${((Date.now() - seedStart) / 1000).toFixed(1)} s`);
  try {
    const rows: Array<[string, number]> = [];
    await reset();
    rows.push(['chunked workflow (bridge+Temporal)', await chunkedWorkflow()]);
    await verify('chunked workflow');
    await reset();
    rows.push(['single-pass SQL, one transaction', await singlePass()]);
    await verify('single pass');
    rows.push([`per-case queries (${SAMPLE} sampled, extrapolated)`, await perCase()]);

    console.log(`\n${active} active cases, ${new Date().toISOString()}`);
    console.log('approach                                       seconds     cases/s');
    for (const [label, seconds] of rows) {
      console.log(
        `${label.padEnd(44)} ${seconds.toFixed(2).padStart(9)} ${(active / seconds).toFixed(0).padStart(11)}`,
      );
    }
    const [chunked, single, perCaseSeconds] = rows.map((r) => r[1]);
    console.log(`\nper-case / chunked time: x${(perCaseSeconds! / chunked!).toFixed(1)}`);
    // Throughput of the resumable workflow as a share of the one-transaction ceiling (goal >= 0.8).
    console.log(`forecast chunked / single pass: x${(single! / chunked!).toFixed(2)}`);
  } finally {
    await dropDatabase(db);
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
