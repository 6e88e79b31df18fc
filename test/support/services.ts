/** Addresses of the real services scripts/infra.sh runs; overridable for other set-ups. */
export const services = {
  temporalAddress: process.env.TEMPORAL_ADDRESS ?? '127.0.0.1:7233',
  redisUrl: process.env.TPW_TEST_REDIS_URL ?? 'redis://127.0.0.1:6379',
  postgresAdminUrl: process.env.TPW_TEST_PG_URL ?? 'postgresql://testplanit:testplanit@127.0.0.1:5432/postgres',
  elasticsearchNode: process.env.TPW_TEST_ES_NODE ?? 'http://127.0.0.1:9200',
};

/** A short random suffix, so concurrent or repeated runs never share queues, task queues or databases. */
export function uniqueSuffix(): string {
  return Math.random().toString(36).slice(2, 8);
}
