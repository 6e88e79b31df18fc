import { Client, Connection } from '@temporalio/client';
import type { NativeConnection } from '@temporalio/worker';
import type { AppConfig } from '../config';

export interface TemporalClient {
  client: Client;
  close(): Promise<void>;
}

export async function connectClient(config: AppConfig): Promise<TemporalClient> {
  const { address, tls, apiKey, metadata } = config.temporal.connection;
  const connection = await Connection.connect({ address, tls, apiKey, metadata });
  const client = new Client({ connection, namespace: config.temporal.namespace });
  return { client, close: () => connection.close() };
}

/**
 * A client on the workers' own NativeConnection, so a workflow it starts can be handed to a worker
 * of the same process with the start's reply (eager start): no matching round trip for the first
 * task. The connection belongs to the workers, which close it.
 */
export function clientOnWorkerConnection(connection: NativeConnection, config: AppConfig): TemporalClient {
  return { client: new Client({ connection, namespace: config.temporal.namespace }), close: async () => undefined };
}
