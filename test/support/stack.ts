/**
 * The environment and processes of one test file's bridge and workers, so every e2e test sets
 * them up the same way: multi-tenant (or single-tenant) configuration, the shared services, a
 * BullMQ prefix and Temporal task queues of the file's own, schedules left alone.
 */
import { services } from './services';
import { startApp, stopApp, type AppProcess } from './processes';

export interface StackEnvOptions {
  /** Short and distinct per test file: BullMQ prefix `<name><suffix>`, task queues `<name>-<suffix>-<queue>`. */
  name: string;
  suffix: string;
  /** Multi-tenant mode: tenant id -> its TENANT_CONFIGS entry. */
  tenants?: Record<string, Record<string, string>>;
  /** Single-tenant mode: the one database. */
  databaseUrl?: string;
  /** Defaults to the shared Redis of scripts/infra.sh. */
  redisUrl?: string;
  /** Defaults to the shared Temporal (TEMPORAL_ADDRESS); benches comparing two pass each in turn. */
  temporalAddress?: string;
  /** Any further variables (concurrency, SMTP, queues served, ...). */
  extra?: Record<string, string>;
}

export function stackEnv(options: StackEnvOptions): Record<string, string> {
  const tenancy: Record<string, string> = options.tenants
    ? { MULTI_TENANT_MODE: 'true', TENANT_CONFIGS: JSON.stringify(options.tenants) }
    : { DATABASE_URL: options.databaseUrl ?? '' };
  return {
    ...tenancy,
    VALKEY_URL: options.redisUrl ?? services.redisUrl,
    TEMPORAL_ADDRESS: options.temporalAddress ?? services.temporalAddress,
    BULLMQ_PREFIX: `${options.name}${options.suffix}`,
    TEMPORAL_TASK_QUEUE_PREFIX: `${options.name}-${options.suffix}`,
    SCHEDULES_SYNC_ON_START: 'false',
    ...options.extra,
  };
}

/** A worker and a bridge as separate processes, started together; `only` adds variables to one of them. */
export async function startStack(
  env: Record<string, string>,
  only: { worker?: Record<string, string>; bridge?: Record<string, string> } = {},
): Promise<{ worker: AppProcess; bridge: AppProcess }> {
  const [worker, bridge] = await Promise.all([
    startApp('worker', { ...env, ...only.worker }),
    startApp('bridge', { ...env, ...only.bridge }),
  ]);
  return { worker, bridge };
}

/** Stops whichever of them started (SIGTERM: the bridge hands its jobs back). */
export async function stopStack(...apps: Array<AppProcess | undefined>): Promise<void> {
  await Promise.all(apps.map((app) => app && stopApp(app)));
}
