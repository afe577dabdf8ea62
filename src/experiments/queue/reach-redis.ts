// A quick look at Redis before BullMQ connects: BullMQ's clients retry forever, so an unreachable
// server would otherwise leave a coordinator or worker waiting silently.
import { Redis } from 'ioredis';
import { redactedUrl, redisOptions } from './redis-url.js';
import { QueueError } from './types.js';

/**
 * Connects once (no retries, `timeoutMs` at most) and pings; an unreachable or refusing server is a
 * QueueError naming the URL and the cause.
 */
export async function reachRedis(url: string, timeoutMs = 5000): Promise<void> {
  const client = new Redis({ ...redisOptions(url), lazyConnect: true, connectTimeout: timeoutMs, retryStrategy: () => null, maxRetriesPerRequest: 0, enableOfflineQueue: false });
  // connect() rejects with "Connection is closed."; the socket's own error says why.
  let socketError: Error | undefined;
  client.on('error', (error: Error) => (socketError ??= error));
  try {
    await client.connect();
    await client.ping();
  } catch (error) {
    const cause = socketError?.message || (error as Error).message || String(error);
    throw new QueueError(`cannot reach Redis at ${redactedUrl(url)} (${cause}); start redis-server there or pass the right --queue URL`, redactedUrl(url), { cause: error });
  } finally {
    client.disconnect();
  }
}
