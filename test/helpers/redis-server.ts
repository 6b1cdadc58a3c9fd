/** A real redis-server (Debian's) on a free loopback port, and a connected ioredis client. */
import { spawn } from 'node:child_process';
import { createServer } from 'node:net';
import type { AddressInfo } from 'node:net';
import { Redis } from 'ioredis';

/** A running redis-server with a client; `stop()` ends both. */
export interface RedisServer {
  port: number;
  url: string;
  client: Redis;
  stop(): Promise<void>;
  /** Kills the server at once (SIGKILL), as a crash would. */
  kill(): Promise<void>;
}

async function freePort(): Promise<number> {
  const s = createServer();
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
  const { port } = s.address() as AddressInfo;
  await new Promise<void>((r) => s.close(() => r()));
  return port;
}

/** Starts redis-server (no persistence, `maxmemory` 4 MB LRU) and connects a client. */
export async function startRedis(): Promise<RedisServer> {
  const port = await freePort();
  const proc = spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--maxmemory', '4mb', '--maxmemory-policy', 'allkeys-lru'], { stdio: 'ignore' });
  const client = new Redis({ port, host: '127.0.0.1', lazyConnect: true, maxRetriesPerRequest: 1, retryStrategy: () => null });
  client.on('error', () => {});
  const stop = async () => {
    client.disconnect();
    if (proc.exitCode === null && proc.signalCode === null) {
      proc.kill('SIGTERM');
      await new Promise<void>((resolve) => proc.once('exit', () => resolve()));
    }
  };
  for (let i = 0; ; i++) {
    try {
      await client.connect();
      break;
    } catch {
      if (i > 100) {
        await stop();
        throw new Error('redis-server did not start');
      }
      await new Promise((r) => setTimeout(r, 100));
    }
  }
  const kill = async () => {
    if (proc.exitCode !== null || proc.signalCode !== null) return;
    proc.kill('SIGKILL');
    await new Promise<void>((resolve) => proc.once('exit', () => resolve()));
  };
  return { port, url: `redis://127.0.0.1:${port}`, client, stop, kill };
}
