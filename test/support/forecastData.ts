/**
 * Realistic forecast data, generated in the database with set-based SQL so 200,000 cases take
 * seconds: pairs of manual and JUnit cases linked SAME_TEST_DIFFERENT_SOURCE, runs of 100 cases,
 * manual results with elapsed times, JUnit results with times, some deleted cases and results.
 * `referenceForecasts` recomputes the expected values in memory, independently of the SQL under test.
 * The untested status is named `untested`, as TestPlanIt's own seed names it.
 */
import { Client } from 'pg';

export async function seedForecastData(url: string, cases: number, creatorId = 'user-admin'): Promise<void> {
  const client = new Client({ connectionString: url });
  await client.connect();
  try {
    await client.query(`INSERT INTO "Status" (id, name, "systemName", "colorId", "isEnabled", "isSuccess", "isFailure", "isCompleted")
      VALUES (1, 'Untested', 'untested', 1, true, false, false, false), (2, 'Passed', 'PASSED', 1, true, true, false, true)
      ON CONFLICT DO NOTHING`);
    const [{ id: projectId }] = (await client.query<{ id: number }>(`SELECT id FROM "Projects" ORDER BY id LIMIT 1`))
      .rows as [{ id: number }];
    await client.query(
      `INSERT INTO "RepositoryCases" (id, "projectId", "repositoryId", "folderId", "templateId", name, source, "stateId", "creatorId", "isDeleted", "isArchived")
       SELECT i, $2, 1, 1, 1, 'Case ' || i, (CASE WHEN i % 2 = 1 THEN 'MANUAL' ELSE 'JUNIT' END)::"RepositoryCaseSource", 1, $3,
              i % 50 = 0, i % 97 = 0
       FROM generate_series(1, $1) AS i`,
      [cases, projectId, creatorId],
    );
    await client.query(
      `INSERT INTO "RepositoryCaseLink" ("caseAId", "caseBId", type, "isDeleted", "createdById")
       SELECT i, i + 1, 'SAME_TEST_DIFFERENT_SOURCE', i % 40 = 1, $2 FROM generate_series(1, $1 - 1, 2) AS i`,
      [cases, creatorId],
    );
    await client.query(
      `INSERT INTO "TestRuns" (id, "projectId", name, "stateId", "createdById", "isCompleted")
       SELECT r, $2, 'Run ' || r, 1, $3, r % 10 = 0 FROM generate_series(1, ($1 + 99) / 100) AS r`,
      [cases, projectId, creatorId],
    );
    await client.query(
      `INSERT INTO "TestRunCases" (id, "testRunId", "repositoryCaseId", "statusId")
       SELECT i, (i + 99) / 100, i, CASE WHEN i % 3 = 0 THEN 2 WHEN i % 3 = 1 THEN 1 ELSE NULL END FROM generate_series(1, $1) AS i`,
      [cases],
    );
    await client.query(
      `INSERT INTO "TestRunResults" ("testRunId", "testRunCaseId", "statusId", "executedById", elapsed, "isDeleted")
       SELECT (i + 99) / 100, i, 2, $2, (i % 7 + 1) * 10 + k, k = 2 AND i % 11 = 0
       FROM generate_series(1, $1) AS i, generate_series(0, 2) AS k WHERE i % 2 = 1`,
      [cases, creatorId],
    );
    await client.query(
      `INSERT INTO "JUnitTestResult" (type, "repositoryCaseId", time, "testSuiteId", "createdById")
       SELECT 'PASSED', i, (i % 4 + 1) * 0.5 + k * 0.125, 1, $2
       FROM generate_series(1, $1) AS i, generate_series(0, 1) AS k WHERE i % 2 = 0`,
      [cases, creatorId],
    );
    for (const table of [
      'RepositoryCases',
      'RepositoryCaseLink',
      'TestRuns',
      'TestRunCases',
      'TestRunResults',
      'JUnitTestResult',
    ]) {
      await client.query(
        `SELECT setval(pg_get_serial_sequence('"${table}"', 'id'), (SELECT coalesce(max(id), 1) FROM "${table}"))`,
      );
      await client.query(`ANALYZE "${table}"`);
    }
  } finally {
    await client.end();
  }
}

export interface ExpectedForecasts {
  cases: Map<number, { manual: number | null; automated: number | null }>;
  runs: Map<number, { manual: number | null; automated: number | null }>;
}

/** The forecasts every active case, every archived case of an open run, and every open run should have, computed in memory in one pass. */
export async function referenceForecasts(url: string): Promise<ExpectedForecasts> {
  const client = new Client({ connectionString: url });
  await client.connect();
  try {
    const q = async <T extends Record<string, unknown>>(sql: string) => (await client.query<T>(sql)).rows;
    const caseRows = await q<{ id: number; source: string; isDeleted: boolean; isArchived: boolean }>(
      `SELECT id, source, "isDeleted", "isArchived" FROM "RepositoryCases"`,
    );
    const links = await q<{ a: number; b: number }>(
      `SELECT "caseAId" AS a, "caseBId" AS b FROM "RepositoryCaseLink" WHERE type = 'SAME_TEST_DIFFERENT_SOURCE' AND NOT "isDeleted"`,
    );
    const manualResults = await q<{ caseId: number; elapsed: number }>(
      `SELECT trc."repositoryCaseId" AS "caseId", r.elapsed FROM "TestRunResults" r JOIN "TestRunCases" trc ON trc.id = r."testRunCaseId" WHERE NOT r."isDeleted" AND r.elapsed > 0`,
    );
    const junit = await q<{ caseId: number; time: number }>(
      `SELECT "repositoryCaseId" AS "caseId", time FROM "JUnitTestResult" WHERE time > 0`,
    );
    const runCases = await q<{ runId: number; caseId: number; pending: boolean }>(
      `SELECT trc."testRunId" AS "runId", trc."repositoryCaseId" AS "caseId", (trc."statusId" IS NULL OR upper(s."systemName") = 'UNTESTED') AS pending
       FROM "TestRunCases" trc LEFT JOIN "Status" s ON s.id = trc."statusId"`,
    );
    const openRuns = await q<{ id: number }>(`SELECT id FROM "TestRuns" WHERE NOT "isCompleted" AND NOT "isDeleted"`);

    const byId = new Map(caseRows.map((c) => [c.id, c]));
    const neighbours = new Map<number, number[]>();
    for (const { a, b } of links) {
      neighbours.set(a, [...(neighbours.get(a) ?? []), b]);
      neighbours.set(b, [...(neighbours.get(b) ?? []), a]);
    }
    const push = <V>(map: Map<number, V[]>, key: number, value: V) => map.set(key, [...(map.get(key) ?? []), value]);
    const elapsedByCase = new Map<number, number[]>();
    for (const r of manualResults) push(elapsedByCase, r.caseId, r.elapsed);
    const timeByCase = new Map<number, number[]>();
    for (const r of junit) push(timeByCase, r.caseId, r.time);
    const mean = (values: number[]) => values.reduce((a, b) => a + b, 0) / values.length;

    const open = new Set(openRuns.map((r) => r.id));
    // Archived cases are refreshed too when an open run holds them, as TestPlanIt does before summing a run.
    const inOpenRun = new Set(runCases.filter((rc) => open.has(rc.runId)).map((rc) => rc.caseId));
    const cases = new Map<number, { manual: number | null; automated: number | null }>();
    const forecastOf = new Map<number, { manual: number | null; automated: number | null }>();
    for (const c of caseRows) {
      if (c.isDeleted || (c.isArchived && !inOpenRun.has(c.id))) continue;
      const members = [c.id, ...(neighbours.get(c.id) ?? [])].filter(
        (id, i, all) => all.indexOf(id) === i && !byId.get(id)!.isDeleted,
      );
      const elapsed = members
        .filter((id) => byId.get(id)!.source === 'MANUAL')
        .flatMap((id) => elapsedByCase.get(id) ?? []);
      const times = members.filter((id) => byId.get(id)!.source !== 'MANUAL').flatMap((id) => timeByCase.get(id) ?? []);
      const forecast = {
        manual: elapsed.length ? Math.round(mean(elapsed)) : null,
        automated: times.length ? Number(mean(times).toFixed(3)) : null,
      };
      cases.set(c.id, forecast);
      forecastOf.set(c.id, forecast);
    }
    const runs = new Map<number, { manual: number | null; automated: number | null }>();
    const pendingByRun = new Map<number, number[]>();
    for (const rc of runCases) if (open.has(rc.runId)) push(pendingByRun, rc.runId, rc.pending ? rc.caseId : -1);
    for (const runId of open) {
      const pending = (pendingByRun.get(runId) ?? []).filter((id) => id > 0 && !byId.get(id)!.isDeleted);
      const values = pending.map((id) => forecastOf.get(id)!);
      const manual = values.filter((v) => v.manual !== null).map((v) => v.manual!);
      const automated = values.filter((v) => v.automated !== null).map((v) => v.automated!);
      runs.set(runId, {
        manual: manual.length ? manual.reduce((a, b) => a + b, 0) : null,
        automated: automated.length ? Number(automated.reduce((a, b) => a + b, 0).toFixed(3)) : null,
      });
    }
    return { cases, runs };
  } finally {
    await client.end();
  }
}

export async function actualForecasts(url: string): Promise<ExpectedForecasts> {
  const client = new Client({ connectionString: url });
  await client.connect();
  try {
    const caseRows = (
      await client.query<{ id: number; manual: number | null; automated: number | null }>(
        `SELECT id, "forecastManual" AS manual, "forecastAutomated" AS automated FROM "RepositoryCases" c
       WHERE NOT "isDeleted" AND (NOT "isArchived" OR EXISTS (
         SELECT 1 FROM "TestRunCases" trc JOIN "TestRuns" r ON r.id = trc."testRunId"
         WHERE trc."repositoryCaseId" = c.id AND NOT r."isCompleted" AND NOT r."isDeleted"))`,
      )
    ).rows;
    const runRows = (
      await client.query<{ id: number; manual: number | null; automated: number | null }>(
        `SELECT id, "forecastManual" AS manual, "forecastAutomated" AS automated FROM "TestRuns" WHERE NOT "isCompleted" AND NOT "isDeleted"`,
      )
    ).rows;
    return {
      cases: new Map(caseRows.map((r) => [r.id, { manual: r.manual, automated: r.automated }])),
      runs: new Map(runRows.map((r) => [r.id, { manual: r.manual, automated: r.automated }])),
    };
  } finally {
    await client.end();
  }
}
