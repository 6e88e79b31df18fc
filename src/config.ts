/**
 * All configuration, parsed and validated once at start from the environment, then passed down.
 * Names follow TestPlanIt's own variables (VALKEY_URL, MULTI_TENANT_MODE, TENANT_*, *_CONCURRENCY,
 * BULLMQ_PREFIX) and Temporal's client conventions (TEMPORAL_ADDRESS, TEMPORAL_NAMESPACE,
 * TEMPORAL_API_KEY, TEMPORAL_TLS*, or a temporal.toml profile). Invalid values are refused with
 * the name of the variable.
 */
import type { NativeConnectionOptions } from '@temporalio/worker';
import { loadClientConnectConfig } from '@temporalio/envconfig';
import { z } from 'zod';
import type { LogFormat, LogLevel } from './logging';
import { redactCredentials } from './redaction';
import { QUEUE_NAMES, QUEUE_SETTINGS, isQueueName, type QueueName } from './jobs/queues';
import { routedQueues } from './jobs/routes';
import { MINUTES_PER_DAY } from './schedules/stagger';
import type { TenancySettings } from './tenancy/registry';
import { TenantConfigError } from './tenancy/errors';

export type Env = Readonly<Record<string, string | undefined>>;

export interface AppConfig {
  logLevel: LogLevel;
  operations: {
    /** /healthz, /readyz and /metrics on this port; unset: no endpoint. */
    metricsPort?: number;
    /** The Temporal SDK's own Prometheus exporter (workers), folded into /metrics; unset: off. */
    temporalMetricsPort?: number;
    logFormat: LogFormat;
  };
  temporal: {
    connection: NativeConnectionOptions;
    namespace: string;
    taskQueuePrefix: string;
  };
  redis: { url: string; prefix: string };
  tenancy: TenancySettings;
  database: { maxClients: number; connectionsPerClient: number; idleTimeoutMs: number };
  elasticsearchNode?: string;
  concurrency: Record<QueueName, number>;
  bridge: {
    queues: QueueName[];
    lockDurationMs: number;
    stalledIntervalMs: number;
    maxStalledCount: number;
    statusPollMs: number;
    /**
     * Jobs per queue the bridge takes from Redis and holds (waiting for their turn or running).
     * Far above any execution concurrency, so the backlog waits in the bridge, where starts are
     * ordered fairly across tenants, instead of in Redis in arrival order. Bounded by memory and
     * by the Redis locks held (renewed in one batch per lock period).
     */
    maxInFlight: number;
    /** Jobs held at once from one tenant's own prefix (tenant-bound mode). */
    maxHeldPerTenantPrefix: number;
    /** Whether the shared BULLMQ_PREFIX is consumed beside the tenants' own prefixes. */
    consumeSharedPrefix: boolean;
    /** How often tenant configurations are re-read, so a new tenant's own prefix is consumed. */
    tenantRefreshMs: number;
    /** Per queue: workflows started and not yet finished at most (see FairGate). */
    startWindow: Record<QueueName, number>;
    /** Per queue and tenant: started and unfinished workflows at most; undefined: no cap. */
    tenantMaxRunning?: number;
    /** Start order and Temporal fairness weight per tenant (default 1). */
    tenantWeights: Record<string, number>;
    /** Start workflows eagerly on the worker of the same process (role `all`). */
    eagerStart: boolean;
    /** Jobs of batchable routes (audit events) run together per tenant turn: at most this many, and bytes of payload. */
    batch: { maxJobs: number; maxBytes: number };
    /** Largest workflow input the bridge sends to Temporal; a larger job fails alone, before any start. */
    maxInputBytes: number;
  };
  worker: {
    queues: QueueName[];
    shutdownGraceMs: number;
    /** The prebuilt workflow bundle (`npm run build`); undefined: dist/workflow-bundle.js. */
    bundlePath?: string;
    /** Workflow threads shared by all the process's task queues (worker/sharedWorkflowThreads.ts). */
    workflowThreads: number;
    /** NODE_ENV=production: a missing or stale bundle stops the worker instead of bundling at start. */
    requirePrebuiltBundle: boolean;
  };
  /** Undefined when EMAIL_SERVER_HOST is unset: email activities then fail with that reason. */
  email?: EmailSettings;
  /** Base of links in emails when a tenant has no baseUrl: NEXTAUTH_URL, else TestPlanIt's default. */
  defaultBaseUrl: string;
  schedules: {
    timezone: string;
    syncOnStart: boolean;
    /** Tenants' recurring jobs fire up to this many minutes after their cron time (0: all at it). */
    staggerWindowMinutes: number;
  };
  reindex: ReindexSettings;
  /** TestPlanIt's ENCRYPTION_KEY, which encrypts integration credentials and OAuth tokens. */
  encryptionKey?: string;
  testmoImport: TestmoImportSettings;
}

/** Where Testmo exports are read from, and how an import is cut into checkpointed chunks. */
export interface TestmoImportSettings {
  /** TestPlanIt's AWS_* settings; the web app uploads exports there. */
  storage: ObjectStorageSettings;
  /** Operators may import a file from this directory (storageKey `file:<name>`); unset, never. */
  localDir?: string;
  /** Staged rows imported per chunk transaction (each chunk is one checkpoint). */
  chunkSize: number;
  /**
   * One activity call runs chunks back to back for about this long (each still its own
   * transaction and checkpoint), so a short chunk does not pay a Temporal round trip of its own.
   */
  chunkRunMs: number;
  /** Rows per staging insert while analysing. */
  stagingBatchSize: number;
}

export interface ObjectStorageSettings {
  bucket?: string;
  region: string;
  /** S3-compatible endpoint (MinIO and the like); addressed path-style, as TestPlanIt does. */
  endpoint?: string;
  accessKeyId?: string;
  secretAccessKey?: string;
}

export interface ReindexSettings {
  /** Rows read and documents written per chunk activity (one checkpoint each). */
  chunkSize: number;
  /** Bytes per bulk request the bulk helper sends. */
  bulkFlushBytes: number;
  /** Bulk requests in flight per chunk. */
  bulkConcurrency: number;
}

export interface EmailSettings {
  host: string;
  port: number;
  secure: boolean;
  user?: string;
  password?: string;
  from: string;
  fromName: string;
}

export class ConfigError extends Error {
  override readonly name = 'ConfigError';
}

const positiveInt = (name: string, fallback: number) =>
  z
    .string()
    .optional()
    .transform((value, ctx) => {
      if (value === undefined || value === '') return fallback;
      const parsed = Number(value);
      if (!Number.isInteger(parsed) || parsed <= 0) {
        ctx.addIssue({ code: 'custom', message: `${name} must be a positive integer, got "${value}"` });
        return z.NEVER;
      }
      return parsed;
    });

const bool = (name: string) =>
  z
    .string()
    .optional()
    .transform((value, ctx) => {
      if (value === undefined || value === '' || value === 'false' || value === '0') return false;
      if (value === 'true' || value === '1') return true;
      ctx.addIssue({ code: 'custom', message: `${name} must be "true" or "false", got "${value}"` });
      return z.NEVER;
    });

function queueList(name: string, value: string | undefined, fallback: QueueName[]): QueueName[] {
  if (value === undefined || value.trim() === '') return fallback;
  const names = value
    .split(',')
    .map((part) => part.trim())
    .filter(Boolean);
  const unknown = names.filter((queue) => !isQueueName(queue));
  if (unknown.length > 0) {
    throw new ConfigError(`${name}: unknown queue(s) ${unknown.join(', ')}; known: ${QUEUE_NAMES.join(', ')}`);
  }
  const unrouted = names.filter((queue) => !routedQueues().includes(queue as QueueName));
  if (unrouted.length > 0) {
    throw new ConfigError(`${name}: no workflows exist yet for queue(s) ${unrouted.join(', ')}`);
  }
  return names as QueueName[];
}

/** A Valkey URL from variable `name` (local Valkey when unset), as ioredis takes it. */
export function valkeyUrl(name: string, raw: string | undefined): string {
  const url = raw && raw !== '' ? raw : 'redis://127.0.0.1:6379';
  // TestPlanIt accepts valkey:// URLs and hands ioredis the redis:// equivalent.
  const normalised = url.replace(/^valkey(s?):\/\//, 'redis$1://');
  if (!/^rediss?:\/\/.+/.test(normalised)) {
    throw new ConfigError(`${name} must be a redis:// or valkey:// URL, got "${redactCredentials(url)}"`);
  }
  return normalised;
}

/** `acme:3,beta:0.5`: Temporal accepts fairness weights from 0.001 to 1000. */
function tenantWeights(value: string | undefined): Record<string, number> {
  const weights: Record<string, number> = {};
  for (const part of (value ?? '')
    .split(',')
    .map((p) => p.trim())
    .filter(Boolean)) {
    const match = /^([a-z0-9_-]+)[:=]([0-9]*\.?[0-9]+)$/.exec(part);
    const weight = match ? Number(match[2]) : NaN;
    if (!match || !(weight >= 0.001 && weight <= 1000)) {
      throw new ConfigError(
        `TENANT_WEIGHTS must be a comma list of <tenantId>:<weight> with weights from 0.001 to 1000, got "${part}"`,
      );
    }
    weights[match[1]!] = weight;
  }
  return weights;
}

/**
 * Enough started workflows to keep a family's worker slots busy while the next starts are on
 * their way (a start costs a round trip or two), few enough that the backlog stays in the
 * bridge's fair order instead of Temporal's task queue.
 */
export function defaultStartWindow(concurrency: number): number {
  return 2 * concurrency + 8;
}

function tenancySettings(env: Env): TenancySettings {
  const multi = parseOrThrow(bool('MULTI_TENANT_MODE'), env.MULTI_TENANT_MODE);
  if (multi) {
    return {
      mode: 'multi',
      reloadMinIntervalMs: 5_000,
      sources: {
        configFile: env.TENANT_CONFIG_FILE || '/config/tenants.json',
        configFileRequired: Boolean(env.TENANT_CONFIG_FILE),
        configsJson: env.TENANT_CONFIGS || undefined,
        env,
      },
    };
  }
  if (!env.DATABASE_URL) throw new ConfigError('DATABASE_URL is required when MULTI_TENANT_MODE is not "true"');
  if (!/^postgres(ql)?:\/\/.+/.test(env.DATABASE_URL)) {
    throw new ConfigError('DATABASE_URL must be a postgresql:// connection URL');
  }
  return {
    mode: 'single',
    databaseUrl: env.DATABASE_URL,
    elasticsearchNode: env.ELASTICSEARCH_NODE || undefined,
    baseUrl: env.NEXTAUTH_URL || undefined,
  };
}

function emailSettings(env: Env, int: (name: string, fallback: number) => number): EmailSettings | undefined {
  if (!env.EMAIL_SERVER_HOST) return undefined;
  const port = int('EMAIL_SERVER_PORT', 587);
  if (!env.EMAIL_FROM) throw new ConfigError('EMAIL_FROM is required when EMAIL_SERVER_HOST is set');
  return {
    host: env.EMAIL_SERVER_HOST,
    port,
    // Port 465 speaks TLS from the first byte; other ports upgrade with STARTTLS when offered.
    secure: env.EMAIL_SERVER_SECURE ? parseOrThrow(bool('EMAIL_SERVER_SECURE'), env.EMAIL_SERVER_SECURE) : port === 465,
    user: env.EMAIL_SERVER_USER || undefined,
    password: env.EMAIL_SERVER_PASSWORD || undefined,
    from: env.EMAIL_FROM,
    fromName: env.EMAIL_FROM_NAME || 'TestPlanIt',
  };
}

function timezone(name: string): string {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: name });
  } catch {
    throw new ConfigError(`SCHEDULE_TIMEZONE must be an IANA time zone such as UTC or Europe/Berlin, got "${name}"`);
  }
  return name;
}

/** At most a day: the recurring jobs are daily, so a longer window would only wrap around. */
function staggerWindow(raw: string | undefined): number {
  if (raw === undefined || raw === '') return 30;
  const minutes = Number(raw);
  if (!/^\d+$/.test(raw) || minutes > MINUTES_PER_DAY) {
    throw new ConfigError(
      `SCHEDULE_STAGGER_WINDOW must be whole minutes from 0 (off) to ${MINUTES_PER_DAY}, got "${raw}"`,
    );
  }
  return minutes;
}

function parseOrThrow<T>(schema: z.ZodType<T>, value: unknown): T {
  const result = schema.safeParse(value);
  if (!result.success) throw new ConfigError(result.error.issues.map((issue) => issue.message).join('; '));
  return result.data;
}

export function loadConfig(env: Env = process.env): AppConfig {
  try {
    const logLevel = parseOrThrow(
      z.enum(['debug', 'info', 'warn', 'error']).default('info'),
      env.LOG_LEVEL || undefined,
    );
    const temporalProfile = loadClientConnectConfig({ overrideEnvVars: env as Record<string, string> });
    const prefix = env.BULLMQ_PREFIX || 'bull';
    if (!/^[a-zA-Z0-9_-]+$/.test(prefix))
      throw new ConfigError(`BULLMQ_PREFIX must match [a-zA-Z0-9_-]+, got "${prefix}"`);

    const concurrency = Object.fromEntries(
      QUEUE_NAMES.map((queue) => {
        const { concurrencyEnv, defaultConcurrency } = QUEUE_SETTINGS[queue];
        return [queue, parseOrThrow(positiveInt(concurrencyEnv, defaultConcurrency), env[concurrencyEnv])];
      }),
    ) as Record<QueueName, number>;

    const int = (name: string, fallback: number) => parseOrThrow(positiveInt(name, fallback), env[name]);

    return {
      logLevel,
      operations: {
        metricsPort: env.METRICS_PORT ? int('METRICS_PORT', 9464) : undefined,
        temporalMetricsPort: env.TEMPORAL_METRICS_PORT ? int('TEMPORAL_METRICS_PORT', 9465) : undefined,
        logFormat: parseOrThrow(z.enum(['text', 'json']).default('text'), env.LOG_FORMAT || undefined),
      },
      temporal: {
        connection: {
          ...temporalProfile.connectionOptions,
          address: temporalProfile.connectionOptions.address ?? '127.0.0.1:7233',
        },
        namespace: temporalProfile.namespace ?? 'default',
        taskQueuePrefix: env.TEMPORAL_TASK_QUEUE_PREFIX || 'testplanit',
      },
      redis: { url: valkeyUrl('VALKEY_URL', env.VALKEY_URL), prefix },
      tenancy: tenancySettings(env),
      database: {
        maxClients: int('TENANT_DB_MAX_CLIENTS', 50),
        connectionsPerClient: int('TENANT_DB_CONNECTIONS_PER_CLIENT', 5),
        idleTimeoutMs: int('TENANT_DB_IDLE_TIMEOUT_MS', 60_000),
      },
      elasticsearchNode: env.ELASTICSEARCH_NODE || undefined,
      concurrency,
      bridge: {
        queues: queueList('BRIDGE_QUEUES', env.BRIDGE_QUEUES, routedQueues()),
        lockDurationMs: int('BRIDGE_LOCK_DURATION_MS', 30_000),
        stalledIntervalMs: int('BRIDGE_STALLED_INTERVAL_MS', 30_000),
        maxStalledCount: int('BRIDGE_MAX_STALLED_COUNT', 10),
        statusPollMs: int('BRIDGE_STATUS_POLL_MS', 1_000),
        maxInFlight: int('BRIDGE_MAX_IN_FLIGHT', 5_000),
        maxHeldPerTenantPrefix: int('BRIDGE_MAX_HELD_PER_TENANT_PREFIX', 400),
        startWindow: Object.fromEntries(
          QUEUE_NAMES.map((queue) => [
            queue,
            env.BRIDGE_START_WINDOW ? int('BRIDGE_START_WINDOW', 1) : defaultStartWindow(concurrency[queue]),
          ]),
        ) as Record<QueueName, number>,
        tenantMaxRunning: env.BRIDGE_TENANT_MAX_RUNNING ? int('BRIDGE_TENANT_MAX_RUNNING', 1) : undefined,
        tenantWeights: tenantWeights(env.TENANT_WEIGHTS),
        batch: { maxJobs: int('BRIDGE_BATCH_MAX_JOBS', 100), maxBytes: int('BRIDGE_BATCH_MAX_BYTES', 512 * 1024) },
        // Temporal's default blob size limit (limit.blobSize.error): a larger input is refused anyway.
        maxInputBytes: int('BRIDGE_MAX_INPUT_BYTES', 2 * 1024 * 1024),
        eagerStart: env.BRIDGE_EAGER_START ? parseOrThrow(bool('BRIDGE_EAGER_START'), env.BRIDGE_EAGER_START) : true,
        consumeSharedPrefix: env.BRIDGE_CONSUME_SHARED_PREFIX
          ? parseOrThrow(bool('BRIDGE_CONSUME_SHARED_PREFIX'), env.BRIDGE_CONSUME_SHARED_PREFIX)
          : true,
        tenantRefreshMs: int('BRIDGE_TENANT_REFRESH_MS', 30_000),
      },
      worker: {
        queues: queueList('WORKER_QUEUES', env.WORKER_QUEUES, routedQueues()),
        shutdownGraceMs: int('WORKER_SHUTDOWN_GRACE_MS', 30_000),
        workflowThreads: int('WORKER_WORKFLOW_THREADS', 1),
        bundlePath: env.WORKFLOW_BUNDLE_PATH || undefined,
        requirePrebuiltBundle: env.NODE_ENV === 'production',
      },
      email: emailSettings(env, int),
      defaultBaseUrl: env.NEXTAUTH_URL || 'http://localhost:3000',
      schedules: {
        timezone: timezone(env.SCHEDULE_TIMEZONE || 'UTC'),
        syncOnStart: env.SCHEDULES_SYNC_ON_START
          ? parseOrThrow(bool('SCHEDULES_SYNC_ON_START'), env.SCHEDULES_SYNC_ON_START)
          : true,
        staggerWindowMinutes: staggerWindow(env.SCHEDULE_STAGGER_WINDOW),
      },
      encryptionKey: env.ENCRYPTION_KEY || undefined,
      testmoImport: {
        storage: {
          bucket: env.AWS_BUCKET_NAME || undefined,
          region: env.AWS_REGION || env.AWS_BUCKET_REGION || 'us-east-1',
          // TestPlanIt's worker prefers the public endpoint; a worker inside the network should not.
          endpoint: env.AWS_ENDPOINT_URL || env.AWS_PUBLIC_ENDPOINT_URL || undefined,
          accessKeyId: env.AWS_ACCESS_KEY_ID || undefined,
          secretAccessKey: env.AWS_SECRET_ACCESS_KEY || undefined,
        },
        localDir: env.TESTMO_IMPORT_LOCAL_DIR || undefined,
        chunkSize: int('TESTMO_IMPORT_CHUNK_SIZE', 2_000),
        chunkRunMs: int('TESTMO_IMPORT_CHUNK_RUN_MS', 3_000),
        stagingBatchSize: int('TESTMO_STAGING_BATCH_SIZE', 1_000),
      },
      reindex: {
        // Measured with bench:reindex (README): 5,000-row chunks (one SQL statement each, the
        // next read while this one is written) sent as ~2 MB bulk requests keep Elasticsearch
        // busy; 1,000-row chunks left it idle between chunks. Four requests in flight rather than
        // two: while the worker's thread builds the next chunk's documents it sends nothing, and
        // the requests already queued keep Elasticsearch working through that time (a 100,000-
        // document load 15.0 s against 16.4 s with two, on two cores).
        chunkSize: int('REINDEX_CHUNK_SIZE', 5_000),
        bulkFlushBytes: int('REINDEX_BULK_FLUSH_BYTES', 2_000_000),
        bulkConcurrency: int('REINDEX_BULK_CONCURRENCY', 4),
      },
    };
  } catch (error) {
    if (error instanceof ConfigError || error instanceof TenantConfigError) throw error;
    throw new ConfigError(`Invalid Temporal client configuration: ${(error as Error).message}`);
  }
}
