/**
 * Self-signed certificates with exact validity dates for TLS tests, made by the `openssl` CLI
 * (`openssl ca -selfsign` takes explicit start and end dates, so an already expired certificate
 * can be made too). Undefined when openssl is missing; tests then skip with that reason.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const CA_CONFIG = `[ca]
default_ca = d
[d]
database = db/index.txt
new_certs_dir = db
serial = db/serial
default_md = sha256
policy = p
copy_extensions = copy
[p]
commonName = supplied
`;

/** `2026-12-01T09:00:00Z` → `20261201090000Z`, openssl's date form. */
function opensslDate(d: Date): string {
  return `${d.toISOString().slice(0, 19).replace(/[-:T]/g, '')}Z`;
}

/** A key and certificate for CN=localhost (also valid for 127.0.0.1), valid from `notBefore` to `notAfter`. */
export function certificateValidBetween(notBefore: Date, notAfter: Date): { key: string; cert: string } | undefined {
  const dir = mkdtempSync(join(tmpdir(), 'pw-tls-'));
  try {
    mkdirSync(join(dir, 'db'));
    writeFileSync(join(dir, 'db', 'index.txt'), '');
    writeFileSync(join(dir, 'db', 'serial'), '01\n');
    writeFileSync(join(dir, 'ca.cnf'), CA_CONFIG);
    const run = (args: string[]) => execFileSync('openssl', args, { cwd: dir, stdio: 'ignore' });
    run(['req', '-new', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-keyout', 'key.pem', '-out', 'req.csr',
      '-subj', '/CN=localhost', '-addext', 'subjectAltName=DNS:localhost,IP:127.0.0.1']);
    run(['ca', '-batch', '-config', 'ca.cnf', '-selfsign', '-keyfile', 'key.pem', '-in', 'req.csr', '-out', 'cert.pem',
      '-startdate', opensslDate(notBefore), '-enddate', opensslDate(notAfter)]);
    return { key: readFileSync(join(dir, 'key.pem'), 'utf8'), cert: readFileSync(join(dir, 'cert.pem'), 'utf8') };
  } catch {
    return undefined;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
