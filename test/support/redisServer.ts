/**
 * A Redis of a test's own, on a random loopback port, without persistence (as scripts/infra.sh
 * runs it, so a restart forgets every key). For tests that restart it, rewind it or turn on ACLs
 * and TLS, none of which may touch the shared one.
 */
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { Redis } from 'ioredis';
import { waitFor } from './processes';

/** PEM files of the server's certificate and the CA that signed it. */
export interface RedisTls {
  certFile: string;
  keyFile: string;
  caFile: string;
}

export class PrivateRedis {
  readonly port = 20_000 + Math.floor(Math.random() * 20_000);
  private server?: ChildProcess;

  /**
   * With `tls`, the server speaks only TLS on `port` (clients are not asked for certificates).
   * With `dataDir`, it keeps an append-only file there, fsynced on every write, as a production
   * Valkey does, so a restart keeps the queues.
   */
  constructor(
    private readonly tls?: RedisTls,
    private readonly dataDir?: string,
  ) {}

  get url(): string {
    return `${this.tls ? 'rediss' : 'redis'}://127.0.0.1:${this.port}`;
  }

  async start(): Promise<void> {
    const listen = this.tls
      ? [
          '--port',
          '0',
          '--tls-port',
          String(this.port),
          '--tls-cert-file',
          this.tls.certFile,
          '--tls-key-file',
          this.tls.keyFile,
          '--tls-ca-cert-file',
          this.tls.caFile,
          '--tls-auth-clients',
          'no',
        ]
      : ['--port', String(this.port)];
    const persistence = this.dataDir
      ? ['--dir', this.dataDir, '--save', '', '--appendonly', 'yes', '--appendfsync', 'always']
      : ['--save', '', '--appendonly', 'no'];
    this.server = spawn('redis-server', [...listen, '--bind', '127.0.0.1', ...persistence], {
      stdio: 'ignore',
    });
    const tls = this.tls ? { ca: fs.readFileSync(this.tls.caFile) } : undefined;
    await waitFor(
      async () => {
        const probe = new Redis(this.port, '127.0.0.1', {
          lazyConnect: true,
          maxRetriesPerRequest: 0,
          retryStrategy: () => null,
          tls,
        });
        probe.on('error', () => undefined);
        try {
          await probe.connect();
          const answer = await probe
            .ping()
            .catch((error: Error) => (/NOAUTH|NOPERM|WRONGPASS/.test(error.message) ? 'PONG' : undefined));
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

  /** Kills it at once, as a crash would (SIGTERM: a clean shutdown). */
  async stop(signal: NodeJS.Signals = 'SIGKILL'): Promise<void> {
    const server = this.server;
    if (!server || server.exitCode !== null) return;
    const exited = new Promise((resolve) => server.once('exit', resolve));
    server.kill(signal);
    await exited;
  }
}

/** A throw-away CA and a server certificate for 127.0.0.1 signed by it, made with openssl. */
export function makeTestCertificates(): RedisTls {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tpw-tls-'));
  const file = (name: string) => path.join(dir, name);
  const openssl = (...args: string[]) => execFileSync('openssl', args, { stdio: 'ignore' });
  openssl(
    'req',
    '-x509',
    '-newkey',
    'rsa:2048',
    '-nodes',
    '-days',
    '2',
    '-subj',
    '/CN=tpw test CA',
    '-keyout',
    file('ca.key'),
    '-out',
    file('ca.pem'),
  );
  openssl(
    'req',
    '-newkey',
    'rsa:2048',
    '-nodes',
    '-subj',
    '/CN=127.0.0.1',
    '-keyout',
    file('server.key'),
    '-out',
    file('server.csr'),
  );
  fs.writeFileSync(file('san.ext'), 'subjectAltName=IP:127.0.0.1\n');
  openssl(
    'x509',
    '-req',
    '-in',
    file('server.csr'),
    '-CA',
    file('ca.pem'),
    '-CAkey',
    file('ca.key'),
    '-CAcreateserial',
    '-days',
    '2',
    '-extfile',
    file('san.ext'),
    '-out',
    file('server.pem'),
  );
  return { certFile: file('server.pem'), keyFile: file('server.key'), caFile: file('ca.pem') };
}
