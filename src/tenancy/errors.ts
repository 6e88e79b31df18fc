/**
 * A job that names no tenant, or one that is not configured, can never succeed by retrying:
 * these errors are turned into non-retryable failures by the bridge and by activities.
 */
export class TenancyError extends Error {
  override readonly name = 'TenancyError';
}

/** Refuses a bad tenant configuration at start, naming the key that is wrong. */
export class TenantConfigError extends Error {
  override readonly name = 'TenantConfigError';
}

export const MISSING_TENANT_MESSAGE = 'tenantId is required in multi-tenant mode';

export function unknownTenantMessage(tenantId: string): string {
  return `No configuration found for tenant: ${tenantId}`;
}
