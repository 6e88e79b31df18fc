/**
 * The short seeded variant of `npm run chaos` (scripts/chaos.ts): every workload on four tenants,
 * two bridges and two workers, six events (five kills of bridges and workers, one Valkey restart),
 * small data. The full run, with restarts of Temporal, PostgreSQL and Elasticsearch too, is
 * `npm run chaos`; its figures are in the README.
 */
import { spawn } from 'node:child_process';
import * as path from 'node:path';

const ROOT = path.resolve(__dirname, '..');

function runChaos(env: Record<string, string>): Promise<{ code: number | null; output: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ['--import', 'tsx', 'scripts/chaos.ts'], {
      cwd: ROOT,
      env: { ...process.env, ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.on('exit', (code) => resolve({ code, output }));
  });
}

test('kills and a Valkey restart in the middle of every workload lose no job and run none twice', async () => {
  const { code, output } = await runChaos({
    CHAOS_SEED: '3',
    CHAOS_EVENTS: '6',
    CHAOS_RESTARTS: 'valkey',
    CHAOS_SMALL: 'true',
    CHAOS_MINUTES: '8',
  });
  const last = output.trim().split('\n').at(-1) ?? '';
  // The whole table on failure: which check lost or duplicated what.
  if (code !== 0 || !/lost 0, duplicated 0$/.test(last)) throw new Error(`chaos run failed (exit ${code}):\n${output}`);
  const [, kills, restarts, jobs] = /^chaos: (\d+) kills, (\d+) restarts, (\d+) jobs/.exec(last) ?? [];
  expect(Number(kills)).toBe(5);
  expect(Number(restarts)).toBe(1);
  expect(Number(jobs)).toBeGreaterThan(500);
  // Every workload reported its checks.
  for (const check of [
    'audit rows',
    'digest emails',
    'forecasts right',
    'index repository-cases',
    'tracker issues created',
    'import cases',
    'bad input failed at once',
  ])
    expect(output).toContain(check);
}, 900_000);
