// `--queue redis://[user:password@]host[:port][/db]` as ioredis connection options.
import { ConfigError } from '../../errors.js';

/** The URL with its password hidden, for messages and logs. */
export function redactedUrl(url: string): string {
  try {
    const u = new URL(url);
    if (u.password) u.password = '***';
    return u.toString().replace(/\/$/, '');
  } catch {
    return url;
  }
}

/** Connection options that ioredis and BullMQ both take. */
export type RedisConnection = {
  host: string;
  port: number;
  username?: string;
  password?: string;
  db?: number;
  tls?: Record<string, never>;
  maxRetriesPerRequest: null;
};

/**
 * ioredis options for a `redis://` or `rediss://` (TLS) URL; anything else is a ConfigError naming
 * the URL and the expected form. `maxRetriesPerRequest: null`, as BullMQ's workers require.
 */
export function redisOptions(url: string, flag = '--queue'): RedisConnection {
  const bad = (why: string): never => {
    throw new ConfigError(`${flag} ${JSON.stringify(redactedUrl(url))}: ${why}; expected redis://HOST:PORT (or rediss://, optionally user:password@ and /DB)`, undefined, flag);
  };
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    return bad('not a URL');
  }
  if (u.protocol !== 'redis:' && u.protocol !== 'rediss:') bad(`the scheme is '${u.protocol.replace(/:$/, '')}', not redis or rediss`);
  if (!u.hostname) bad('no host');
  const port = u.port === '' ? 6379 : Number(u.port);
  const dbText = u.pathname.replace(/^\//, '');
  if (dbText !== '' && !/^\d+$/.test(dbText)) bad(`the database '${dbText}' is not a number`);
  if (u.search || u.hash) bad('query strings and fragments are not understood');
  return {
    host: u.hostname.replace(/^\[|\]$/g, ''),
    port,
    ...(u.username ? { username: decodeURIComponent(u.username) } : {}),
    ...(u.password ? { password: decodeURIComponent(u.password) } : {}),
    ...(dbText ? { db: Number(dbText) } : {}),
    ...(u.protocol === 'rediss:' ? { tls: {} } : {}),
    maxRetriesPerRequest: null,
  };
}
