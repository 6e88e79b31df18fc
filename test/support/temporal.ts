import { Client, Connection } from '@temporalio/client';
import { services } from './services';

/** A Temporal client for one piece of work (cancelling a workflow as an operator would). */
export async function withTemporal<T>(work: (client: Client) => Promise<T>): Promise<T> {
  const connection = await Connection.connect({ address: services.temporalAddress });
  try {
    return await work(new Client({ connection }));
  } finally {
    await connection.close();
  }
}
