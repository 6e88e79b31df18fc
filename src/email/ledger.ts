/**
 * Remembers which emails were accepted by the SMTP server, per tenant and idempotency key, in
 * Valkey/Redis (shared by all workers, kept 60 days). An activity checks it before sending and
 * records right after the server accepted, so a retry after a timeout or a crash does not send
 * again. The one window left, a crash between the server's "250 OK" and the record, resends
 * with the same Message-ID, which mail clients collapse.
 */
import type { Redis } from 'ioredis';
import { emailSentKey } from '../jobs/ids';

const RETENTION_SECONDS = 60 * 24 * 60 * 60;

export class EmailLedger {
  constructor(private readonly redis: Redis) {}

  async wasSent(tenantKey: string, idempotencyKey: string): Promise<boolean> {
    return (await this.redis.exists(emailSentKey(tenantKey, idempotencyKey))) === 1;
  }

  async recordSent(tenantKey: string, idempotencyKey: string, messageId: string): Promise<void> {
    await this.redis.set(emailSentKey(tenantKey, idempotencyKey), messageId, 'EX', RETENTION_SECONDS);
  }
}
