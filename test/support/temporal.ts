import { Client, Connection } from '@temporalio/client';
import { services } from './services';

/** A Temporal client for one piece of work (cancelling a workflow as an operator would). */
export async function withTemporal<T>(
  work: (client: Client) => Promise<T>,
  address = services.temporalAddress,
): Promise<T> {
  const connection = await Connection.connect({ address });
  try {
    return await work(new Client({ connection }));
  } finally {
    await connection.close();
  }
}
