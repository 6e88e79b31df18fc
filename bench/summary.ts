/**
 * Reading the benches' figures out of their output, and the summary table `npm run bench` prints
 * (bench/all.ts). Pure functions only: each parser takes a bench's whole stdout and returns its
 * figures, or throws an Error saying which line it did not find. The line formats are the benches'
 * own (their final console.log lines); test/benchSummary.test.ts holds real samples of each.
 */

export type BenchName = 'bridge' | 'fairness' | 'forecast' | 'reindex' | 'import' | 'schedules' | 'tenants' | 'memory';

/** One figure read from a bench's output; `note` says where it came from when there were several. */
export interface Reading {
  value: number;
  note?: string;
}

export type Comparison = '>=' | '<=' | '<';

export interface Goal {
  bench: BenchName;
  /** What the row shows, e.g. "forecast chunked / single pass". */
  figure: string;
  /** How the value is shown: a ratio (x0.87), megabytes, or a plain number with this unit. */
  unit: 'x' | 'MB' | string;
  /** The goal; none for a figure printed for information. */
  target?: { op: Comparison; limit: number };
  /** Where the figure is read from, and the issue its goal comes from. */
  source: string;
  read: (stdout: string) => Reading;
}

/** How a bench ended, as the runner saw it. */
export interface BenchRun {
  stdout: string;
  /** Why it is not to be trusted: a non-zero exit, a signal, a timeout. Undefined when it exited 0. */
  failure?: string;
}

export type Result = 'pass' | 'FAIL' | 'info';

export interface Row {
  bench: BenchName;
  figure: string;
  value: string;
  goal: string;
  result: Result;
  reason?: string;
}

/** A number as the benches print it (toFixed); NaN and Infinity, which a ratio of nothing gives, are refused. */
export function number(text: string, what: string): number {
  const value = Number(text);
  if (!Number.isFinite(value)) throw new Error(`${what} is ${text}`);
  return value;
}

function lastMatch(stdout: string, pattern: RegExp, what: string): RegExpExecArray {
  const flags = pattern.flags.includes('g') ? pattern.flags : `${pattern.flags}g`;
  const matches = [...stdout.matchAll(new RegExp(pattern.source, flags))];
  const last = matches.at(-1);
  if (!last) throw new Error(`no line "${what}" in the output`);
  return last;
}

/** The lowest of some readings, with where it came from (a goal must hold in every case). */
function lowest(readings: Reading[], what: string): Reading {
  if (readings.length === 0) throw new Error(`no line "${what}" in the output`);
  return readings.reduce((low, r) => (r.value < low.value ? r : low));
}

function highest(readings: Reading[], what: string): Reading {
  if (readings.length === 0) throw new Error(`no line "${what}" in the output`);
  return readings.reduce((high, r) => (r.value > high.value ? r : high));
}

// --- bench:bridge ------------------------------------------------------------------------------

export interface BridgeFigures {
  /** `concurrency <c>, <mode>: x<r> plain BullMQ`, per concurrency and bridge mode. */
  versusPlain: Array<{ concurrency: number; mode: string; ratio: number }>;
  /** `concurrency <c>, bridge apart, no batches: x<r> the same workflows via SDK`. */
  versusSdk: Array<{ concurrency: number; ratio: number }>;
}

export function parseBridge(stdout: string): BridgeFigures {
  const versusPlain = [
    ...stdout.matchAll(
      /^\s*concurrency (\d+), (bridge, worker apart|bridge\+worker, 1 process): x(\S+) plain BullMQ/gm,
    ),
  ].map((m) => ({ concurrency: Number(m[1]), mode: m[2]!, ratio: number(m[3]!, `bridge / plain BullMQ (${m[2]})`) }));
  const versusSdk = [
    ...stdout.matchAll(/^\s*concurrency (\d+), bridge apart, no batches: x(\S+) the same workflows via SDK/gm),
  ].map((m) => ({ concurrency: Number(m[1]), ratio: number(m[2]!, 'bridge / SDK-direct') }));
  return { versusPlain, versusSdk };
}

/** The default mode (bridge and worker apart) against plain BullMQ, at its worst concurrency. */
export function bridgeVersusPlain(stdout: string): Reading {
  const rows = parseBridge(stdout).versusPlain.filter((r) => r.mode === 'bridge, worker apart');
  return lowest(
    rows.map((r) => ({ value: r.ratio, note: `concurrency ${r.concurrency}` })),
    'concurrency <c>, bridge, worker apart: x<r> plain BullMQ',
  );
}

/** One workflow per job through the bridge against the same workflows from the SDK, at its worst concurrency. */
export function bridgeVersusSdk(stdout: string): Reading {
  return lowest(
    parseBridge(stdout).versusSdk.map((r) => ({ value: r.ratio, note: `concurrency ${r.concurrency}` })),
    'concurrency <c>, bridge apart, no batches: x<r> the same workflows via SDK',
  );
}

// --- bench:fairness ----------------------------------------------------------------------------

/** Last line: `quiet tenant p95 under flood / alone: x<ratio>` (shared prefix). */
export function fairnessRatio(stdout: string): Reading {
  const m = lastMatch(
    stdout,
    /^quiet tenant p95 under flood \/ alone: x(\S+)$/m,
    'quiet tenant p95 under flood / alone',
  );
  return { value: number(m[1]!, 'quiet tenant p95 under flood / alone') };
}

/** `own prefixes (tenant-bound mode): quiet p95 under flood / alone: x<ratio>`. */
export function fairnessOwnPrefixRatio(stdout: string): Reading {
  const m = lastMatch(
    stdout,
    /^own prefixes \(tenant-bound mode\): quiet p95 under flood \/ alone: x(\S+)$/m,
    'own prefixes (tenant-bound mode): quiet p95 under flood / alone',
  );
  return { value: number(m[1]!, 'own prefixes: quiet p95 under flood / alone') };
}

// --- bench:forecast ----------------------------------------------------------------------------

/** Last line: `forecast chunked / single pass: x<ratio>`. */
export function forecastRatio(stdout: string): Reading {
  const m = lastMatch(stdout, /^forecast chunked \/ single pass: x(\S+)$/m, 'forecast chunked / single pass');
  return { value: number(m[1]!, 'forecast chunked / single pass') };
}

// --- bench:reindex -----------------------------------------------------------------------------

/**
 * The reindex workflow's documents/s as a share of the bulk helper's ceiling: a line
 * `... workflow ... / ... ceiling ...: x<ratio>` if the bench prints one, else the "x ceiling"
 * column of its `(a) reindex workflow` row.
 */
export function reindexCeilingRatio(stdout: string): Reading {
  const line = [...stdout.matchAll(/^[^\n]*workflow[^\n:]*\/[^\n:]*ceiling[^\n:]*: x(\S+)\s*$/gim)].at(-1);
  if (line) return { value: number(line[1]!, 'reindex workflow / bulk ceiling') };
  const row = lastMatch(
    stdout,
    /^\(a\) reindex workflow[^\n]*?\s(\d+)\s+(\S+)\s*$/m,
    '(a) reindex workflow ... <docs/s> <x ceiling>',
  );
  return { value: number(row[2]!, 'reindex workflow / bulk ceiling') };
}

/** `worker peak RSS: <a> MB after start (workflow bundling), <b> MB after the reindex`: the higher. */
export function reindexPeakRss(stdout: string): Reading {
  const m = lastMatch(stdout, /^worker peak RSS: ([^\n]*)$/m, 'worker peak RSS: <a> MB ..., <b> MB after the reindex');
  const figures = [...m[1]!.matchAll(/(\S+) MB/g)].map((f) => number(f[1]!, 'worker peak RSS'));
  return highest(
    figures.map((value) => ({ value })),
    'worker peak RSS: <n> MB',
  );
}

// --- bench:import ------------------------------------------------------------------------------

export interface ImportRow {
  size: string;
  analysePeakMb: number;
  importPeakMb: number;
}

/** The `size | MB | rows | ... | peak RSS analyse | peak RSS import | ...` table, columns found by header. */
export function parseImport(stdout: string): ImportRow[] {
  const lines = stdout.split('\n');
  let header = -1;
  lines.forEach((l, i) => {
    if (l.startsWith('size | ') && l.includes('peak RSS import')) header = i;
  });
  if (header < 0) throw new Error('no "size | MB | rows | ... | peak RSS import" table in the output');
  const columns = lines[header]!.split(' | ').map((c) => c.trim());
  const analyse = columns.indexOf('peak RSS analyse');
  const imported = columns.indexOf('peak RSS import');
  const rows: ImportRow[] = [];
  for (const line of lines.slice(header + 1)) {
    const cells = line.split(' | ').map((c) => c.trim());
    if (cells.length !== columns.length) break;
    const mb = (cell: string | undefined, what: string) =>
      number(/^(\S+) MB$/.exec(cell ?? '')?.[1] ?? `"${cell}"`, what);
    rows.push({
      size: cells[0]!,
      analysePeakMb: mb(cells[analyse], `${cells[0]} peak RSS analyse`),
      importPeakMb: mb(cells[imported], `${cells[0]} peak RSS import`),
    });
  }
  if (rows.length === 0) throw new Error('the import table has no rows');
  return rows;
}

/** The worker's peak RSS while importing (the import mode), over every size. */
export function importPeakRss(stdout: string): Reading {
  return highest(
    parseImport(stdout).map((r) => ({ value: r.importPeakMb, note: r.size })),
    'import table row',
  );
}

/** The worker's peak RSS while analysing or importing, over every size. */
export function importWorkerPeakRss(stdout: string): Reading {
  return highest(
    parseImport(stdout).map((r) => ({ value: Math.max(r.analysePeakMb, r.importPeakMb), note: r.size })),
    'import table row',
  );
}

/** The import's share of its COPY ceiling (`import / COPY` of the ceiling table), lowest over the sizes. */
export function importCopyRatio(stdout: string): Reading {
  const lines = stdout.split('\n');
  const header = lines.findIndex((l) => l.startsWith('size | table rows written'));
  if (header < 0) throw new Error('no "size | table rows written | ... | import / COPY" table in the output');
  const readings: Reading[] = [];
  for (const line of lines.slice(header + 1)) {
    const cells = line.split(' | ').map((c) => c.trim());
    const ratio = /^x(\S+)$/.exec(cells[cells.length - 1] ?? '');
    if (cells.length < 7 || !ratio) break;
    readings.push({ value: number(ratio[1]!, `${cells[0]} import / COPY`), note: cells[0] });
  }
  return lowest(readings, 'import ceiling table row');
}

/**
 * The import against the floor of an importer that keeps TestPlanIt's foreign keys and its id map:
 * the last column of the `size | rows with the id map | ... | import / COPY with keys` table,
 * lowest over the sizes.
 */
export function importKeyedCopyRatio(stdout: string): Reading {
  const lines = stdout.split('\n');
  const header = lines.findIndex((l) => l.startsWith('size | rows with the id map'));
  if (header < 0)
    throw new Error('no "size | rows with the id map | ... | import / COPY with keys" table in the output');
  const readings: Reading[] = [];
  for (const line of lines.slice(header + 1)) {
    const cells = line.split(' | ').map((c) => c.trim());
    const ratio = /^x(\S+)$/.exec(cells[cells.length - 1] ?? '');
    if (cells.length < 4 || !ratio) break;
    readings.push({ value: number(ratio[1]!, `${cells[0]} import / COPY with keys`), note: cells[0] });
  }
  return lowest(readings, 'import keyed floor table row');
}

// --- bench:schedules ---------------------------------------------------------------------------

/** `create, staggered  <ms>  <schedules/s>  <result>`: schedules created per second. */
export function schedulesCreatePerSecond(stdout: string): Reading {
  const m = lastMatch(stdout, /^create, staggered\s+(\d+)\s+(\S+)\s+(.*)$/m, 'create, staggered <ms> <schedules/s>');
  return { value: number(m[2]!, 'schedules/s'), note: m[3]!.trim() };
}

/** `on (<w> min window)  <distinct minutes>  <min> min  <max> min  <most in one minute>`. */
export function schedulesBusiestMinute(stdout: string): Reading {
  const m = lastMatch(
    stdout,
    /^on \((\d+) min window\)\s+(\d+)\s+(-?\d+) min\s+(-?\d+) min\s+(\d+)\s*$/m,
    'on (<w> min window) <distinct> <min> min <max> min <busiest>',
  );
  return { value: number(m[5]!, 'most tenants in one minute'), note: `${m[2]} distinct minutes of ${m[1]}` };
}

// --- bench:tenants -----------------------------------------------------------------------------

export interface TenantsFigures {
  tenants: number;
  connections: number;
  idleCpuPercent: number;
  pickupP50Ms: number;
  fewestTenants: number;
  fewestPickupP50Ms: number;
}

/** Last line: `<n> tenants: <c> Redis connections, idle CPU <x> % of a core, pick-up p50 <a> ms (1 tenant: <b> ms)`. */
export function parseTenants(stdout: string): TenantsFigures {
  const m = lastMatch(
    stdout,
    /^(\d+) tenants?: (\d+) Redis connections, idle CPU (\S+) % of a core, pick-up p50 (\S+) ms \((\d+) tenants?: (\S+) ms\)$/m,
    '<n> tenants: <c> Redis connections, idle CPU <x> % of a core, pick-up p50 <a> ms (...)',
  );
  return {
    tenants: Number(m[1]),
    connections: number(m[2]!, 'Redis connections'),
    idleCpuPercent: number(m[3]!, 'idle CPU'),
    pickupP50Ms: number(m[4]!, 'pick-up p50'),
    fewestTenants: Number(m[5]),
    fewestPickupP50Ms: number(m[6]!, 'pick-up p50'),
  };
}

// --- bench:memory ------------------------------------------------------------------------------

/** Last line: `worker RSS after start: <n> MB (bundling at start: <m> MB)`. */
export function memoryAfterStart(stdout: string): Reading {
  const m = lastMatch(
    stdout,
    /^worker RSS after start: (\S+) MB \(bundling at start: (\S+) MB\)$/m,
    'worker RSS after start: <n> MB (bundling at start: <m> MB)',
  );
  return { value: number(m[1]!, 'worker RSS after start') };
}

/** The highest RSS the bench printed: both modes, after start and once settled (`mode | start | RSS | later`). */
export function memoryHighest(stdout: string): Reading {
  const rows = [...stdout.matchAll(/^(prebuilt bundle|bundling at start)\s*\|\s*\S+\s*\|\s*(\S+)\s*\|\s*(\S+)\s*$/gm)];
  return highest(
    rows.flatMap((m) => [
      { value: number(m[2]!, `${m[1]} RSS after start`), note: m[1]! },
      { value: number(m[3]!, `${m[1]} RSS settled`), note: `${m[1]}, settled` },
    ]),
    'prebuilt bundle | <start s> | <RSS> | <RSS later>',
  );
}

// --- the table ---------------------------------------------------------------------------------

export function formatValue(value: number, unit: string): string {
  if (unit === 'x') return `x${value.toFixed(2)}`;
  if (unit === 'MB') return `${Math.round(value)} MB`;
  return unit ? `${value} ${unit}` : String(value);
}

export function formatGoal(goal: Goal): string {
  return goal.target ? `${goal.target.op} ${formatValue(goal.target.limit, goal.unit)}` : '-';
}

export function meets(value: number, target: { op: Comparison; limit: number }): boolean {
  if (target.op === '>=') return value >= target.limit;
  if (target.op === '<=') return value <= target.limit;
  return value < target.limit;
}

/** One row of the table: the goal's figure read from a run, or why it could not be. */
export function evaluate(goal: Goal, run: BenchRun): Row {
  const base = { bench: goal.bench, figure: goal.figure, goal: formatGoal(goal) };
  let reading: Reading | undefined;
  let unreadable: string | undefined;
  try {
    reading = goal.read(run.stdout);
  } catch (error) {
    unreadable = error instanceof Error ? error.message : String(error);
  }
  const value = reading ? `${formatValue(reading.value, goal.unit)}${reading.note ? ` (${reading.note})` : ''}` : '-';
  if (run.failure) return { ...base, value, result: 'FAIL', reason: run.failure };
  if (!reading) return { ...base, value, result: 'FAIL', reason: unreadable };
  if (!goal.target) return { ...base, value, result: 'info' };
  return meets(reading.value, goal.target)
    ? { ...base, value, result: 'pass' }
    : { ...base, value, result: 'FAIL', reason: 'goal not met' };
}

/** Goals with a target that were met, of those with a target plus informational figures that failed. */
export function tally(rows: Row[]): { passed: number; total: number } {
  const counted = rows.filter((r) => r.goal !== '-' || r.result === 'FAIL');
  return { passed: counted.filter((r) => r.result === 'pass').length, total: counted.length };
}

function cell(text: string): string {
  return text.replace(/\s+/g, ' ').replace(/\|/g, '\\|').trim();
}

export function markdownTable(rows: Row[]): string {
  const lines = ['| bench | figure | value | goal | result |', '|---|---|---|---|---|'];
  for (const r of rows) {
    const result = r.result === 'FAIL' && r.reason ? `FAIL: ${r.reason}` : r.result;
    lines.push(`| ${[`bench:${r.bench}`, r.figure, r.value, r.goal, result].map(cell).join(' | ')} |`);
  }
  return lines.join('\n');
}

/**
 * Why a bench failed: how it ended, and the first line of the error it printed (or else its last
 * line of stderr that is neither a stack frame nor an npm warning). A timeout says only that:
 * what the bench last wrote is not why it was stopped.
 */
export function failureReason(
  exit: { code: number | null; signal: string | null; timedOutAfterMinutes?: number },
  stderr: string,
): string {
  if (exit.timedOutAfterMinutes !== undefined) return `timed out after ${exit.timedOutAfterMinutes} min`;
  const how = exit.signal ? `killed by ${exit.signal}` : `exit ${exit.code}`;
  const lines = stderr
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l && !l.startsWith('at ') && !l.startsWith('npm warn'));
  const error = lines.find((l) => /^\w*Error\b/.test(l)) ?? lines.at(-1);
  const text = error && error.length > 160 ? `${error.slice(0, 157)}...` : error;
  return text ? `${how}: ${text}` : how;
}
