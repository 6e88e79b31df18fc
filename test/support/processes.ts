/**
 * Runs the real bridge and worker as child processes (`node --import tsx src/main.ts <role>`, with the
 * node flags of `npm run <role>`), as an operator would, so tests can SIGKILL and SIGTERM them.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

const ROOT = path.resolve(__dirname, '../..');

export interface AppProcess {
  role: string;
  child: ChildProcess;
  logFile: string;
  output(): string;
  /** Resolves with the exit code (or signal name) once the process has exited. */
  exited: Promise<number | string>;
}

/**
 * The node flags of `npm run <role>` (package.json), e.g. the worker's heap bound: tests run each
 * role exactly as an operator starts it, so a job that outgrows the bound fails here first.
 */
function nodeFlagsOf(role: string): string[] {
  const scripts = (
    JSON.parse(fs.readFileSync(path.join(ROOT, 'package.json'), 'utf8')) as { scripts: Record<string, string> }
  ).scripts;
  const script = role === 'all' ? scripts.start : scripts[role];
  return script?.match(/--max-old-space-size=\d+/g) ?? [];
}

const READY_LINE: Record<string, RegExp> = {
  bridge: /Bridge consuming/,
  worker: /Worker polling/,
  all: /Bridge consuming/,
};

export async function startApp(
  role: 'bridge' | 'worker' | 'all',
  env: Record<string, string>,
  timeoutMs = 60_000,
): Promise<AppProcess> {
  const logFile = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'tpw-')), `${role}.log`);
  const out = fs.openSync(logFile, 'a');
  // node with tsx as a loader, not the tsx CLI: the CLI runs the app in a child process,
  // which a SIGKILL of the CLI would leave running.
  // A V8 CPU profile of one role, for benches (node refuses --cpu-prof in NODE_OPTIONS).
  const prof = process.env.TPW_CPU_PROFILE === role ? ['--cpu-prof', '--cpu-prof-dir=/tmp/tpw-prof'] : [];
  const child = spawn(process.execPath, [...prof, ...nodeFlagsOf(role), '--import', 'tsx', 'src/main.ts', role], {
    cwd: ROOT,
    env: { ...process.env, ...env },
    stdio: ['ignore', out, out],
  });
  fs.closeSync(out);
  const exited = new Promise<number | string>((resolve) =>
    child.once('exit', (code, signal) => resolve(code ?? signal ?? 'unknown')),
  );
  const app: AppProcess = { role, child, logFile, exited, output: () => fs.readFileSync(logFile, 'utf8') };

  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const output = app.output();
    if (READY_LINE[role]!.test(output)) return app;
    const exitedEarly = await Promise.race([exited, new Promise((r) => setTimeout(() => r(undefined), 200))]);
    if (exitedEarly !== undefined) throw new Error(`${role} exited (${exitedEarly}) before it was ready:\n${output}`);
    if (Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error(`${role} was not ready within ${timeoutMs} ms:\n${output}`);
    }
  }
}

export async function stopApp(app: AppProcess, signal: NodeJS.Signals = 'SIGTERM'): Promise<number | string> {
  if (app.child.exitCode === null && app.child.signalCode === null) app.child.kill(signal);
  return app.exited;
}

/** Polls `check` until it returns a value other than undefined, or fails with `describe()`. */
export async function waitFor<T>(
  check: () => Promise<T | undefined>,
  timeoutMs: number,
  describe: () => string | Promise<string>,
  intervalMs = 250,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`Timed out after ${timeoutMs} ms: ${await describe()}`);
    await new Promise((resolve) => setTimeout(resolve, intervalMs));
  }
}
