import { createHash } from 'node:crypto';
import { failure } from '../failures/types';
import type { JobOrigin } from '../jobs/jobInput';
import { describeTenant } from '../jobs/jobInput';
import type { ReindexSettings, TestmoImportSettings } from '../config';
import type { QueueName } from '../jobs/queues';
import type { ExportStore } from '../testmo/exportSource';
import type { EmailLedger } from '../email/ledger';
import type { Mailer } from '../email/mailer';
import type { Logger } from '../logging';
import type { ElasticsearchClients } from '../tenancy/elasticsearch';
import { TenancyError } from '../tenancy/errors';
import type { DatabaseClient, TenantPrismaPool } from '../tenancy/prismaPool';
import type { Pool } from 'pg';
import type { ResolvedTenant, TenantRegistry } from '../tenancy/registry';

/** Everything activities touch, injected so tests can build activities over real test services. */
export interface ActivityDeps {
  tenants: TenantRegistry;
  databases: TenantPrismaPool;
  search: ElasticsearchClients;
  logger: Logger;
  /** Undefined when no SMTP server is configured; email activities then fail saying so. */
  mailer?: Mailer;
  emailLedger: EmailLedger;
  /** Link base for tenants without a baseUrl. */
  defaultBaseUrl: string;
  reindex: ReindexSettings;
  /** Decrypts TestPlanIt's stored integration credentials; undefined when they are stored in clear. */
  encryptionKey?: string;
  testmoExports: ExportStore;
  testmoImport: Pick<TestmoImportSettings, 'chunkSize' | 'chunkRunMs' | 'stagingBatchSize'>;
  /**
   * Adds a job to one of TestPlanIt's BullMQ queues with that queue's default options, as the
   * web app would (the reindex after an import); a job id already present is not added again.
   */
  enqueueJob(queue: QueueName, name: string, data: Record<string, unknown>, jobId: string): Promise<void>;
}

/**
 * Resolves the origin's tenant and runs `work` with its database client. A tenancy error is
 * non-retryable: retrying cannot make an unknown tenant known.
 */
export async function withTenantDatabase<T>(
  deps: ActivityDeps,
  origin: JobOrigin,
  work: (db: DatabaseClient, tenant: ResolvedTenant, pg: Pool) => Promise<T>,
): Promise<T> {
  let tenant: ResolvedTenant;
  try {
    tenant = deps.tenants.resolve(origin.tenantId);
  } catch (error) {
    if (error instanceof TenancyError) {
      deps.logger.warn(
        `${origin.queue} job ${origin.jobId} rejected for tenant ${describeTenant(origin.tenantId)}: ${error.message}`,
      );
      throw failure('TenancyError', error.message);
    }
    throw error;
  }
  return deps.databases.use(tenant, (db, pg) => work(db, tenant, pg));
}

/** A deterministic, cuid-sized row id for a write that must happen once per idempotency key. */
export function stableRowId(prefix: string, idempotencyKey: string): string {
  return prefix + createHash('sha256').update(idempotencyKey).digest('hex').slice(0, 24);
}

/** One log line about a job's work, naming its tenant (text and field) and its job. */
export function logForJob(deps: ActivityDeps, origin: JobOrigin, message: string): void {
  deps.logger.info(`${message} for tenant ${describeTenant(origin.tenantId)}`, {
    tenant: origin.tenantId,
    jobId: origin.jobId,
  });
}
