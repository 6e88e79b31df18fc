/**
 * Reads tenant configurations exactly as TestPlanIt's workers do (lib/multiTenantPrisma.ts):
 *   1. the JSON file at TENANT_CONFIG_FILE (default /config/tenants.json),
 *   2. the TENANT_CONFIGS env var (same JSON; overrides the file),
 *   3. TENANT_<ID>_DATABASE_URL env vars with _ELASTICSEARCH_NODE, _ELASTICSEARCH_INDEX and
 *      _BASE_URL siblings; id = <ID> lowercased; only added when the id is not already present.
 * A tenant may also have its own BullMQ prefix (`bullmqPrefix`, TENANT_<ID>_BULLMQ_PREFIX): its web
 * app then enqueues under that prefix (TestPlanIt's BULLMQ_PREFIX), and the bridge takes the tenant
 * from the prefix instead of trusting the payload (see bridge/processor.ts).
 * Unlike TestPlanIt, a malformed source is refused with the key that is wrong instead of being
 * skipped with a console error, so a typo cannot silently drop a tenant.
 */
import { z } from 'zod';
import { TenantConfigError } from './errors';

export interface TenantConfig {
  tenantId: string;
  databaseUrl: string;
  elasticsearchNode?: string;
  elasticsearchIndex?: string;
  baseUrl?: string;
  /** The tenant's own BullMQ prefix: jobs there are this tenant's, whatever their payload says. */
  bullmqPrefix?: string;
  /**
   * The Valkey user its web app logs in as, for `npm run acl` only (the workers never use it);
   * the username defaults to `tenant-<id>`.
   */
  valkeyUsername?: string;
  valkeyPassword?: string;
}

export interface TenantSources {
  configFile: string;
  /** True when TENANT_CONFIG_FILE was set, so a missing file is an error rather than "no file". */
  configFileRequired: boolean;
  configsJson?: string;
  env: Readonly<Record<string, string | undefined>>;
}

export interface LoadedTenants {
  tenants: Map<string, TenantConfig>;
  /** One "Loaded N tenant configurations from <source>" line per source that held tenants. */
  summary: string[];
}

/** Lowercase because tenant ids become Elasticsearch index names, which must be lowercase. */
export const TENANT_ID_PATTERN = /^[a-z0-9][a-z0-9_-]{0,62}$/;

const postgresUrl = z.string().regex(/^postgres(ql)?:\/\/.+/, 'must be a postgresql:// connection URL');
/** TestPlanIt's BULLMQ_PREFIX rule; also keeps prefixes apart in Valkey ACL key patterns. */
export const BULLMQ_PREFIX_PATTERN = /^[a-zA-Z0-9_-]+$/;

const httpUrl = z.string().regex(/^https?:\/\/.+/, 'must be an http(s):// URL');

export const tenantEntrySchema = z.object({
  databaseUrl: postgresUrl,
  elasticsearchNode: httpUrl.optional(),
  elasticsearchIndex: z.string().min(1).optional(),
  baseUrl: httpUrl.optional(),
  bullmqPrefix: z.string().regex(BULLMQ_PREFIX_PATTERN, 'must be letters, digits, "-" or "_"').optional(),
  valkeyUsername: z
    .string()
    .regex(/^[a-zA-Z0-9_.@-]+$/, 'must be letters, digits, ".", "@", "-" or "_"')
    .optional(),
  valkeyPassword: z.string().min(1).optional(),
});

function parseTenantEntry(sourceName: string, tenantId: string, raw: unknown): TenantConfig {
  if (!TENANT_ID_PATTERN.test(tenantId)) {
    throw new TenantConfigError(
      `${sourceName}: tenant id "${tenantId}" must be lowercase letters, digits, "-" or "_" (at most 63 characters)`,
    );
  }
  const parsed = tenantEntrySchema.safeParse(raw);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    const field = issue.path.join('.') || '(entry)';
    throw new TenantConfigError(`${sourceName}: tenant "${tenantId}" ${field} ${issue.message}`);
  }
  return { tenantId, ...parsed.data };
}

function parseTenantJson(sourceName: string, json: string): TenantConfig[] {
  let raw: unknown;
  try {
    raw = JSON.parse(json);
  } catch (error) {
    throw new TenantConfigError(`${sourceName}: not valid JSON (${(error as Error).message})`);
  }
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) {
    throw new TenantConfigError(`${sourceName}: must be a JSON object of tenantId -> configuration`);
  }
  return Object.entries(raw).map(([tenantId, entry]) => parseTenantEntry(sourceName, tenantId, entry));
}

const TENANT_ENV_PATTERN = /^TENANT_([A-Z0-9_]+)_DATABASE_URL$/;

function tenantsFromEnv(env: TenantSources['env']): TenantConfig[] {
  const found: TenantConfig[] = [];
  for (const [key, value] of Object.entries(env)) {
    const match = TENANT_ENV_PATTERN.exec(key);
    if (!match || !value) continue;
    const envId = match[1]!;
    found.push(
      parseTenantEntry(key, envId.toLowerCase(), {
        databaseUrl: value,
        elasticsearchNode: env[`TENANT_${envId}_ELASTICSEARCH_NODE`] || undefined,
        elasticsearchIndex: env[`TENANT_${envId}_ELASTICSEARCH_INDEX`] || undefined,
        baseUrl: env[`TENANT_${envId}_BASE_URL`] || undefined,
        bullmqPrefix: env[`TENANT_${envId}_BULLMQ_PREFIX`] || undefined,
        valkeyUsername: env[`TENANT_${envId}_VALKEY_USERNAME`] || undefined,
        valkeyPassword: env[`TENANT_${envId}_VALKEY_PASSWORD`] || undefined,
      }),
    );
  }
  return found;
}

export function loadTenantConfigs(
  sources: TenantSources,
  readFile: (path: string) => string | undefined,
): LoadedTenants {
  const tenants = new Map<string, TenantConfig>();
  const summary: string[] = [];

  const fileContent = readFile(sources.configFile);
  if (fileContent === undefined && sources.configFileRequired) {
    throw new TenantConfigError(`TENANT_CONFIG_FILE: ${sources.configFile} does not exist`);
  }
  if (fileContent !== undefined) {
    const fromFile = parseTenantJson(`TENANT_CONFIG_FILE (${sources.configFile})`, fileContent);
    for (const tenant of fromFile) tenants.set(tenant.tenantId, tenant);
    summary.push(`Loaded ${fromFile.length} tenant configurations from ${sources.configFile}`);
  }

  if (sources.configsJson) {
    const fromJson = parseTenantJson('TENANT_CONFIGS', sources.configsJson);
    for (const tenant of fromJson) tenants.set(tenant.tenantId, tenant);
    summary.push(`Loaded ${fromJson.length} tenant configurations from TENANT_CONFIGS env var`);
  }

  const fromEnv = tenantsFromEnv(sources.env).filter((tenant) => !tenants.has(tenant.tenantId));
  for (const tenant of fromEnv) tenants.set(tenant.tenantId, tenant);
  if (fromEnv.length > 0) {
    summary.push(`Loaded ${fromEnv.length} tenant configurations from TENANT_<ID>_DATABASE_URL env vars`);
  }

  const owners = new Map<string, string>();
  for (const tenant of tenants.values()) {
    if (!tenant.bullmqPrefix) continue;
    const owner = owners.get(tenant.bullmqPrefix);
    if (owner) {
      throw new TenantConfigError(
        `tenants "${owner}" and "${tenant.tenantId}" have the same bullmqPrefix "${tenant.bullmqPrefix}"; each tenant needs its own`,
      );
    }
    owners.set(tenant.bullmqPrefix, tenant.tenantId);
  }

  return { tenants, summary };
}
