/**
 * A Redis of a test's own, on a random loopback port, without persistence (as scripts/infra.sh
 * runs it, so a restart forgets every key). For tests that restart it, rewind it or turn on ACLs
 * and TLS, none of which may touch the shared one.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { Redis } from 'ioredis';
import { waitFor } from './processes';

export class PrivateRedis {
  readonly port = 20_000 + Math.floor(Math.random() * 20_000);
  private server?: ChildProcess;

  /** `extraArgs`: redis-server options, e.g. TLS ports and certificates. */
  constructor(private readonly extraArgs: string[] = []) {}

  get url(): string {
    return `redis://127.0.0.1:${this.port}`;
  }

  async start(): Promise<void> {
    this.server = spawn(
      'redis-server',
      ['--port', String(this.port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', ...this.extraArgs],
      { stdio: 'ignore' },
    );
    await waitFor(
      async () => {
        const probe = new Redis(this.port, '127.0.0.1', { lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null });
        try {
          await probe.connect();
          const answer = await probe.ping().catch((error: Error) => (/NOAUTH|NOPERM|WRONGPASS/.test(error.message) ? 'PONG' : undefined));
          return answer === 'PONG' ? true : undefined;
        } catch {
          return undefined;
        } finally {
          probe.disconnect();
        }
      },
      20_000,
      () => `redis-server did not start on ${this.port}`,
      100,
    );
  }

  /** Kills it at once, as a crash would. */
  async stop(): Promise<void> {
    const server = this.server;
    if (!server || server.exitCode !== null) return;
    const exited = new Promise((resolve) => server.once('exit', resolve));
    server.kill('SIGKILL');
    await exited;
  }
}
