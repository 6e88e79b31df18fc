/**
 * Notification and email activities: TestPlanIt's notification and email workers' effects
 * (contract section 4), with emails sent once per notification or digest.
 */
import type { NotificationMode, Prisma } from '@prisma/client';
import { failure } from '../failures/types';
import { notificationContent } from '../email/content';
import { notificationsPageUrl, notificationUrl } from '../email/links';
import { emailLocale } from '../email/messages';
import { renderDigestEmail, renderNotificationEmail, type DigestItem } from '../email/templates';
import type { JobOrigin, JobWorkflowInput } from '../jobs/jobInput';
import type {
  CreateNotificationPayload,
  ProcessUserNotificationsPayload,
  SendDigestEmailPayload,
} from '../jobs/payloads';
import type { DatabaseClient } from '../tenancy/prismaPool';
import type { ResolvedTenant } from '../tenancy/registry';
import { logForJob, stableRowId, withTenantDatabase, type ActivityDeps } from './deps';
import { deliverOnce, type DeliveryOutcome } from './emailDelivery';

const DEFAULT_LOCALE = 'en_US';

/**
 * A create-notification job's Notification id, derived from the job's idempotency key: a retried
 * or redelivered activity inserts the same row at most once (createMany with skipDuplicates).
 */
export function notificationIdFor(idempotencyKey: string): string {
  return stableRowId('n', idempotencyKey);
}

async function globalDefaultMode(db: DatabaseClient): Promise<NotificationMode> {
  const settings = await db.appConfig.findUnique({ where: { key: 'notificationSettings' } });
  const mode = (settings?.value as { defaultMode?: NotificationMode } | null)?.defaultMode;
  return mode ?? 'IN_APP';
}

/** The user's mode; USE_GLOBAL (the default) defers to AppConfig notificationSettings.defaultMode, else IN_APP. */
export async function resolveNotificationMode(db: DatabaseClient, userId: string): Promise<NotificationMode> {
  const preferences = await db.userPreferences.findUnique({ where: { userId }, select: { notificationMode: true } });
  const mode = preferences?.notificationMode ?? 'USE_GLOBAL';
  return mode === 'USE_GLOBAL' ? globalDefaultMode(db) : mode;
}

function baseUrlOf(deps: ActivityDeps, tenant: ResolvedTenant): string {
  return tenant.baseUrl ?? deps.defaultBaseUrl;
}

function pageLinks(deps: ActivityDeps, tenant: ResolvedTenant, locale: string) {
  const base = baseUrlOf(deps, tenant).replace(/\/+$/, '');
  return {
    notificationsUrl: notificationsPageUrl(base, locale),
    preferencesUrl: `${base}/${locale.replace('_', '-')}/users/profile`,
  };
}

/** A digest lists text only: an announcement's HTML stays for its own email. */
function pick({ title, message }: { title: string; message: string }) {
  return { title, message };
}

export interface CreatedNotification {
  mode: NotificationMode;
  notificationId?: string;
}

export interface DigestRun {
  origin: JobOrigin;
  /** Notifications created at or after this instant (ISO) are included. */
  since: string;
}

export interface DigestOutcome {
  userId: string;
  outcome: DeliveryOutcome | 'nothing-to-send';
  notifications: number;
}

export function createNotificationActivities(deps: ActivityDeps) {
  async function sendDigest(
    db: DatabaseClient,
    tenant: ResolvedTenant,
    userId: string,
    items: Array<DigestItem & { id: string }>,
    idempotencyKey: string,
  ): Promise<DeliveryOutcome> {
    const user = await db.user.findUnique({ where: { id: userId }, include: { userPreferences: true } });
    if (!user) throw failure('UserNotFound', `User ${userId} not found`);
    const locale = user.userPreferences?.locale ?? DEFAULT_LOCALE;
    const rendered = renderDigestEmail({
      userName: user.name,
      locale: emailLocale(locale),
      timeZone: user.userPreferences?.timezone,
      notifications: items,
      ...pageLinks(deps, tenant, locale),
    });
    const outcome = await deliverOnce(deps, tenant, idempotencyKey, { userId, email: user.email }, rendered);
    // Marked read only once the server accepted the digest (or had accepted it before a crash).
    await db.notification.updateMany({
      where: { id: { in: items.map((item) => item.id) }, userId },
      data: { isRead: true },
    });
    return outcome;
  }

  return {
    /** `create-notification`: the row (unless the mode is NONE), written once per job. */
    async createNotification({
      origin,
      payload,
    }: JobWorkflowInput<CreateNotificationPayload>): Promise<CreatedNotification> {
      return withTenantDatabase(deps, origin, async (db) => {
        const mode = await resolveNotificationMode(db, payload.userId);
        if (mode === 'NONE') {
          logForJob(deps, origin, `Skipping notification for user ${payload.userId}: notifications disabled`);
          return { mode };
        }
        const id = notificationIdFor(origin.idempotencyKey);
        await db.notification.createMany({
          data: [
            {
              id,
              userId: payload.userId,
              type: payload.type,
              title: payload.title,
              message: payload.message,
              relatedEntityId: payload.relatedEntityId,
              relatedEntityType: payload.relatedEntityType,
              data: payload.data as Prisma.InputJsonValue | undefined,
            },
          ],
          skipDuplicates: true,
        });
        logForJob(deps, origin, `Created notification ${id} for user ${payload.userId} with mode ${mode}`);
        return { mode, notificationId: id };
      });
    },

    /** `send-notification-email` (and the immediate mode of create-notification). */
    async sendNotificationEmail({
      origin,
      notificationId,
    }: {
      origin: JobOrigin;
      notificationId: string;
    }): Promise<DeliveryOutcome> {
      return withTenantDatabase(deps, origin, async (db, tenant) => {
        const notification = await db.notification.findUnique({
          where: { id: notificationId },
          include: { user: { include: { userPreferences: true } } },
        });
        if (!notification) {
          throw failure('NotificationNotFound', `Notification ${notificationId} not found`);
        }
        const locale = notification.user.userPreferences?.locale ?? DEFAULT_LOCALE;
        const content = notificationContent(notification, emailLocale(locale));
        const url = notificationUrl({
          type: notification.type,
          data: (notification.data ?? {}) as Record<string, unknown>,
          baseUrl: baseUrlOf(deps, tenant),
          locale,
        });
        const rendered = renderNotificationEmail({
          userName: notification.user.name,
          locale: emailLocale(locale),
          url,
          ...content,
          ...pageLinks(deps, tenant, locale),
        });
        const outcome = await deliverOnce(
          deps,
          tenant,
          `notification:${notificationId}`,
          { userId: notification.userId, email: notification.user.email },
          rendered,
        );
        logForJob(deps, origin, `Notification email ${notificationId} to user ${notification.userId}: ${outcome}`);
        return outcome;
      });
    },

    /** `process-user-notifications`: TestPlanIt only counts the unread notifications. */
    async countUnreadNotifications({
      origin,
      payload,
    }: JobWorkflowInput<ProcessUserNotificationsPayload>): Promise<number> {
      return withTenantDatabase(deps, origin, async (db) => {
        const count = await db.notification.count({
          where: { userId: payload.userId, isRead: false, isDeleted: false },
        });
        logForJob(deps, origin, `User ${payload.userId} has ${count} unread notifications`);
        return count;
      });
    },

    /** A page of users who get a daily digest, ordered by user id (keyset pagination). */
    async listDigestRecipients({
      origin,
      afterUserId,
      limit,
    }: {
      origin: JobOrigin;
      afterUserId?: string;
      limit: number;
    }): Promise<string[]> {
      return withTenantDatabase(deps, origin, async (db) => {
        const daily = (await globalDefaultMode(db)) === 'IN_APP_EMAIL_DAILY';
        const modes: NotificationMode[] = daily ? ['IN_APP_EMAIL_DAILY', 'USE_GLOBAL'] : ['IN_APP_EMAIL_DAILY'];
        const rows = await db.userPreferences.findMany({
          where: { notificationMode: { in: modes }, ...(afterUserId ? { userId: { gt: afterUserId } } : {}) },
          orderBy: { userId: 'asc' },
          take: limit,
          select: { userId: true },
        });
        return rows.map((row) => row.userId);
      });
    },

    /** One user's digest: unread, undeleted notifications since `since`; sent once per run and user. */
    async sendUserDigest({ origin, since, userId }: DigestRun & { userId: string }): Promise<DigestOutcome> {
      return withTenantDatabase(deps, origin, async (db, tenant) => {
        const notifications = await db.notification.findMany({
          where: { userId, isRead: false, isDeleted: false, createdAt: { gte: new Date(since) } },
          orderBy: { createdAt: 'desc' },
        });
        if (notifications.length === 0) return { userId, outcome: 'nothing-to-send', notifications: 0 };
        const user = await db.user.findUnique({ where: { id: userId }, include: { userPreferences: true } });
        const locale = user?.userPreferences?.locale ?? DEFAULT_LOCALE;
        // Each item in the user's language, as its own email would have been (the stored title and
        // message are the web app's, in whichever language it wrote them).
        const items = notifications.map((n) => ({
          id: n.id,
          ...pick(notificationContent(n, emailLocale(locale))),
          createdAt: n.createdAt.toISOString(),
          url: notificationUrl({
            type: n.type,
            data: (n.data ?? {}) as Record<string, unknown>,
            baseUrl: baseUrlOf(deps, tenant),
            locale,
          }),
        }));
        const outcome = await sendDigest(db, tenant, userId, items, `digest:${origin.idempotencyKey}:${userId}`);
        logForJob(deps, origin, `Daily digest with ${items.length} notifications to user ${userId}: ${outcome}`);
        return { userId, outcome, notifications: items.length };
      });
    },

    /** `send-digest-email` from older web apps: the notifications come in the payload. */
    async sendDigestEmail({ origin, payload }: JobWorkflowInput<SendDigestEmailPayload>): Promise<DeliveryOutcome> {
      return withTenantDatabase(deps, origin, async (db, tenant) => {
        const outcome = await sendDigest(
          db,
          tenant,
          payload.userId,
          payload.notifications,
          `digest-job:${origin.idempotencyKey}`,
        );
        logForJob(
          deps,
          origin,
          `Digest email with ${payload.notifications.length} notifications to user ${payload.userId}: ${outcome}`,
        );
        return outcome;
      });
    },
  };
}

export type NotificationActivities = ReturnType<typeof createNotificationActivities>;
