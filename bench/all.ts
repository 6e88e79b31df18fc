/**
 * `npm run bench`: every benchmark, one after another, each as its own process (`npx tsx
 * bench/<file>.ts`) with small sizes, then one Markdown table of the figures the project's issues
 * set goals for: figure, value, goal, pass or FAIL. Each bench's output (stdout and stderr) goes to
 * `<log dir>/<bench>.log`, the directory printed first (BENCH_LOG_DIR to choose it); the table is
 * also written there as summary.md.
 *
 * A bench that crashes, times out (BENCH_TIMEOUT_MINUTES, default 60) or prints no readable figure
 * shows as FAIL with the reason, and the next one runs. `BENCH_ONLY=forecast,memory` runs some.
 * The small sizes below apply unless the variable is set already (BENCH_CASES=100000 npm run bench
 * runs forecast and reindex at full size). Exit code 1 if any goal is not met.
 * Last line: `bench: <passed>/<total> goals met`.
 */
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
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
  parseTenants,
  reindexCeilingRatio,
  reindexPeakRss,
  schedulesBusiestMinute,
  schedulesCreatePerSecond,
  tally,
  type BenchName,
  type BenchRun,
  type Goal,
  type Row,
} from './summary';

const ROOT = path.resolve(__dirname, '..');

interface Bench {
  name: BenchName;
  file: string;
  /** Small sizes, so the whole run takes minutes; a variable set in the environment wins. */
  env: Record<string, string>;
}

/** In the order they run. */
export const BENCHES: Bench[] = [
  { name: 'bridge', file: 'bridge.ts', env: { BENCH_JOBS: '500', BENCH_CONCURRENCY: '10,50' } },
  { name: 'fairness', file: 'fairness.ts', env: { BENCH_QUIET: '100', BENCH_FLOOD: '900' } },
  // Fewer cases than 100,000 is one or two ranges of the workflow: start-up would be the figure.
  { name: 'forecast', file: 'forecast.ts', env: { BENCH_CASES: '100000', BENCH_PER_CASE_SAMPLE: '500' } },
  { name: 'reindex', file: 'reindex.ts', env: { BENCH_CASES: '20000', BENCH_TESTPLANIT_SAMPLE: '1000' } },
  { name: 'import', file: 'import.ts', env: { BENCH_IMPORT_SIZES: '10MB' } },
  { name: 'schedules', file: 'schedules.ts', env: { BENCH_TENANTS: '20' } },
  {
    name: 'tenants',
    file: 'tenants.ts',
    env: { BENCH_TENANTS: '1,50', BENCH_IDLE_SECONDS: '30', BENCH_PICKUPS: '20' },
  },
  { name: 'memory', file: 'workerMemory.ts', env: {} },
];

const WORKER_PEAK_RSS = { op: '<', limit: 1024 } as const;

/** The goals, from the project's issues, each with the line its figure is read from. */
export const GOALS: Goal[] = [
  {
    bench: 'bridge',
    figure: 'bridge / plain BullMQ throughput, equal concurrency',
    unit: 'x',
    target: { op: '>=', limit: 0.5 },
    source: '`concurrency <c>, bridge, worker apart: x<r> plain BullMQ`, lowest over the concurrencies',
    read: bridgeVersusPlain,
  },
  {
    bench: 'bridge',
    figure: 'bridge (one workflow per job) / SDK-direct',
    unit: 'x',
    target: { op: '>=', limit: 0.9 },
    source: '`concurrency <c>, bridge apart, no batches: x<r> the same workflows via SDK`, lowest',
    read: bridgeVersusSdk,
  },
  {
    bench: 'fairness',
    figure: 'quiet tenant p95 under flood / alone',
    unit: 'x',
    target: { op: '<=', limit: 2 },
    source: 'last line `quiet tenant p95 under flood / alone: x<ratio>` (shared prefix)',
    read: fairnessRatio,
  },
  {
    bench: 'fairness',
    figure: 'the same, each tenant on its own prefix',
    unit: 'x',
    source: '`own prefixes (tenant-bound mode): quiet p95 under flood / alone: x<ratio>`',
    read: fairnessOwnPrefixRatio,
  },
  {
    bench: 'forecast',
    figure: 'forecast chunked / single pass',
    unit: 'x',
    target: { op: '>=', limit: 0.8 },
    source: 'last line `forecast chunked / single pass: x<ratio>`',
    read: forecastRatio,
  },
  {
    bench: 'reindex',
    figure: 'reindex workflow / bulk ceiling',
    unit: 'x',
    target: { op: '>=', limit: 0.7 },
    source: 'the "x ceiling" column of the `(a) reindex workflow` row',
    read: reindexCeilingRatio,
  },
  {
    bench: 'reindex',
    figure: 'worker peak RSS',
    unit: 'MB',
    target: WORKER_PEAK_RSS,
    source: '`worker peak RSS: <a> MB after start (workflow bundling), <b> MB after the reindex`, the higher',
    read: reindexPeakRss,
  },
  {
    bench: 'import',
    figure: 'import peak RSS',
    unit: 'MB',
    target: { op: '<', limit: 400 },
    source: 'the "peak RSS import" column of the import table, highest over the sizes',
    read: importPeakRss,
  },
  {
    bench: 'import',
    figure: 'import / plain COPY of the same rows',
    unit: 'x',
    target: { op: '>=', limit: 0.5 },
    source: 'the "import / COPY" column of the ceiling table, lowest over the sizes',
    read: importCopyRatio,
  },
  {
    bench: 'import',
    figure: 'import / COPY with foreign keys and the id map',
    unit: 'x',
    source: 'the "import / COPY with keys" column of the keyed floor table, lowest over the sizes',
    read: importKeyedCopyRatio,
  },
  {
    bench: 'import',
    figure: 'worker peak RSS',
    unit: 'MB',
    target: WORKER_PEAK_RSS,
    source: 'the "peak RSS analyse" and "peak RSS import" columns, highest',
    read: importWorkerPeakRss,
  },
  {
    bench: 'schedules',
    figure: 'schedule sync, creating',
    unit: 'schedules/s',
    source: 'the `create, staggered` row',
    read: schedulesCreatePerSecond,
  },
  {
    bench: 'schedules',
    figure: 'staggered first fires: most tenants in one minute',
    unit: '',
    source: 'the `on (<w> min window)` row',
    read: schedulesBusiestMinute,
  },
  {
    bench: 'tenants',
    figure: 'bridge Redis connections, most tenants',
    unit: '',
    source: 'last line `<n> tenants: <c> Redis connections, ...`',
    read: (stdout) => {
      const t = parseTenants(stdout);
      return { value: t.connections, note: `${t.tenants} tenants` };
    },
  },
  {
    bench: 'tenants',
    figure: 'bridge idle CPU, most tenants',
    unit: '% of a core',
    source: 'last line `..., idle CPU <x> % of a core, ...`',
    read: (stdout) => {
      const t = parseTenants(stdout);
      return { value: t.idleCpuPercent, note: `${t.tenants} tenants` };
    },
  },
  {
    bench: 'tenants',
    figure: 'pick-up p50, most tenants',
    unit: 'ms',
    source: 'last line `..., pick-up p50 <a> ms (1 tenant: <b> ms)`',
    read: (stdout) => {
      const t = parseTenants(stdout);
      return { value: t.pickupP50Ms, note: `${t.tenants} tenants; ${t.fewestTenants}: ${t.fewestPickupP50Ms} ms` };
    },
  },
  {
    bench: 'memory',
    figure: 'worker RSS after start',
    unit: 'MB',
    target: { op: '<=', limit: 300 },
    source: 'last line `worker RSS after start: <n> MB (bundling at start: <m> MB)`',
    read: memoryAfterStart,
  },
  {
    bench: 'memory',
    figure: 'worker peak RSS (highest printed)',
    unit: 'MB',
    target: WORKER_PEAK_RSS,
    source: 'the `prebuilt bundle` and `bundling at start` rows, after start and settled',
    read: memoryHighest,
  },
];

/** BENCH_ONLY, checked against the bench names. */
export function selected(only: string | undefined): Bench[] {
  if (!only?.trim()) return BENCHES;
  const names = only.split(',').map((n) => n.trim().replace(/^bench:/, ''));
  const unknown = names.filter((n) => !BENCHES.some((b) => b.name === n));
  if (unknown.length > 0)
    throw new Error(`BENCH_ONLY: unknown ${unknown.join(', ')}; benches are ${BENCHES.map((b) => b.name).join(', ')}`);
  return BENCHES.filter((b) => names.includes(b.name));
}

let current: { pid: number } | undefined;

function killGroup(pid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(-pid, signal);
  } catch {
    // Gone already.
  }
}

/** Runs one bench in its own process group, its output to `log`; resolves with its stdout and how it ended. */
function runBench(bench: Bench, log: string, timeoutMs: number): Promise<BenchRun> {
  const env: NodeJS.ProcessEnv = { ...bench.env, ...process.env };
  // BENCH_ONLY picks benches here; bench:fairness reads it as a scenario name.
  delete env.BENCH_ONLY;
  const out = fs.createWriteStream(log);
  out.write(
    `$ ${Object.entries(bench.env)
      .map(([k]) => `${k}=${env[k]}`)
      .join(' ')} npx tsx bench/${bench.file}\n`,
  );
  const child = spawn('npx', ['tsx', path.join('bench', bench.file)], {
    cwd: ROOT,
    env,
    stdio: ['ignore', 'pipe', 'pipe'],
    // Its own process group, so a timeout or ^C stops the bench's bridge and workers too.
    detached: true,
  });
  current = { pid: child.pid! };
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk: Buffer) => {
    stdout += chunk.toString();
    out.write(chunk);
  });
  child.stderr.on('data', (chunk: Buffer) => {
    // Only its end is needed for the reason of a failure.
    stderr = (stderr + chunk.toString()).slice(-20_000);
    out.write(chunk);
  });
  let timedOut = false;
  const timer = setTimeout(() => {
    timedOut = true;
    killGroup(child.pid!, 'SIGTERM');
    setTimeout(() => killGroup(child.pid!, 'SIGKILL'), 15_000).unref();
  }, timeoutMs);
  return new Promise((resolve) => {
    child.on('error', (error) => {
      stderr += `\n${String(error)}`;
    });
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      current = undefined;
      out.end();
      const failed = timedOut || code !== 0;
      resolve({
        stdout,
        failure: failed
          ? failureReason({ code, signal, timedOutAfterMinutes: timedOut ? timeoutMs / 60_000 : undefined }, stderr)
          : undefined,
      });
    });
  });
}

async function main(): Promise<void> {
  const benches = selected(process.env.BENCH_ONLY);
  const timeoutMs = Number(process.env.BENCH_TIMEOUT_MINUTES ?? 60) * 60_000;
  const logDir =
    process.env.BENCH_LOG_DIR ??
    fs.mkdtempSync(path.join(os.tmpdir(), `tpw-bench-${new Date().toISOString().replace(/[:.]/g, '-')}-`));
  fs.mkdirSync(logDir, { recursive: true });
  console.log(`[bench] ${benches.map((b) => b.name).join(', ')}; logs in ${logDir}`);
  process.on('SIGINT', () => {
    if (current) killGroup(current.pid, 'SIGTERM');
    process.exit(130);
  });

  const rows: Row[] = [];
  for (const bench of benches) {
    const log = path.join(logDir, `${bench.name}.log`);
    const started = Date.now();
    console.log(`[bench] ${bench.name}: running, output in ${log}`);
    const run = await runBench(bench, log, timeoutMs);
    const seconds = ((Date.now() - started) / 1000).toFixed(0);
    console.log(`[bench] ${bench.name}: ${run.failure ? `failed (${run.failure})` : 'done'} in ${seconds} s`);
    rows.push(...GOALS.filter((g) => g.bench === bench.name).map((goal) => evaluate(goal, run)));
  }

  const table = markdownTable(rows);
  const { passed, total } = tally(rows);
  const last = `bench: ${passed}/${total} goals met`;
  fs.writeFileSync(path.join(logDir, 'summary.md'), `${table}\n\n${last}\n`);
  console.log(`\n${new Date().toISOString()}, ${os.cpus().length} cores, node ${process.version}\n`);
  console.log(table);
  console.log(`\n${last}`);
  if (passed < total || rows.some((r) => r.result === 'FAIL')) process.exitCode = 1;
}

if (require.main === module) {
  main().catch((error: unknown) => {
    console.error(error);
    process.exit(2);
  });
}
