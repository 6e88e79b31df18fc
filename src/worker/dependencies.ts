/** Builds the activities' dependencies from the configuration, and closes them again. */
import type { ActivityDeps } from '../activities';
import type { AppConfig } from '../config';
import { EmailLedger } from '../email/ledger';
import { createSmtpMailer } from '../email/mailer';
import type { Logger } from '../logging';
import { createRedisConnection } from '../redis';
import { ElasticsearchClients } from '../tenancy/elasticsearch';
import { TenantPrismaPool } from '../tenancy/prismaPool';
import type { TenantRegistry } from '../tenancy/registry';

export function createActivityDeps(
  config: AppConfig,
  tenants: TenantRegistry,
  logger: Logger,
): { deps: ActivityDeps; close: () => Promise<void> } {
  const redis = createRedisConnection(config.redis.url);
  const mailer = config.email ? createSmtpMailer(config.email) : undefined;
  const databases = new TenantPrismaPool(config.database, logger.child('db'));
  const search = new ElasticsearchClients(config.elasticsearchNode);
  return {
    deps: {
      tenants,
      databases,
      search,
      logger,
      mailer,
      emailLedger: new EmailLedger(redis),
      defaultBaseUrl: config.defaultBaseUrl,
      reindex: config.reindex,
      encryptionKey: config.encryptionKey,
    },
    async close() {
      mailer?.close();
      await databases.close();
      await search.close();
      await redis.quit().catch(() => redis.disconnect());
    },
  };
}
