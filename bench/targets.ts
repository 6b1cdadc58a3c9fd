/**
 * The benchmark's targets, each in its own pinned process: nginx from Debian (a 12-byte static
 * page, one worker, access log off) and perfwarden's own demo target (`perfwarden demo`, built),
 * which serves the fixed-latency route (`--latency 20ms` on /api/status) and the WebSocket echo
 * protocol on /ws.
 */
import { chmodSync, existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Cores, Service } from './proc.js';
import { childPids, freePort, startService, stopChild, waitForUrl } from './proc.js';

/** A running target. */
export interface Target extends Service {
  /** Base URL, e.g. `http://127.0.0.1:PORT`. */
  origin: string;
  kind: string;
}

/** The nginx binary, when installed. */
export const NGINX = ['/usr/sbin/nginx', '/usr/bin/nginx'].find((p) => existsSync(p));

/** nginx with one worker on a free loopback port, serving `/` (12 bytes). Throws when nginx is absent. */
export async function startNginx(cores: Cores, cwd: string): Promise<Target> {
  if (NGINX === undefined) throw new Error('nginx is not installed (apt-get install nginx)');
  const port = await freePort();
  const dir = mkdtempSync(join(tmpdir(), 'pw-bench-nginx-'));
  mkdirSync(join(dir, 'www'));
  mkdirSync(join(dir, 'logs'));
  writeFileSync(join(dir, 'www', 'index.html'), 'hello world\n');
  // nginx's worker may run as another user (nobody) and must read the page.
  chmodSync(dir, 0o755);
  chmodSync(join(dir, 'www'), 0o755);
  chmodSync(join(dir, 'www', 'index.html'), 0o644);
  const temp = ['client_body', 'proxy', 'fastcgi', 'uwsgi', 'scgi'].map((k) => `  ${k}_temp_path ${dir}/tmp-${k};`).join('\n');
  writeFileSync(join(dir, 'nginx.conf'), `worker_processes 1;
daemon off;
pid ${dir}/nginx.pid;
error_log ${dir}/logs/error.log warn;
events { worker_connections 8192; }
http {
  access_log off;
${temp}
  keepalive_requests 100000000;
  keepalive_timeout 600s;
  server {
    listen 127.0.0.1:${port} backlog=4096;
    root ${dir}/www;
    location / { index index.html; }
  }
}
`);
  const { child, output } = startService(NGINX, ['-p', dir, '-c', join(dir, 'nginx.conf')], { cores, cwd });
  const origin = `http://127.0.0.1:${port}`;
  try {
    await waitForUrl(`${origin}/`, 5000, () => child.exitCode === null);
  } catch (err) {
    await stopChild(child);
    rmSync(dir, { recursive: true, force: true });
    throw new Error(`nginx did not start: ${(err as Error).message}; ${output().trim()}`, { cause: err });
  }
  const pid = child.pid ?? -1;
  return {
    origin, kind: 'nginx (1 worker)', child,
    pids: () => [pid, ...childPids(pid)],
    stop: () => stopChild(child).then(() => rmSync(dir, { recursive: true, force: true })),
  };
}

/** `perfwarden demo` (built) on a free port, with extra flags (e.g. `--latency 20ms`). */
export async function startDemo(cores: Cores, cwd: string, flags: string[]): Promise<Target> {
  const port = await freePort();
  const { child, output } = startService(process.execPath, ['dist/cli.js', 'demo', '--port', String(port), ...flags], { cores, cwd });
  const origin = `http://127.0.0.1:${port}`;
  try {
    await waitForUrl(`${origin}/api/status`, 15_000, () => child.exitCode === null);
  } catch (err) {
    await stopChild(child);
    throw new Error(`perfwarden demo did not start: ${(err as Error).message}; ${output().trim()}`, { cause: err });
  }
  const pid = child.pid ?? -1;
  return { origin, kind: `perfwarden demo ${flags.join(' ')}`.trim(), child, pids: () => [pid], stop: () => stopChild(child) };
}
