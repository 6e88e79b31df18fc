/**
 * The prebuilt workflow bundle's staleness guard (src/worker/workflowBundle.ts): a bundle is used
 * only with the hash of the current workflow sources next to it, and a production worker refuses
 * a stale one before doing anything else.
 */
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { bundleProblem, hashPathOf, workflowSourceHash } from '../src/worker/workflowBundle';
import { stackEnv } from './support/stack';
import { uniqueSuffix } from './support/services';

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tpw-bundle-'));
const bundlePath = path.join(dir, 'workflow-bundle.js');

afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

test('a bundle counts as built from the sources only with their hash next to it', () => {
  expect(bundleProblem(bundlePath)).toBe('missing');
  fs.writeFileSync(bundlePath, '// a bundle\n');
  expect(bundleProblem(bundlePath)).toBe('stale');
  fs.writeFileSync(hashPathOf(bundlePath), `${'0'.repeat(64)}\n`);
  expect(bundleProblem(bundlePath)).toBe('stale');
  fs.writeFileSync(hashPathOf(bundlePath), `${workflowSourceHash()}\n`);
  expect(bundleProblem(bundlePath)).toBeUndefined();
});

test('a production worker refuses a stale bundle with what to do', () => {
  fs.writeFileSync(bundlePath, '// a bundle\n');
  fs.writeFileSync(hashPathOf(bundlePath), `${'0'.repeat(64)}\n`);
  const env = stackEnv({ name: 'bundle', suffix: uniqueSuffix(), tenants: {} });
  const run = spawnSync(process.execPath, ['--import', 'tsx', 'src/main.ts', 'worker'], {
    cwd: path.resolve(__dirname, '..'),
    env: { ...process.env, ...env, NODE_ENV: 'production', WORKFLOW_BUNDLE_PATH: bundlePath },
    encoding: 'utf8',
    timeout: 60_000,
  });
  expect(run.status).toBe(1);
  expect(run.stderr).toContain(`workflow bundle is stale: run npm run build (${bundlePath})`);
  expect(run.stderr).not.toMatch(/Worker polling/);
});
