// Prisma CLI configuration. The JS engine and the pg driver adapter let `prisma generate`,
// `migrate diff` and `db execute` run without downloading Prisma's Rust engines.
import { PrismaPg } from '@prisma/adapter-pg';
import { defineConfig } from 'prisma/config';

const connectionString = process.env.DATABASE_URL ?? 'postgresql://testplanit:testplanit@127.0.0.1:5432/postgres';

export default defineConfig({
  schema: 'prisma/schema.prisma',
  experimental: { adapter: true },
  engine: 'js',
  adapter: async () => new PrismaPg({ connectionString }),
});
