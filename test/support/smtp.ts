/**
 * A real SMTP server on loopback (smtp-server), keeping every accepted message parsed
 * (mailparser), with hooks to answer a recipient with a 4xx or 5xx, or to act on a message
 * before it is accepted.
 */
import { simpleParser, type ParsedMail } from 'mailparser';
import { SMTPServer, type SMTPServerDataStream, type SMTPServerSession } from 'smtp-server';

export interface ReceivedMail {
  to: string[];
  subject: string;
  html: string;
  text: string;
  messageId?: string;
  from?: string;
}

type Verdict = { code: number; message: string } | undefined;

export class TestSmtpServer {
  readonly received: ReceivedMail[] = [];
  /** Decides per recipient: undefined accepts, otherwise the SMTP reply to give instead. */
  onRecipient: (address: string) => Verdict = () => undefined;
  /** Awaited with each complete message before it is accepted; may reject to refuse it. */
  beforeAccept: (mail: ReceivedMail) => void | Promise<void> = () => undefined;
  private server?: SMTPServer;
  port = 0;

  async start(): Promise<void> {
    this.server = new SMTPServer({
      authOptional: true,
      disabledCommands: ['STARTTLS'],
      logger: false,
      onRcptTo: (address, _session, callback) => {
        const verdict = this.onRecipient(address.address);
        if (!verdict) return callback();
        const error = new Error(verdict.message) as Error & { responseCode: number };
        error.responseCode = verdict.code;
        callback(error);
      },
      onData: (stream: SMTPServerDataStream, _session: SMTPServerSession, callback) => {
        simpleParser(stream)
          .then(async (parsed: ParsedMail) => {
            const mail: ReceivedMail = {
              to: ([] as { value: { address?: string }[] }[])
                .concat(parsed.to ?? [])
                .flatMap((group) => group.value.map((v) => v.address ?? '')),
              subject: parsed.subject ?? '',
              html: typeof parsed.html === 'string' ? parsed.html : '',
              text: parsed.text ?? '',
              messageId: parsed.messageId,
              from: parsed.from?.text,
            };
            await this.beforeAccept(mail);
            this.received.push(mail);
            callback();
          })
          .catch((error: Error) => callback(error));
      },
    });
    // A client killed mid-session resets its connection; the server goes on, as a real one does.
    this.server.on('error', () => undefined);
    await new Promise<void>((resolve) => this.server!.listen(0, '127.0.0.1', resolve));
    this.port = (this.server.server.address() as { port: number }).port;
  }

  to(address: string): ReceivedMail[] {
    return this.received.filter((mail) => mail.to.includes(address));
  }

  async stop(): Promise<void> {
    await new Promise<void>((resolve) => this.server?.close(() => resolve()));
  }
}
