/**
 * `npm run bench`'s reading of each bench's output (bench/summary.ts) and its goals (bench/all.ts),
 * on output the benches printed (small sizes, 2026-11-23; forecast's and memory's from the
 * verification run of `BENCH_ONLY=memory,forecast npm run bench`).
 */
import { BENCHES, GOALS, selected } from '../bench/all';
import {
  bridgeVersusPlain,
  bridgeVersusSdk,
  evaluate,
  failureReason,
  fairnessOwnPrefixRatio,
  fairnessRatio,
  forecastRatio,
  importCopyRatio,
  importKeyedCopyRatio,
  importPeakRss,
  importWorkerPeakRss,
  markdownTable,
  memoryAfterStart,
  memoryHighest,
  parseBridge,
  parseImport,
  parseTenants,
  reindexCeilingRatio,
  reindexPeakRss,
  schedulesBusiestMinute,
  schedulesCreatePerSecond,
  tally,
  type BenchName,
  type Goal,
} from '../bench/summary';

const SAMPLES: Record<BenchName, string> = {
  bridge: `concurrency 10 done

100 audit-event jobs, 2 tenants, 2026-11-23T18:15:41.095Z, 2 cores

mode                        conc   jobs  seconds   jobs/s   p50 ms   p99 ms
plain BullMQ worker           10    100     1.03     97.5      770      960
bridge, worker apart          10    100     1.16     86.4     1074     1097
bridge+worker, 1 process      10    100     2.53     39.6     2497     2512
bridge apart, no batches      10    100    13.98      7.2     8776    13825
one per job via SDK           10    100     6.36     15.7     4424     6097

ratios at equal execution concurrency (goals: bridge x0.5 of plain BullMQ; one workflow per job x0.9 of the SDK):
  concurrency 10, bridge, worker apart: x0.89 plain BullMQ; p50 x1.39, p99 x1.14
  concurrency 10, bridge+worker, 1 process: x0.41 plain BullMQ; p50 x3.24, p99 x2.62
  concurrency 10, bridge apart, no batches: x0.45 the same workflows via SDK, x0.07 plain BullMQ
`,
  fairness: `
audit-logs, worker concurrency 10; quiet tenant: 20 jobs, one every 25 ms; noisy tenant: 180 jobs at once (90 % of the load)
scenario                                        quiet p50  quiet p95  quiet max  in Redis p95  noisy p50  noisy max  jobs/s
quiet tenant alone (default configuration)           1606       1960       1990            34        NaN          -     9.4
under flood (default configuration)                  1695       1945       1972           294       2393       2756    70.6
under flood, admission = concurrency (FIFO)          3943       4168       4194          4025       2732       4227    43.1
own prefixes: quiet tenant alone                     3174       3571       3599            25        NaN          -     5.2
own prefixes: under flood                            2241       2622       2684           603       3736       3964    49.9

quiet jobs, p95 of each leg (ms): taken from Redis -> workflow started -> closed -> job finished
alone                                                1647        253         61   (1 of 20 in a workflow of their own)
under flood                                          1569       1333         90   (0 of 20 in a workflow of their own)
own prefixes: alone                                  3146        381         86   (1 of 20 in a workflow of their own)
own prefixes: under flood                            1717        426         30   (1 of 20 in a workflow of their own)
FIFO admission for reference: quiet p95 x2.13 alone
own prefixes (tenant-bound mode): quiet p95 under flood / alone: x0.73
quiet tenant p95 under flood / alone: x0.99
`,
  forecast: `seeded 20000 cases (19398 active) in 7.8 s

19398 active cases, 2026-11-23T18:20:11.115Z
approach                                       seconds     cases/s
chunked workflow (bridge+Temporal)                3.65        5310
single-pass SQL, one transaction                  1.66       11664
per-case queries (500 sampled, extrapolated)    149.36         130

per-case / chunked time: x40.9
forecast chunked / single pass: x0.46
`,
  reindex: `seeded 2000 cases, 6200 steps, tags and custom fields in 4.8 s

1980 repository-case documents, 2026-11-23T18:18:10.694Z
approach                                                 docs/s   x ceiling
(a) reindex workflow (bridge + Temporal, rebuild + swap)     379       0.23
(b) TestPlanIt's approach (200 cases, extrapolated)           37       0.02
(c) ceiling: bulk helper, prebuilt documents                1656       1.00

workflow 5.2 s for 1980 documents; x10.3 TestPlanIt's approach
worker peak RSS: 279 MB after start (workflow bundling), 383 MB after the reindex
`,
  import: `
Testmo import: generated export -> S3 -> analyse (stage) -> import, one tenant, worker RSS sampled every 250 ms

size | MB | rows | analyse s | analyse rows/s | import s | import rows/s | idle RSS | peak RSS analyse | peak RSS import | peak vs first | database MB | JSON.parse whole file
10MB | 9.6 | 62114 | 13.2 | 4718 | 25.9 | 2403 | 249 MB | 435 MB | 434 MB | 1.00x for 1x the data | 99 | 65 MB

import against its ceiling: the rows it wrote, loaded by a plain COPY into empty copies of the tables
size | table rows written | import s | COPY s | import rows/s | COPY rows/s | import / COPY
10MB | 57156 | 19.2 | 1.4 | 2978 | 40953 | x0.07

for reading that ratio: the same COPYs with what keeping TestPlanIt's integrity costs any importer, the tables' foreign keys checked and the id map written
size | rows with the id map | COPY with keys s | import / COPY with keys
10MB | 78974 | 1.0 | x0.19

slowest import phases (seconds, from the job row's phase summaries):
10MB: repositoryCaseSteps 4.8, repositoryCases 3.6, repositoryCaseValues 3.1, automationRunTests 3.1, testRunResults 1.6
`,
  schedules: `
5 tenants x 4 recurring jobs = 20 schedules (describe + create/update per schedule, 8 at a time)
sync                               ms   schedules/s  result
create, staggered                 792           25  20 created, 0 updated, 0 unchanged
same settings again               255           79  0 created, 0 updated, 20 unchanged
staggering off (in place)        1095           18  0 created, 20 updated, 0 unchanged

first fire of update-all-cases-forecast (cron 0 3 * * *, UTC), per tenant
staggering             distinct minutes  min offset  max offset  most tenants in one minute
on (30 min window)                    5       1 min      26 min                           1
off                                   1       0 min       0 min                           5
`,
  tenants: `
One bridge, 7 queues, each tenant on its own prefix (plus the shared one); 10 audit events to random tenants, one every 100 ms
tenants  sources  Redis conns  BullMQ Worker per prefix would hold  RSS MB  idle CPU %  pick-up p50  pick-up p95  finished p50  finished p95
      1       14            4                                   28     182         1.0            2           16           332           787
      3       28            4                                   56     181         0.8            1            8            85           296
3 tenants: 4 Redis connections, idle CPU 0.8 % of a core, pick-up p50 1 ms (1 tenant: 2 ms)
`,
  memory: `workflow bundle is up to date (dist/workflow-bundle.js)

worker RSS (MB), 2 cores, node v20.20.2
mode               | start (s) | RSS after start | RSS 10 s later
prebuilt bundle    |       4.7 |             257 |            255
bundling at start  |       5.5 |             386 |            365
worker RSS after start: 257 MB (bundling at start: 386 MB)
`,
};

describe('parsers, on real output', () => {
  test('bench:bridge: the default mode and the one-per-job mode, at the worst concurrency', () => {
    // The sample ran at concurrency 10 only; a second concurrency's lines, as the bench prints them.
    const twoConcurrencies = `${SAMPLES.bridge}  concurrency 50, bridge, worker apart: x0.62 plain BullMQ; p50 x1.29, p99 x0.97
  concurrency 50, bridge+worker, 1 process: x1.11 plain BullMQ; p50 x1.16, p99 x0.89
  concurrency 50, bridge apart, no batches: x0.91 the same workflows via SDK, x0.04 plain BullMQ
`;
    expect(parseBridge(twoConcurrencies)).toEqual({
      versusPlain: [
        { concurrency: 10, mode: 'bridge, worker apart', ratio: 0.89 },
        { concurrency: 10, mode: 'bridge+worker, 1 process', ratio: 0.41 },
        { concurrency: 50, mode: 'bridge, worker apart', ratio: 0.62 },
        { concurrency: 50, mode: 'bridge+worker, 1 process', ratio: 1.11 },
      ],
      versusSdk: [
        { concurrency: 10, ratio: 0.45 },
        { concurrency: 50, ratio: 0.91 },
      ],
    });
    // The goal must hold at every concurrency: the lowest counts (for plain BullMQ, of the default mode).
    expect(bridgeVersusPlain(twoConcurrencies)).toEqual({ value: 0.62, note: 'concurrency 50' });
    expect(bridgeVersusSdk(twoConcurrencies)).toEqual({ value: 0.45, note: 'concurrency 10' });
    expect(bridgeVersusPlain(SAMPLES.bridge)).toEqual({ value: 0.89, note: 'concurrency 10' });
  });

  test('bench:fairness: the shared-prefix last line, not the own-prefix line above it', () => {
    expect(fairnessRatio(SAMPLES.fairness)).toEqual({ value: 0.99 });
    expect(fairnessOwnPrefixRatio(SAMPLES.fairness)).toEqual({ value: 0.73 });
  });

  test('bench:forecast', () => {
    expect(forecastRatio(SAMPLES.forecast)).toEqual({ value: 0.46 });
  });

  test('bench:reindex: the workflow row of the ceiling column, and the higher worker RSS', () => {
    expect(reindexCeilingRatio(SAMPLES.reindex)).toEqual({ value: 0.23 });
    expect(reindexPeakRss(SAMPLES.reindex)).toEqual({ value: 383 });
  });

  test('bench:reindex: a summary line `... workflow / ... ceiling: x<r>`, if the bench gains one, wins', () => {
    const withLine = `${SAMPLES.reindex}reindex workflow / bulk ceiling: x0.74\n`;
    expect(reindexCeilingRatio(withLine)).toEqual({ value: 0.74 });
  });

  test('bench:import: columns found by their header, the highest over sizes', () => {
    expect(parseImport(SAMPLES.import)).toEqual([{ size: '10MB', analysePeakMb: 435, importPeakMb: 434 }]);
    const twoSizes = SAMPLES.import.replace(
      /^(10MB \|.*)$/m,
      '$1\n100MB | 102.2 | 644078 | 74.9 | 8603 | 100.9 | 6386 | 254 MB | 567 MB | 562 MB | 1.30x for 10x the data | 900 | 279 MB',
    );
    expect(importPeakRss(twoSizes)).toEqual({ value: 562, note: '100MB' });
    expect(importWorkerPeakRss(twoSizes)).toEqual({ value: 567, note: '100MB' });
  });

  test('bench:import: the import / COPY column of the ceiling table, the lowest over sizes', () => {
    expect(importCopyRatio(SAMPLES.import)).toEqual({ value: 0.07, note: '10MB' });
    const twoSizes = SAMPLES.import.replace(
      /^(10MB \| 57156 .*)$/m,
      '$1\n1GB | 7014339 | 938.4 | 312.0 | 7475 | 22482 | x0.33',
    );
    expect(importCopyRatio(twoSizes)).toEqual({ value: 0.07, note: '10MB' });
    expect(() => importCopyRatio(SAMPLES.import.replace(/^import against[\s\S]*?\n\n/m, ''))).toThrow(
      'no "size | table rows written',
    );
  });

  test('bench:import: the import / COPY with keys column of the keyed floor table, the lowest over sizes', () => {
    expect(importKeyedCopyRatio(SAMPLES.import)).toEqual({ value: 0.19, note: '10MB' });
    const twoSizes = SAMPLES.import.replace(/^(10MB \| 78974 .*)$/m, '$1\n100MB | 788289 | 10.1 | x0.26');
    expect(importKeyedCopyRatio(twoSizes)).toEqual({ value: 0.19, note: '10MB' });
    expect(() => importKeyedCopyRatio(SAMPLES.import.replace(/^for reading that ratio[\s\S]*?\n\n/m, ''))).toThrow(
      'no "size | rows with the id map',
    );
  });

  test('bench:schedules', () => {
    expect(schedulesCreatePerSecond(SAMPLES.schedules)).toEqual({
      value: 25,
      note: '20 created, 0 updated, 0 unchanged',
    });
    expect(schedulesBusiestMinute(SAMPLES.schedules)).toEqual({ value: 1, note: '5 distinct minutes of 30' });
  });

  test('bench:tenants', () => {
    expect(parseTenants(SAMPLES.tenants)).toEqual({
      tenants: 3,
      connections: 4,
      idleCpuPercent: 0.8,
      pickupP50Ms: 1,
      fewestTenants: 1,
      fewestPickupP50Ms: 2,
    });
  });

  test('bench:memory: the prebuilt figure, and the highest RSS printed', () => {
    expect(memoryAfterStart(SAMPLES.memory)).toEqual({ value: 257 });
    expect(memoryHighest(SAMPLES.memory)).toEqual({ value: 386, note: 'bundling at start' });
  });

  test('a missing line or a NaN ratio is an error that says which', () => {
    expect(() => forecastRatio('seeded 20000 cases\n')).toThrow('no line "forecast chunked / single pass"');
    expect(() => forecastRatio('forecast chunked / single pass: xNaN\n')).toThrow(
      'forecast chunked / single pass is NaN',
    );
    expect(() => parseImport('nothing')).toThrow('no "size | MB | rows');
    expect(() => memoryHighest('')).toThrow('no line');
  });
});

describe('goals', () => {
  test('every bench has a figure, each read from its sample', () => {
    for (const bench of BENCHES) {
      const goals = GOALS.filter((g) => g.bench === bench.name);
      expect(goals.length).toBeGreaterThan(0);
      for (const goal of goals) expect(Number.isFinite(goal.read(SAMPLES[bench.name]).value)).toBe(true);
    }
  });

  test('the goals of the issues', () => {
    const goalOf = (bench: BenchName, figure: string) =>
      GOALS.find((g) => g.bench === bench && g.figure.startsWith(figure))?.target;
    expect(goalOf('bridge', 'bridge / plain BullMQ')).toEqual({ op: '>=', limit: 0.5 });
    expect(goalOf('bridge', 'bridge (one workflow per job) / SDK-direct')).toEqual({ op: '>=', limit: 0.9 });
    expect(goalOf('fairness', 'quiet tenant p95')).toEqual({ op: '<=', limit: 2 });
    expect(goalOf('forecast', 'forecast chunked')).toEqual({ op: '>=', limit: 0.8 });
    expect(goalOf('reindex', 'reindex workflow / bulk ceiling')).toEqual({ op: '>=', limit: 0.7 });
    expect(goalOf('memory', 'worker RSS after start')).toEqual({ op: '<=', limit: 300 });
    expect(goalOf('import', 'import peak RSS')).toEqual({ op: '<', limit: 400 });
    for (const bench of ['reindex', 'import', 'memory'] as const)
      expect(goalOf(bench, 'worker peak RSS')).toEqual({ op: '<', limit: 1024 });
    for (const bench of ['schedules', 'tenants'] as const)
      expect(GOALS.filter((g) => g.bench === bench).every((g) => g.target === undefined)).toBe(true);
  });

  test('BENCH_ONLY picks benches by name, and refuses an unknown one', () => {
    expect(selected('forecast, memory').map((b) => b.name)).toEqual(['forecast', 'memory']);
    expect(selected('bench:import').map((b) => b.name)).toEqual(['import']);
    expect(selected(undefined)).toBe(BENCHES);
    expect(() => selected('forcast')).toThrow('BENCH_ONLY: unknown forcast');
  });
});

describe('rows and the table', () => {
  const forecast = GOALS.find((g) => g.bench === 'forecast')!;
  const info: Goal = { ...GOALS.find((g) => g.bench === 'schedules')! };
  /** bench:forecast's last line at 100,000 cases (README). */
  const passing = 'forecast chunked / single pass: x0.87\n';

  test('pass, goal not met, informational', () => {
    expect(evaluate(forecast, { stdout: passing })).toEqual({
      bench: 'forecast',
      figure: 'forecast chunked / single pass',
      value: 'x0.87',
      goal: '>= x0.80',
      result: 'pass',
    });
    expect(evaluate(forecast, { stdout: SAMPLES.forecast })).toMatchObject({
      value: 'x0.46',
      result: 'FAIL',
      reason: 'goal not met',
    });
    expect(evaluate(info, { stdout: SAMPLES.schedules })).toMatchObject({
      value: '25 schedules/s (20 created, 0 updated, 0 unchanged)',
      goal: '-',
      result: 'info',
    });
  });

  test('a crashed bench fails each of its figures with the reason, even one it printed', () => {
    const failure = failureReason(
      { code: 1, signal: null },
      'npm warn Unknown user config "nodedir".\nError: reindex failed: boom\n    at workflowRun (bench/reindex.ts:70:11)\n',
    );
    expect(failure).toBe('exit 1: Error: reindex failed: boom');
    expect(evaluate(forecast, { stdout: passing, failure })).toMatchObject({
      value: 'x0.87',
      result: 'FAIL',
      reason: failure,
    });
    expect(evaluate(info, { stdout: '', failure })).toMatchObject({ value: '-', result: 'FAIL' });
    expect(
      failureReason({ code: null, signal: 'SIGTERM', timedOutAfterMinutes: 60 }, 'workflow bundle is up to date\n'),
    ).toBe('timed out after 60 min');
    expect(failureReason({ code: null, signal: 'SIGKILL' }, '')).toBe('killed by SIGKILL');
    expect(failureReason({ code: 1, signal: null }, 'npm warn Unknown user config\nseeding failed\n')).toBe(
      'exit 1: seeding failed',
    );
  });

  test('an unreadable figure fails with what was missing', () => {
    expect(evaluate(forecast, { stdout: 'seeded\n' })).toMatchObject({
      value: '-',
      result: 'FAIL',
      reason: 'no line "forecast chunked / single pass" in the output',
    });
  });

  test('the count: goals with a target, plus informational figures that failed', () => {
    const rows = [
      evaluate(forecast, { stdout: passing }),
      evaluate(forecast, { stdout: SAMPLES.forecast }),
      evaluate(info, { stdout: SAMPLES.schedules }),
      evaluate(info, { stdout: '' }),
    ];
    expect(tally(rows)).toEqual({ passed: 1, total: 3 });
  });

  test('Markdown, with pipes in a reason escaped', () => {
    const rows = [
      evaluate(forecast, { stdout: passing }),
      evaluate(forecast, { stdout: '', failure: 'exit 1: Error: a | b' }),
    ];
    expect(markdownTable(rows)).toBe(
      [
        '| bench | figure | value | goal | result |',
        '|---|---|---|---|---|',
        '| bench:forecast | forecast chunked / single pass | x0.87 | >= x0.80 | pass |',
        '| bench:forecast | forecast chunked / single pass | - | >= x0.80 | FAIL: exit 1: Error: a \\| b |',
      ].join('\n'),
    );
  });
});
