/**
 * The process's operations endpoint (METRICS_PORT): `/healthz` answers while the process runs,
 * `/readyz` only while its dependencies answer (Redis, Temporal) and its parts run (bridge
 * consuming, workers polling), `/metrics` in Prometheus text format. Docker and compose
 * healthchecks use /readyz.
 */
import { createServer, type Server } from 'node:http';
import type { Logger } from '../logging';

/** Each check resolves true when healthy; a check that throws or takes over a second is false. */
export type ReadinessChecks = Record<string, () => Promise<boolean>>;

const CHECK_TIMEOUT_MS = 1_000;

async function runCheck(check: () => Promise<boolean>): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<boolean>((resolve) => {
    timer = setTimeout(() => resolve(false), CHECK_TIMEOUT_MS);
  });
  try {
    return await Promise.race([check().catch(() => false), timeout]);
  } finally {
    clearTimeout(timer);
  }
}

export interface OpsServer {
  readonly port: number;
  close(): Promise<void>;
}

export async function startOpsServer(options: {
  port: number;
  logger: Logger;
  readiness: () => ReadinessChecks;
  metrics: () => Promise<{ contentType: string; body: string }>;
}): Promise<OpsServer> {
  const server: Server = createServer((request, response) => {
    const path = (request.url ?? '/').split('?')[0];
    void (async () => {
      try {
        if (path === '/healthz') {
          response.writeHead(200, { 'content-type': 'text/plain' }).end('ok\n');
        } else if (path === '/readyz') {
          const checks = options.readiness();
          const names = Object.keys(checks);
          const results = await Promise.all(names.map((name) => runCheck(checks[name]!)));
          const status = Object.fromEntries(names.map((name, i) => [name, results[i]]));
          const ready = results.every(Boolean);
          response
            .writeHead(ready ? 200 : 503, { 'content-type': 'application/json' })
            .end(JSON.stringify({ ready, checks: status }) + '\n');
        } else if (path === '/metrics') {
          const { contentType, body } = await options.metrics();
          response.writeHead(200, { 'content-type': contentType }).end(body);
        } else {
          response.writeHead(404, { 'content-type': 'text/plain' }).end('not found\n');
        }
      } catch (error) {
        response.writeHead(500, { 'content-type': 'text/plain' }).end(`${(error as Error).message}\n`);
      }
    })();
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, () => resolve());
  });
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : options.port;
  options.logger.info(`Operations endpoint on :${port} (/healthz, /readyz, /metrics)`);
  return {
    port,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}
