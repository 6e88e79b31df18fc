/**
 * Answers "which database, search cluster and base URL serve this job?" for both of
 * TestPlanIt's deployment modes. In multi-tenant mode an unknown tenant triggers one reload of
 * the sources (rate-limited), so a tenant added to the config file is served without a restart.
 */
import * as fs from 'node:fs';
import { SINGLE_TENANT_KEY } from '../jobs/ids';
import type { Logger } from '../logging';
import { MISSING_TENANT_MESSAGE, TenancyError, unknownTenantMessage } from './errors';
import { loadTenantConfigs, type TenantConfig, type TenantSources } from './tenantConfig';

/** The key a single-tenant deployment uses where a tenant id is needed (caches, workflow ids). */

export interface ResolvedTenant {
  /** The tenant id; undefined in single-tenant mode. */
  tenantId?: string;
  /** tenantId, or SINGLE_TENANT_KEY: never collides because tenant ids cannot start with "_". */
  key: string;
  databaseUrl: string;
  elasticsearchNode?: string;
  baseUrl?: string;
  /** The tenant's own BullMQ prefix, when it has one (tenant-bound mode). */
  bullmqPrefix?: string;
}

export type TenancySettings =
  | { mode: 'multi'; sources: TenantSources; reloadMinIntervalMs: number }
  | { mode: 'single'; databaseUrl: string; elasticsearchNode?: string; baseUrl?: string };

export function readFileIfExists(path: string): string | undefined {
  try {
    return fs.readFileSync(path, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
}

/** Compares configurations without keeping their secrets in a second place. */
function fingerprint(tenants: Map<string, TenantConfig>): string {
  return JSON.stringify([...tenants.values()].map((tenant) => Object.entries(tenant).sort()).sort());
}

export class TenantRegistry {
  private tenants = new Map<string, TenantConfig>();
  private lastReload = 0;
  private loaded = false;

  constructor(
    private readonly settings: TenancySettings,
    private readonly logger: Logger,
    private readonly readFile: (path: string) => string | undefined = readFileIfExists,
    private readonly now: () => number = Date.now,
  ) {
    if (settings.mode === 'multi') this.load();
  }

  get multiTenant(): boolean {
    return this.settings.mode === 'multi';
  }

  tenantIds(): string[] {
    return [...this.tenants.keys()];
  }

  /** Resolves a job's tenantId (any JSON value) or throws a TenancyError with TestPlanIt's text. */
  resolve(tenantId: unknown): ResolvedTenant {
    const settings = this.settings;
    if (settings.mode === 'single') {
      return {
        key: SINGLE_TENANT_KEY,
        databaseUrl: settings.databaseUrl,
        elasticsearchNode: settings.elasticsearchNode,
        baseUrl: settings.baseUrl,
      };
    }
    if (typeof tenantId !== 'string' || tenantId === '') throw new TenancyError(MISSING_TENANT_MESSAGE);
    let config = this.tenants.get(tenantId);
    if (!config && this.now() - this.lastReload >= settings.reloadMinIntervalMs) {
      this.reload();
      config = this.tenants.get(tenantId);
    }
    if (!config) throw new TenancyError(unknownTenantMessage(tenantId));
    return {
      tenantId,
      key: tenantId,
      databaseUrl: config.databaseUrl,
      elasticsearchNode: config.elasticsearchNode,
      baseUrl: config.baseUrl,
      bullmqPrefix: config.bullmqPrefix,
    };
  }

  /** Whether `tenantId` is a configured tenant (no reload: for labels, not for routing). */
  knows(tenantId: string): boolean {
    return this.tenants.has(tenantId);
  }

  /** The configurations as loaded, credentials included: for `npm run acl`, never for jobs. */
  configurations(): TenantConfig[] {
    return [...this.tenants.values()];
  }

  /** The tenants that enqueue under their own BullMQ prefix. */
  boundPrefixes(): Array<{ tenantId: string; prefix: string }> {
    return [...this.tenants.values()].flatMap((tenant) =>
      tenant.bullmqPrefix ? [{ tenantId: tenant.tenantId, prefix: tenant.bullmqPrefix }] : [],
    );
  }

  /** Re-reads the sources; a broken file at reload keeps the tenants already known. */
  reload(): void {
    try {
      this.load();
    } catch (error) {
      this.lastReload = this.now();
      this.logger.error(`Tenant configuration reload failed, keeping ${this.tenants.size} known tenants`, {
        error: (error as Error).message,
      });
    }
  }

  private load(): void {
    if (this.settings.mode !== 'multi') return;
    this.lastReload = this.now();
    const loaded = loadTenantConfigs(this.settings.sources, this.readFile);
    const changed = fingerprint(loaded.tenants) !== fingerprint(this.tenants);
    this.tenants = loaded.tenants;
    // Periodic reloads stay quiet unless something changed.
    if (!changed && this.loaded) return;
    this.loaded = true;
    for (const line of loaded.summary) this.logger.info(line);
    if (this.tenants.size === 0)
      this.logger.warn('No tenant configurations found; every job will fail until one is added');
  }
}
