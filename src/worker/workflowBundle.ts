/**
 * The workflow bundle: webpack's build of src/workflows (and the few modules they import) that
 * every Worker runs in its workflow threads. `npm run build` writes it once
 * (scripts/build-workflow-bundle.ts) so the worker need not bundle at each start: webpack leaves
 * some hundreds of MB in a worker that bundles, resident for the process's life.
 *
 * Next to the bundle goes a hash of its sources; a worker whose sources hash differently would run
 * workflow code other than the checked-out one, so it refuses in production and bundles at start
 * in development.
 */
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { bundleWorkflowCode, type WorkflowBundle } from '@temporalio/worker';
import type { Logger } from '../logging';

const ROOT = path.resolve(__dirname, '../..');

export const DEFAULT_WORKFLOW_BUNDLE_PATH = path.join(ROOT, 'dist', 'workflow-bundle.js');

/**
 * Everything of this repository the bundle includes: the workflows, and the dependency-free modules
 * eslint.config.mjs lets them import at run time. The build checks the bundle against this list,
 * so a new import cannot slip past the hash.
 */
export const WORKFLOW_SOURCES = [
  'src/workflows',
  'src/jobs/ids.ts',
  'src/jobs/issueOperation.ts',
  'src/failures/types.ts',
];

/** The bundle also carries the SDK's workflow runtime, built by the worker package's bundler. */
const BUNDLED_PACKAGES = ['@temporalio/workflow', '@temporalio/common', '@temporalio/worker'];

/** Where the hash of the sources a bundle was built from is kept. */
export function hashPathOf(bundlePath: string): string {
  return `${bundlePath}.sha256`;
}

/** The files of WORKFLOW_SOURCES, absolute, sorted. */
export function workflowSourceFiles(): string[] {
  const files: string[] = [];
  const walk = (file: string) => {
    if (fs.statSync(file).isDirectory()) for (const entry of fs.readdirSync(file)) walk(path.join(file, entry));
    else files.push(file);
  };
  for (const source of WORKFLOW_SOURCES) walk(path.join(ROOT, source));
  return files.sort();
}

export function workflowSourceHash(): string {
  const hash = createHash('sha256');
  for (const file of workflowSourceFiles()) {
    hash
      .update(`${path.relative(ROOT, file)}\0`)
      .update(fs.readFileSync(file))
      .update('\0');
  }
  for (const name of BUNDLED_PACKAGES) {
    hash.update(`${name}@${(require(`${name}/package.json`) as { version: string }).version}\0`);
  }
  return hash.digest('hex');
}

let bundled: Promise<WorkflowBundle> | undefined;

/** Bundles the workflow code in this process, once (what `npm run build` writes; tests running workflows in-process). */
export function bundleWorkflows(): Promise<WorkflowBundle> {
  bundled ??= bundleWorkflowCode({ workflowsPath: require.resolve('../workflows'), logger: quietBundlerLogger });
  return bundled;
}

const quietBundlerLogger = {
  log: () => undefined,
  trace: () => undefined,
  debug: () => undefined,
  info: () => undefined,
  warn: (message: string) => process.stderr.write(`workflow bundler: ${message}\n`),
  error: (message: string) => process.stderr.write(`workflow bundler: ${message}\n`),
};

/** Why the bundle at `bundlePath` cannot be used, or undefined when it is built from the current sources. */
export function bundleProblem(bundlePath: string): 'missing' | 'stale' | undefined {
  if (!fs.existsSync(bundlePath)) return 'missing';
  const hashPath = hashPathOf(bundlePath);
  const recorded = fs.existsSync(hashPath) ? fs.readFileSync(hashPath, 'utf8').trim() : '';
  return recorded === workflowSourceHash() ? undefined : 'stale';
}

export type WorkflowBundleOption = { codePath: string } | WorkflowBundle;

/**
 * The prebuilt bundle when it matches the sources. Otherwise production refuses to start (it would
 * run other workflow code than it ships, or pay the bundling memory unnoticed), and development
 * says so in one line and bundles at start, as before there was a build.
 */
export async function workflowBundleForWorker(
  bundlePath: string,
  production: boolean,
  logger: Logger,
): Promise<{ bundle: WorkflowBundleOption; prebuilt: boolean }> {
  const problem = bundleProblem(bundlePath);
  if (problem === undefined) return { bundle: { codePath: bundlePath }, prebuilt: true };
  if (production) throw new Error(`workflow bundle is ${problem}: run npm run build (${bundlePath})`);
  logger.warn(
    `workflow bundle is ${problem} (${bundlePath}); bundling the workflow code at start (npm run build prebuilds it)`,
  );
  return { bundle: await bundleWorkflows(), prebuilt: false };
}
