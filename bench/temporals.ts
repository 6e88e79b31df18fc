/**
 * The Temporals a bench runs its scenarios against, from BENCH_TEMPORAL: a comma list of
 *   dev     the Temporal at TEMPORAL_ADDRESS (default 127.0.0.1:7233: scripts/infra.sh's dev server, SQLite);
 *   server  a Temporal server 1.29.1 on PostgreSQL (`TPW_TEMPORAL=server scripts/infra.sh up-temporal`)
 *           that this module starts for the bench on spare ports, with a state directory and two databases
 *           of its own, and stops at the end (its databases dropped), also when the bench fails or is
 *           interrupted, so the shared Temporal is never touched.
 * Default `dev`, so a run without it is the same as before. The first listed is the reference: benches
 * print its figures as before (their last line is its), the others' marked and before it, and ratios
 * other / first.
 */
import { spawn, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as net from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import { withAdmin } from '../test/support/databases';
import { services, uniqueSuffix } from '../test/support/services';

export type TemporalKind = 'dev' | 'server';

export interface BenchTemporal {
  kind: TemporalKind;
  /** host:port of its frontend, for TEMPORAL_ADDRESS and clients. */
  address: string;
  /** For tables: what it is. */
  description: string;
}

const INFRA = path.resolve(__dirname, '../scripts/infra.sh');
const DESCRIPTIONS: Record<TemporalKind, string> = {
  dev: 'Temporal CLI dev server, SQLite',
  server: 'Temporal server 1.29.1, PostgreSQL, 4 history shards',
};

/** BENCH_TEMPORAL, checked: distinct kinds, in the order given. */
export function benchTemporalKinds(value = process.env.BENCH_TEMPORAL ?? 'dev'): TemporalKind[] {
  const kinds = value
    .split(',')
    .map((kind) => kind.trim())
    .filter(Boolean);
  for (const kind of kinds)
    if (kind !== 'dev' && kind !== 'server') throw new Error(`BENCH_TEMPORAL: "${kind}" is neither dev nor server`);
  if (kinds.length === 0) throw new Error('BENCH_TEMPORAL names no Temporal (dev, server or dev,server)');
  return [...new Set(kinds as TemporalKind[])];
}

/** `[server] ` before a line of a Temporal that is not the reference (after its indentation). */
export function marked(temporal: BenchTemporal, reference: BenchTemporal, line: string): string {
  if (temporal === reference) return line;
  const indent = /^\s*/.exec(line)![0];
  return `${indent}[${temporal.kind}] ${line.slice(indent.length)}`;
}

/** Starts the Temporals BENCH_TEMPORAL names, runs `work` with them, then stops what it started. */
export async function withBenchTemporals<T>(work: (temporals: BenchTemporal[]) => Promise<T>): Promise<T> {
  const kinds = benchTemporalKinds();
  if (!kinds.includes('server'))
    return work(kinds.map((kind) => ({ kind, address: services.temporalAddress, description: DESCRIPTIONS[kind] })));
  const server = await startServer();
  let result: T;
  try {
    result = await work(
      kinds.map((kind) => ({
        kind,
        address: kind === 'server' ? server.address : services.temporalAddress,
        description: DESCRIPTIONS[kind],
      })),
    );
  } catch (error) {
    // The bench's failure is the one to report; a failing clean-up only adds to it.
    await server.stop().catch((stopError: unknown) => console.error('stopping the bench Temporal:', stopError));
    throw error;
  }
  await server.stop();
  return result;
}

interface StartedServer {
  address: string;
  stop(): Promise<void>;
}

/** The PostgreSQL that scripts/infra.sh gives Temporal: the tests' server, Temporal's own role. */
function postgres(): { host: string; port: string; user: string; password: string } {
  const admin = new URL(services.postgresAdminUrl);
  return {
    host: admin.hostname,
    port: admin.port || '5432',
    user: process.env.TPW_TEMPORAL_PG_USER ?? 'temporal',
    password: process.env.TPW_TEMPORAL_PG_PASSWORD ?? 'temporal',
  };
}

async function startServer(): Promise<StartedServer> {
  const port = await sparePort();
  const suffix = uniqueSuffix();
  const stateDir = fs.mkdtempSync(path.join(os.tmpdir(), 'tpw-bench-temporal-'));
  const databases = [`temporal_bench_${suffix}`, `temporal_visibility_bench_${suffix}`];
  const drops = databases.map((db) => `DROP DATABASE IF EXISTS "${db}" WITH (FORCE)`);
  const pg = postgres();
  const env = {
    ...process.env,
    TPW_TEMPORAL: 'server',
    TPW_TEMPORAL_PORT: String(port),
    TPW_STATE_DIR: stateDir,
    TPW_TEMPORAL_DB: databases[0]!,
    TPW_TEMPORAL_VISIBILITY_DB: databases[1]!,
    TPW_PG_PORT: pg.port,
  };

  let stopped = false;
  // Synchronous, for a signal: the bench's own finally blocks do not run then.
  const stopNow = () => {
    if (stopped) return;
    stopped = true;
    spawnSync('bash', [INFRA, 'down-temporal'], { env, stdio: 'inherit' });
    // One -c each: DROP DATABASE refuses to run in the implicit transaction of a multi-statement string.
    spawnSync(
      'psql',
      ['-h', pg.host, '-p', pg.port, '-U', pg.user, '-d', 'postgres', '-q', ...drops.flatMap((drop) => ['-c', drop])],
      { env: { ...process.env, PGPASSWORD: pg.password }, stdio: 'inherit' },
    );
    fs.rmSync(stateDir, { recursive: true, force: true });
  };
  const onSignal = (signal: NodeJS.Signals) => {
    console.error(`\n${signal}: stopping the bench's Temporal server on ${port}`);
    stopNow();
    process.exit(130);
  };
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);

  const stop = async () => {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
    if (stopped) return;
    stopped = true;
    const url = new URL(services.postgresAdminUrl);
    url.username = pg.user;
    url.password = pg.password;
    url.pathname = '/postgres';
    try {
      await infra('down-temporal', env);
    } finally {
      await withAdmin(async (admin) => {
        for (const drop of drops) await admin.query(drop);
      }, url.toString());
    }
    fs.rmSync(stateDir, { recursive: true, force: true }); // left in place, with the server's log, if stopping failed
  };

  const started = Date.now();
  console.error(`starting a Temporal server on PostgreSQL for the bench: 127.0.0.1:${port}, state ${stateDir}`);
  try {
    await infra('up-temporal', env);
  } catch (error) {
    const log = path.join(stateDir, 'temporal-server.log');
    if (fs.existsSync(log)) console.error(fs.readFileSync(log, 'utf8').split('\n').slice(-40).join('\n'));
    await stop();
    throw error;
  }
  console.error(`Temporal server up in ${((Date.now() - started) / 1000).toFixed(0)} s`);
  return { address: `127.0.0.1:${port}`, stop };
}

/**
 * Runs `scripts/infra.sh <command>`: its log lines on stderr as they come for up-temporal; for
 * down-temporal only if it fails, so nothing follows a bench's last line.
 */
async function infra(command: 'up-temporal' | 'down-temporal', env: NodeJS.ProcessEnv): Promise<void> {
  const passThrough = command === 'up-temporal';
  const child = spawn('bash', [INFRA, command], { env, stdio: ['ignore', 'ignore', passThrough ? 'inherit' : 'pipe'] });
  let log = '';
  child.stderr?.on('data', (chunk: Buffer) => (log += chunk.toString()));
  const code = await new Promise<number | string>((resolve) =>
    child.once('exit', (exitCode, signal) => resolve(exitCode ?? signal ?? 'unknown')),
  );
  if (code !== 0) throw new Error(`scripts/infra.sh ${command} exited with ${code}${log && `:\n${log}`}`);
}

/**
 * A frontend port whose whole set is free: scripts/infra.sh puts history, matching, worker and HTTP at
 * +1, +2, +6, +10 and the membership ports at -300, -299, -298, -294.
 */
async function sparePort(): Promise<number> {
  const offsets = [0, 1, 2, 6, 10, -300, -299, -298, -294];
  for (let attempt = 0; attempt < 50; attempt += 1) {
    // Under 32768: the server stores membership ports in a smallint column (and fails to start with
    // a higher one); also below Linux's ephemeral range, where outgoing connections could take one.
    const port = 20_000 + Math.floor(Math.random() * 12_000);
    const free = await Promise.all(offsets.map((offset) => portFree(port + offset)));
    if (free.every(Boolean)) return port;
  }
  throw new Error('no spare port set for a second Temporal');
}

function portFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = net.createServer();
    server.once('error', () => resolve(false));
    server.listen(port, '127.0.0.1', () => server.close(() => resolve(true)));
  });
}
