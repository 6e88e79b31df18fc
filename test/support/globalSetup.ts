/** Fails the run at once, and clearly, when the real services are not there. */
import * as net from 'node:net';
import { services } from './services';

function reachable(hostPort: string): Promise<boolean> {
  const [host, port] = hostPort.split(':');
  return new Promise((resolve) => {
    const socket = net.connect({ host: host!, port: Number(port) });
    socket.setTimeout(2000);
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
    socket.once('timeout', () => {
      socket.destroy();
      resolve(false);
    });
  });
}

export default async function globalSetup(): Promise<void> {
  const required = {
    Temporal: services.temporalAddress,
    Redis: new URL(services.redisUrl).host,
    PostgreSQL: new URL(services.postgresAdminUrl).host,
    Elasticsearch: new URL(services.elasticsearchNode).host,
  };
  const missing: string[] = [];
  for (const [name, hostPort] of Object.entries(required)) {
    if (!(await reachable(hostPort))) missing.push(`${name} (${hostPort})`);
  }
  if (missing.length > 0) {
    throw new Error(`Real services are not running: ${missing.join(', ')}. Start them with: npm run infra:up`);
  }
}
