/**
 * Elasticsearch access per tenant: one client per cluster node (tenants on the same cluster
 * share it) and TestPlanIt's index names, `testplanit-<tenantId>-<entity>`, or
 * `testplanit-<entity>` in single-tenant mode.
 */
import { Client } from '@elastic/elasticsearch';
import type { ResolvedTenant } from './registry';

export const ENTITY_INDEX_BASES = [
  'repository-cases',
  'shared-steps',
  'test-runs',
  'sessions',
  'projects',
  'issues',
  'milestones',
] as const;
export type EntityIndexBase = (typeof ENTITY_INDEX_BASES)[number];

export function entityIndexName(base: EntityIndexBase, tenantId?: string): string {
  return tenantId ? `testplanit-${tenantId}-${base}` : `testplanit-${base}`;
}

export class ElasticsearchClients {
  private readonly clients = new Map<string, Client>();

  /** Clients open, one per distinct node. */
  get size(): number {
    return this.clients.size;
  }

  constructor(private readonly defaultNode?: string) {}

  /** The tenant's client, or undefined when neither the tenant nor the deployment names a node. */
  forTenant(tenant: ResolvedTenant): Client | undefined {
    const node = tenant.elasticsearchNode ?? this.defaultNode;
    if (!node) return undefined;
    let client = this.clients.get(node);
    if (!client) {
      client = new Client({ node, maxRetries: 3, requestTimeout: 30_000 });
      this.clients.set(node, client);
    }
    return client;
  }

  async close(): Promise<void> {
    await Promise.all([...this.clients.values()].map((client) => client.close()));
    this.clients.clear();
  }
}
