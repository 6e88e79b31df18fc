/**
 * `npm run acl`: the Valkey ACL users of tenant-bound mode, from the same configuration the
 * bridge reads.
 *   npm run acl                  prints one `ACL SETUSER` line per user (passwords as SHA-256 only)
 *   npm run acl -- --apply       applies them, logged in as VALKEY_ADMIN_URL
 * Each tenant with a bullmqPrefix gets a user (valkeyUsername, default `tenant-<id>`, and
 * valkeyPassword, or TENANT_<ID>_VALKEY_USERNAME / _PASSWORD) limited to its own prefix: what its
 * web app needs to enqueue and for the admin page's list, retry and remove. The bridge and worker
 * user is the one in VALKEY_URL, limited to every tenant's prefix, the shared BULLMQ_PREFIX (when
 * consumed) and the project's own keys.
 */
import { parseArgs } from 'node:util';
import { Redis } from 'ioredis';
import { loadConfig, valkeyUrl } from '../config';
import { OWN_KEY_NAMESPACE } from '../jobs/ids';
import { createLogger } from '../logging';
import { redactCredentials } from '../redaction';
import { TenantRegistry } from './registry';
import { aclSetUserCommands, describeAclCommands, type AclPlan } from './valkeyAcl';

function plan(): AclPlan {
  const config = loadConfig();
  const logger = createLogger('acl', 'warn');
  const registry = new TenantRegistry(config.tenancy, logger);
  const bound = registry.configurations().filter((tenant) => tenant.bullmqPrefix);
  if (bound.length === 0)
    throw new Error(
      'No tenant has a bullmqPrefix: tenant-bound mode is not configured, so there are no tenant users to create',
    );
  const missing = bound.filter((tenant) => !tenant.valkeyPassword).map((tenant) => tenant.tenantId);
  if (missing.length > 0) {
    throw new Error(`No valkeyPassword (TENANT_<ID>_VALKEY_PASSWORD) for tenants: ${missing.join(', ')}`);
  }
  const bridgeUrl = new URL(config.redis.url);
  const username = decodeURIComponent(bridgeUrl.username);
  const password = decodeURIComponent(bridgeUrl.password);
  if (!username || !password) {
    throw new Error(
      `VALKEY_URL (${redactCredentials(config.redis.url)}) must name the bridge's user and password, e.g. redis://bridge:<password>@host:6379`,
    );
  }
  return {
    tenants: bound.map((tenant) => ({
      tenantId: tenant.tenantId,
      bullmqPrefix: tenant.bullmqPrefix!,
      username: tenant.valkeyUsername ?? `tenant-${tenant.tenantId}`,
      password: tenant.valkeyPassword!,
    })),
    bridge: {
      username,
      password,
      prefixes: [
        ...(config.bridge.consumeSharedPrefix ? [config.redis.prefix] : []),
        ...bound.map((tenant) => tenant.bullmqPrefix!),
      ],
      namespaces: [OWN_KEY_NAMESPACE],
    },
  };
}

async function main(): Promise<void> {
  const { values } = parseArgs({ options: { apply: { type: 'boolean', default: false } } });
  const commands = aclSetUserCommands(plan());
  console.log(describeAclCommands(commands));
  if (!values.apply) return;
  const adminUrl = process.env.VALKEY_ADMIN_URL;
  if (!adminUrl) throw new Error('--apply needs VALKEY_ADMIN_URL: a user allowed to run ACL SETUSER');
  const admin = new Redis(valkeyUrl('VALKEY_ADMIN_URL', adminUrl), {
    lazyConnect: true,
    maxRetriesPerRequest: 1,
    retryStrategy: () => null,
  });
  try {
    await admin.connect();
    for (const args of commands) await admin.call('ACL', 'SETUSER', ...args);
    console.log(`Applied ${commands.length} ACL users on ${redactCredentials(adminUrl)}`);
    // Users set at run time last until the server restarts, unless it keeps them in an aclfile.
    const saved = await admin.call('ACL', 'SAVE').then(
      () => true,
      () => false,
    );
    console.log(
      saved
        ? "Saved to the server's aclfile"
        : 'The server has no aclfile: apply again after it restarts, or configure one',
    );
  } finally {
    admin.disconnect();
  }
}

main().catch((error: unknown) => {
  console.error((error as Error).message);
  process.exit(1);
});
