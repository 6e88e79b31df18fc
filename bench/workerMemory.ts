/**
 * `npm run bench:memory`: the worker's resident memory after start, with the prebuilt workflow
 * bundle (`npm run build`, built here first if missing or stale) and bundling at start (the
 * worker pointed at no bundle, in development, as before there was a build). The worker process
 * is started as `npm run worker` starts it, serving every task queue; it logs its RSS
 * (process.memoryUsage().rss) once all its workers poll, which is the figure; its RSS BENCH_SETTLE_SECONDS
 * (default 10) later, read from /proc, shows what start-up left behind.
 *
 * No tenant database is made: a worker opens one only when a job of the tenant runs.
 *
 * Last line, read by machines: `worker RSS after start: <n> MB (bundling at start: <m> MB)`.
 */
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { databaseUrl } from '../test/support/databases';
import { startApp, stopApp, waitFor } from '../test/support/processes';
import { uniqueSuffix } from '../test/support/services';
import { stackEnv } from '../test/support/stack';

const SETTLE_SECONDS = Number(process.env.BENCH_SETTLE_SECONDS ?? 10);
const ROOT = path.resolve(__dirname, '..');
const RSS_LINE = /Workers polling \d+ task queues; RSS (\d+) MB/;

interface Figures {
  mode: string;
  startSeconds: number;
  rssMb: number;
  settledRssMb: number;
}

function rssMbOf(pid: number): number {
  const status = fs.readFileSync(`/proc/${pid}/status`, 'utf8');
  return Math.round(Number(/VmRSS:\s+(\d+)/.exec(status)![1]) / 1024);
}

async function measure(mode: string, env: Record<string, string>): Promise<Figures> {
  const started = Date.now();
  const worker = await startApp('worker', env, 180_000);
  try {
    const rssMb = await waitFor(
      async () => {
        const match = RSS_LINE.exec(worker.output());
        return match ? Number(match[1]) : undefined;
      },
      10_000,
      () => `${mode}: no RSS line in\n${worker.output()}`,
      50,
    );
    const startSeconds = (Date.now() - started) / 1000;
    await new Promise((resolve) => setTimeout(resolve, SETTLE_SECONDS * 1000));
    return { mode, startSeconds, rssMb, settledRssMb: rssMbOf(worker.child.pid!) };
  } finally {
    await stopApp(worker);
  }
}

async function main(): Promise<void> {
  execFileSync(process.execPath, ['--import', 'tsx', 'scripts/build-workflow-bundle.ts', '--if-stale'], {
    cwd: ROOT,
    stdio: 'inherit',
  });
  const suffix = uniqueSuffix();
  const tenant = `mem_${suffix}`;
  const env = stackEnv({
    name: 'benchmem',
    suffix,
    tenants: { [tenant]: { databaseUrl: databaseUrl(`tpw_${tenant}`) } },
    extra: { LOG_LEVEL: 'info' },
  });
  const nowhere = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'tpw-nobundle-')), 'workflow-bundle.js');

  const prebuilt = await measure('prebuilt bundle', env);
  const atStart = await measure('bundling at start', {
    ...env,
    WORKFLOW_BUNDLE_PATH: nowhere,
    NODE_ENV: 'development',
  });

  console.log(`\nworker RSS (MB), ${os.cpus().length} cores, node ${process.version}`);
  const settled = `RSS ${SETTLE_SECONDS} s later`;
  console.log(`mode               | start (s) | RSS after start | ${settled}`);
  for (const row of [prebuilt, atStart]) {
    console.log(
      `${row.mode.padEnd(18)} | ${row.startSeconds.toFixed(1).padStart(9)} | ${String(row.rssMb).padStart(15)} | ` +
        `${String(row.settledRssMb).padStart(settled.length)}`,
    );
  }
  console.log(`worker RSS after start: ${prebuilt.rssMb} MB (bundling at start: ${atStart.rssMb} MB)`);
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
