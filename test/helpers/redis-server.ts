/** A real redis-server on a free loopback port, for tests that need true cache counters. */
import { spawn } from 'node:child_process';
import type { AddressInfo } from 'node:net';
import { createServer } from 'node:net';
import { Redis } from 'ioredis';
import { waitFor } from './wait.js';

/** A running redis-server and a connected client; `stop()` ends the process this started (safe twice). */
export interface RedisServer {
  url: string;
  port: number;
  client: Redis;
  /** Kills the server with `signal` and waits for it to exit. */
  stop(signal?: NodeJS.Signals): Promise<void>;
}

async function freePort(): Promise<number> {
  const srv = createServer();
  await new Promise<void>((resolve) => srv.listen(0, '127.0.0.1', resolve));
  const { port } = srv.address() as AddressInfo;
  await new Promise<void>((resolve) => srv.close(() => resolve()));
  return port;
}

/** Starts redis-server (no persistence, `maxmemory` 4 MB LRU) and connects a client. */
export async function startRedis(): Promise<RedisServer> {
  const port = await freePort();
  const redis = spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--maxmemory', '4mb', '--maxmemory-policy', 'allkeys-lru'], { stdio: 'ignore' });
  const exited = new Promise<void>((resolve) => redis.once('exit', () => resolve()));
  const client = new Redis({ port, host: '127.0.0.1', lazyConnect: true, maxRetriesPerRequest: 1, retryStrategy: () => null });
  client.on('error', () => {});
  const stop = async (signal: NodeJS.Signals = 'SIGTERM') => {
    client.disconnect();
    if (redis.exitCode === null && redis.signalCode === null) redis.kill(signal);
    await exited;
  };
  try {
    await waitFor('redis-server to accept connections', () => client.connect().then(() => true, () => undefined), 10_000, 100);
  } catch (thrown) {
    await stop();
    throw thrown;
  }
  return { url: `redis://127.0.0.1:${port}`, port, client, stop };
}
