/**
 * The bridge's Prometheus metrics, per queue and tenant. Label values are bounded: queues and job
 * outcomes are fixed lists, and a tenant label is a configured tenant's key, `_default` in
 * single-tenant mode, or `(unknown)` for a job naming no configured tenant, so a flood of forged
 * tenant ids cannot grow the series.
 */
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

/** Why a job failed, as an operator would group it. */
export type FailureReason =
  'invalid_input' | 'unknown_tenant' | 'activity_failure' | 'cancelled' | 'terminated' | 'timed_out' | 'other';

export const UNKNOWN_TENANT_LABEL = '(unknown)';

const DURATION_BUCKETS = [0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300, 1800, 7200];

export class BridgeMetrics {
  readonly registry = new Registry();
  readonly received = new Counter({
    name: 'tpw_jobs_received_total',
    help: 'BullMQ jobs the bridge took from Redis',
    labelNames: ['queue', 'tenant'] as const,
    registers: [this.registry],
  });
  readonly started = new Counter({
    name: 'tpw_jobs_started_total',
    help: 'Jobs whose workflow was started (or attached to)',
    labelNames: ['queue', 'tenant'] as const,
    registers: [this.registry],
  });
  readonly completed = new Counter({
    name: 'tpw_jobs_completed_total',
    help: 'Jobs completed',
    labelNames: ['queue', 'tenant'] as const,
    registers: [this.registry],
  });
  readonly failed = new Counter({
    name: 'tpw_jobs_failed_total',
    help: 'Job attempts failed, by reason class',
    labelNames: ['queue', 'tenant', 'reason'] as const,
    registers: [this.registry],
  });
  readonly running = new Gauge({
    name: 'tpw_jobs_running',
    help: 'Jobs whose workflow runs now',
    labelNames: ['queue', 'tenant'] as const,
    registers: [this.registry],
  });
  readonly admissionWait = new Histogram({
    name: 'tpw_job_admission_wait_seconds',
    help: 'From enqueue to the workflow start (time in Redis and at the fair gate)',
    labelNames: ['queue', 'tenant'] as const,
    buckets: DURATION_BUCKETS,
    registers: [this.registry],
  });
  readonly runDuration = new Histogram({
    name: 'tpw_job_run_seconds',
    help: 'From the workflow start to the job settled',
    labelNames: ['queue', 'tenant'] as const,
    buckets: DURATION_BUCKETS,
    registers: [this.registry],
  });
  readonly depth = new Gauge({
    name: 'tpw_bullmq_jobs',
    help: 'BullMQ jobs by state, per queue and prefix (a tenant prefix names its tenant; the shared prefix is "(shared)")',
    labelNames: ['queue', 'tenant', 'state'] as const,
    registers: [this.registry],
  });

  constructor() {
    collectDefaultMetrics({ register: this.registry, prefix: 'tpw_bridge_' });
  }
}

/** The worker's own metrics next to the Temporal SDK's (served from the SDK's endpoint, see main.ts). */
export class WorkerMetrics {
  readonly registry = new Registry();
  readonly tenantClients = new Gauge({
    name: 'tpw_tenant_db_clients',
    help: 'Tenant Prisma clients open (bounded by TENANT_DB_MAX_CLIENTS)',
    registers: [this.registry],
  });
  readonly tenantConnections = new Gauge({
    name: 'tpw_tenant_db_connections_max',
    help: 'Database connections the open tenant clients may hold at most',
    registers: [this.registry],
  });
  readonly searchClients = new Gauge({
    name: 'tpw_search_clients',
    help: 'Elasticsearch clients open',
    registers: [this.registry],
  });

  /** `processMetrics`: false when a BridgeMetrics in the same process reports them already. */
  constructor(processMetrics = true) {
    if (processMetrics) collectDefaultMetrics({ register: this.registry, prefix: 'tpw_worker_' });
  }
}

/** One job's way through the bridge, counted once per attempt. */
export class JobMeter {
  private startedAt?: number;
  private readonly labels: { queue: string; tenant: string };

  constructor(
    private readonly metrics: BridgeMetrics,
    queue: string,
    tenant: string,
    private readonly enqueuedAt: number,
  ) {
    this.labels = { queue, tenant };
    metrics.received.inc(this.labels);
  }

  /** The workflow started (or was attached to); counted once. */
  started(): void {
    if (this.startedAt !== undefined) return;
    this.startedAt = Date.now();
    this.metrics.started.inc(this.labels);
    this.metrics.running.inc(this.labels);
    this.metrics.admissionWait.observe(this.labels, Math.max(0, this.startedAt - this.enqueuedAt) / 1000);
  }

  completed(): void {
    this.stopRunning();
    this.metrics.completed.inc(this.labels);
  }

  failed(reason: FailureReason): void {
    this.stopRunning();
    this.metrics.failed.inc({ ...this.labels, reason });
  }

  /** Handed back on shutdown: neither completed nor failed. */
  handedBack(): void {
    this.stopRunning();
  }

  private stopRunning(): void {
    if (this.startedAt === undefined) return;
    this.metrics.running.dec(this.labels);
    this.metrics.runDuration.observe(this.labels, (Date.now() - this.startedAt) / 1000);
    this.startedAt = undefined;
  }
}
