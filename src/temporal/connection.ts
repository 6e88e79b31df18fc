import { Client, Connection } from '@temporalio/client';
import type { AppConfig } from '../config';

export async function connectClient(config: AppConfig): Promise<{ client: Client; close: () => Promise<void> }> {
  const { address, tls, apiKey, metadata } = config.temporal.connection;
  const connection = await Connection.connect({ address, tls, apiKey, metadata });
  const client = new Client({ connection, namespace: config.temporal.namespace });
  return { client, close: () => connection.close() };
}
