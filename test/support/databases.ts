/**
 * Creates tenant databases with the TestPlanIt-compatible schema: the SQL migrations under
 * prisma/migrations (made with `prisma migrate diff`) applied in order.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { Client } from 'pg';
import { services } from './services';

const MIGRATIONS_DIR = path.resolve(__dirname, '../../prisma/migrations');

export function databaseUrl(name: string, adminUrl = services.postgresAdminUrl): string {
  const url = new URL(adminUrl);
  url.pathname = `/${name}`;
  return url.toString();
}

export async function withAdmin<T>(
  work: (client: Client) => Promise<T>,
  adminUrl = services.postgresAdminUrl,
): Promise<T> {
  const client = new Client({ connectionString: adminUrl });
  await client.connect();
  try {
    return await work(client);
  } finally {
    await client.end();
  }
}

/** Applies the migrations not applied yet, recording each in `_tpw_migrations`. */
export async function applyMigrations(url: string): Promise<void> {
  const migrations = fs
    .readdirSync(MIGRATIONS_DIR, { withFileTypes: true })
    .filter((entry) => entry.isDirectory())
    .map((entry) => entry.name)
    .sort();
  const client = new Client({ connectionString: url });
  await client.connect();
  try {
    await client.query(
      `CREATE TABLE IF NOT EXISTS "_tpw_migrations" (name text PRIMARY KEY, applied_at timestamptz NOT NULL DEFAULT now())`,
    );
    const applied = new Set(
      (await client.query<{ name: string }>(`SELECT name FROM "_tpw_migrations"`)).rows.map((r) => r.name),
    );
    for (const migration of migrations.filter((m) => !applied.has(m))) {
      await client.query('BEGIN');
      await client.query(fs.readFileSync(path.join(MIGRATIONS_DIR, migration, 'migration.sql'), 'utf8'));
      await client.query(`INSERT INTO "_tpw_migrations" (name) VALUES ($1)`, [migration]);
      await client.query('COMMIT');
    }
  } finally {
    await client.end();
  }
}

/** Drops and recreates database `name` with the schema; returns its URL. */
export async function createTenantDatabase(name: string): Promise<string> {
  await withAdmin(async (admin) => {
    await admin.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
    await admin.query(`CREATE DATABASE "${name}"`);
  });
  const url = databaseUrl(name);
  await applyMigrations(url);
  return url;
}

export async function dropDatabase(name: string): Promise<void> {
  await withAdmin((admin) => admin.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`));
}

/** Runs one query against a database and closes the connection. */
export async function query<T extends Record<string, unknown>>(
  url: string,
  sql: string,
  params: unknown[] = [],
): Promise<T[]> {
  const client = new Client({ connectionString: url });
  await client.connect();
  try {
    return (await client.query<T>(sql, params)).rows;
  } finally {
    await client.end();
  }
}

/**
 * The lookup rows every case, run, session and milestone points at, each getting id 1 in a fresh
 * database: a color, an icon, a workflow state, a template and a milestone type.
 */
export async function seedLookups(url: string): Promise<void> {
  await query(url, `INSERT INTO "ColorFamily" (name, "order") VALUES ('Gray', 0) ON CONFLICT DO NOTHING`);
  await query(
    url,
    `INSERT INTO "Color" ("colorFamilyId", value, "order") VALUES (1, '#6b7280', 0) ON CONFLICT DO NOTHING`,
  );
  await query(url, `INSERT INTO "FieldIcon" (name) VALUES ('circle') ON CONFLICT DO NOTHING`);
  await query(
    url,
    `INSERT INTO "Workflows" (name, "iconId", "colorId", "isDefault", "workflowType", scope)
     SELECT 'New', 1, 1, true, 'NOT_STARTED', 'CASES' WHERE NOT EXISTS (SELECT 1 FROM "Workflows")`,
  );
  await query(
    url,
    `INSERT INTO "Templates" ("templateName", "isEnabled", "isDefault") VALUES ('Default', true, true) ON CONFLICT DO NOTHING`,
  );
  await query(
    url,
    `INSERT INTO "MilestoneTypes" (name, "iconId", "isDefault") VALUES ('Release', 1, true) ON CONFLICT DO NOTHING`,
  );
}

/**
 * Seeds the rows audit events, projects and cases refer to: the lookups, a role, a user and
 * `projects` projects, each with a repository and a root folder (project 1's both get id 1).
 */
export async function seedBasics(url: string, projects = 1): Promise<{ userId: string; projectIds: number[] }> {
  await seedLookups(url);
  const userId = 'user-admin';
  await query(url, `INSERT INTO "Roles" (id, name) VALUES (1, 'user') ON CONFLICT DO NOTHING`);
  await query(
    url,
    `INSERT INTO "User" (id, name, email, password, "updatedAt") VALUES ($1, 'Admin', 'admin@example.test', 'x', now())
     ON CONFLICT DO NOTHING`,
    [userId],
  );
  const projectIds: number[] = [];
  for (let i = 1; i <= projects; i += 1) {
    const [row] = await query<{ id: number }>(
      url,
      `INSERT INTO "Projects" (name, "createdBy") VALUES ($1, $2) RETURNING id`,
      [`Project ${i}`, userId],
    );
    projectIds.push(row!.id);
    const [repository] = await query<{ id: number }>(
      url,
      `INSERT INTO "Repositories" ("projectId") VALUES ($1) RETURNING id`,
      [row!.id],
    );
    await query(
      url,
      `INSERT INTO "RepositoryFolders" ("projectId", "repositoryId", name, "creatorId") VALUES ($1, $2, 'Root', $3)`,
      [row!.id, repository!.id, userId],
    );
  }
  return { userId, projectIds };
}

export interface SeedUser {
  id: string;
  email: string;
  name?: string;
  mode?: string;
  locale?: string;
  /** An IANA zone, as TestPlanIt stores it (its default is Etc/UTC). */
  timezone?: string;
}

/** A user with preferences (notificationMode, locale, timezone), as TestPlanIt stores them. */
export async function seedUser(url: string, user: SeedUser): Promise<void> {
  await query(url, `INSERT INTO "Roles" (id, name) VALUES (1, 'user') ON CONFLICT DO NOTHING`);
  await query(url, `INSERT INTO "User" (id, name, email, password, "updatedAt") VALUES ($1, $2, $3, 'x', now())`, [
    user.id,
    user.name ?? user.id,
    user.email,
  ]);
  await query(
    url,
    `INSERT INTO "UserPreferences" (id, "userId", "notificationMode", locale, timezone) VALUES ($1, $2, $3::"NotificationMode", $4::"Locale", $5)`,
    [`pref-${user.id}`, user.id, user.mode ?? 'USE_GLOBAL', user.locale ?? 'en_US', user.timezone ?? 'Etc/UTC'],
  );
}

export async function insertNotification(
  url: string,
  n: { id: string; userId: string; title: string; type?: string; isRead?: boolean; createdAt?: Date; data?: unknown },
): Promise<void> {
  await query(
    url,
    `INSERT INTO "Notification" (id, "userId", type, title, message, data, "isRead", "createdAt", "updatedAt")
     VALUES ($1, $2, $3::"NotificationType", $4, $5, $6, $7, $8, now())`,
    [
      n.id,
      n.userId,
      n.type ?? 'WORK_ASSIGNED',
      n.title,
      `${n.title} message`,
      JSON.stringify(n.data ?? {}),
      n.isRead ?? false,
      n.createdAt ?? new Date(),
    ],
  );
}
