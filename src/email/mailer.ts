/**
 * SMTP delivery with nodemailer, configured as TestPlanIt configures it (EMAIL_SERVER_HOST, port,
 * user, password, `"TestPlanIt" <EMAIL_FROM>`). Every message carries a Message-ID derived from
 * its idempotency key, so even a resend after a crash mid-delivery is recognisable as the same mail.
 */
import nodemailer from 'nodemailer';
import type { EmailSettings } from '../config';

export interface OutgoingEmail {
  to: string;
  subject: string;
  html: string;
  text: string;
  messageId: string;
}

export interface Mailer {
  send(email: OutgoingEmail): Promise<void>;
  close(): void;
}

/** An SMTP reply code, when the server gave one: 4xx is worth retrying, 5xx is final. */
export function smtpResponseCode(error: unknown): number | undefined {
  const code = (error as { responseCode?: unknown }).responseCode;
  return typeof code === 'number' ? code : undefined;
}

export function createSmtpMailer(settings: EmailSettings): Mailer {
  const transport = nodemailer.createTransport({
    host: settings.host,
    port: settings.port,
    secure: settings.secure,
    auth: settings.user ? { user: settings.user, pass: settings.password } : undefined,
    pool: true,
    maxConnections: 5,
    connectionTimeout: 15_000,
    socketTimeout: 30_000,
  });
  return {
    async send(email) {
      await transport.sendMail({
        from: { name: settings.fromName, address: settings.from },
        to: email.to,
        subject: email.subject,
        html: email.html,
        text: email.text,
        messageId: email.messageId,
      });
    },
    close: () => transport.close(),
  };
}
