/** Helpers shared by the transport tests: one request as a promise, a throwaway certificate. */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Http1Connection } from '../../src/load/transport/http1-connection.js';

/** What one request produced: status and body, or the transport error's code. */
export type Out = { status: number; body: string; err?: string };

/** Sends one request and resolves when the handler heard the end of it (never rejects). */
export function req(c: Http1Connection, opts: Record<string, unknown>): Promise<Out> {
  return new Promise((resolve) => {
    let status = 0; const chunks: Buffer[] = [];
    c.dispatch(opts as never, {
      onHeaders: (s: number) => { status = s; return true; },
      onData: (b: Buffer) => { chunks.push(Buffer.from(b)); return true; },
      onComplete: () => resolve({ status, body: Buffer.concat(chunks).toString() }),
      onError: (e: Error & { code?: string }) => resolve({ status, body: '', err: e.code ?? e.message }),
    } as never);
  });
}

/** The openssl CLI, when the machine has one (the certificate below needs it). */
export function hasOpenssl(): boolean {
  try {
    execFileSync('openssl', ['version'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

/** A fresh self-signed certificate for `localhost` and 127.0.0.1, valid one day (PEM). */
export function selfSignedCert(): { key: string; cert: string } {
  const dir = mkdtempSync(join(tmpdir(), 'pw-tls-'));
  try {
    execFileSync('openssl', [
      'req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-days', '1',
      '-subj', '/CN=localhost', '-addext', 'subjectAltName=DNS:localhost,IP:127.0.0.1',
      '-keyout', join(dir, 'key.pem'), '-out', join(dir, 'cert.pem'),
    ], { stdio: 'ignore' });
    return { key: readFileSync(join(dir, 'key.pem'), 'utf8'), cert: readFileSync(join(dir, 'cert.pem'), 'utf8') };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
