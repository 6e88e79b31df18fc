/**
 * Sends one email at most once per idempotency key (see email/ledger.ts) and turns SMTP outcomes
 * into Temporal failures: 4xx and connection problems are retried with backoff, 5xx rejections
 * and a missing address fail that email for good, with the reason.
 */
import { failure } from '../failures/types';
import type { OutgoingEmail } from '../email/mailer';
import { smtpResponseCode } from '../email/mailer';
import type { RenderedEmail } from '../email/templates';
import type { ResolvedTenant } from '../tenancy/registry';
import type { ActivityDeps } from './deps';

export type DeliveryOutcome = 'sent' | 'already-sent';

export function messageIdFor(tenantKey: string, idempotencyKey: string): string {
  const safe = `${tenantKey}.${idempotencyKey}`.replace(/[^A-Za-z0-9.-]/g, '-');
  return `<${safe}@testplanit-workers>`;
}

export async function deliverOnce(
  deps: ActivityDeps,
  tenant: ResolvedTenant,
  idempotencyKey: string,
  recipient: { userId: string; email: string | null | undefined },
  rendered: RenderedEmail,
): Promise<DeliveryOutcome> {
  const to = recipient.email?.trim();
  if (!deps.mailer) {
    throw failure('EmailNotConfigured', 'Email is not configured: set EMAIL_SERVER_HOST and EMAIL_FROM');
  }
  if (!to) throw failure('MissingEmailAddress', `User ${recipient.userId} has no email address`);
  if (await deps.emailLedger.wasSent(tenant.key, idempotencyKey)) return 'already-sent';

  const email: OutgoingEmail = { to, ...rendered, messageId: messageIdFor(tenant.key, idempotencyKey) };
  try {
    await deps.mailer.send(email);
  } catch (error) {
    const code = smtpResponseCode(error);
    const reason = (error as { response?: string }).response ?? (error as Error).message;
    if (code !== undefined && code >= 500) {
      throw failure('SmtpPermanentError', `SMTP server rejected email to ${to}: ${reason}`);
    }
    throw failure('SmtpTransientError', `SMTP delivery to ${to} failed: ${reason}`);
  }
  await deps.emailLedger.recordSent(tenant.key, idempotencyKey, email.messageId);
  return 'sent';
}
