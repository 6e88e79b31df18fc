import { ApplicationFailure } from '@temporalio/common';
import type { JobOrigin } from '../jobs/jobInput';
import { describeTenant } from '../jobs/jobInput';
import type { Logger } from '../logging';
import type { ElasticsearchClients } from '../tenancy/elasticsearch';
import { TenancyError } from '../tenancy/errors';
import type { DatabaseClient, TenantPrismaPool } from '../tenancy/prismaPool';
import type { ResolvedTenant, TenantRegistry } from '../tenancy/registry';

/** Everything activities touch, injected so tests can build activities over real test services. */
export interface ActivityDeps {
  tenants: TenantRegistry;
  databases: TenantPrismaPool;
  search: ElasticsearchClients;
  logger: Logger;
}

/**
 * Resolves the origin's tenant and runs `work` with its database client. A tenancy error is
 * non-retryable: retrying cannot make an unknown tenant known.
 */
export async function withTenantDatabase<T>(
  deps: ActivityDeps,
  origin: JobOrigin,
  work: (db: DatabaseClient, tenant: ResolvedTenant) => Promise<T>,
): Promise<T> {
  let tenant: ResolvedTenant;
  try {
    tenant = deps.tenants.resolve(origin.tenantId);
  } catch (error) {
    if (error instanceof TenancyError) {
      deps.logger.warn(`${origin.queue} job ${origin.jobId} rejected for tenant ${describeTenant(origin.tenantId)}: ${error.message}`);
      throw ApplicationFailure.nonRetryable(error.message, 'TenancyError');
    }
    throw error;
  }
  return deps.databases.use(tenant, (db) => work(db, tenant));
}
