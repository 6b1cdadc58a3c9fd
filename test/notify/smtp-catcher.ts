/** A real SMTP server (npm smtp-server) on 127.0.0.1 that keeps every message it receives, for tests. */
import { createServer } from 'node:net';
import type { AddressInfo } from 'node:net';
import { SMTPServer } from 'smtp-server';

/** One received mail, headers lower-cased. */
export interface CaughtMail {
  from: string;
  to: string[];
  subject: string;
  headers: Record<string, string>;
  raw: string;
  /** Whether the session ran over TLS (STARTTLS). */
  secure: boolean;
  /** The authenticated user, if any. */
  user?: string;
}

/** A running catcher. */
export interface SmtpCatcher {
  readonly port: number;
  readonly mails: CaughtMail[];
  /** Resolves when at least `n` mails arrived (rejects after `timeoutMs`). */
  waitFor(n: number, timeoutMs?: number): Promise<CaughtMail[]>;
  /**
   * While on, a message is received but not acknowledged (no "250 OK" after DATA) until
   * `releaseAcks()`; a message whose client disconnected meanwhile is dropped, as a real server
   * drops a transaction it never acknowledged.
   */
  holdAcks(on: boolean): void;
  /** Messages received and waiting for their acknowledgement (a disconnected client's are dropped). */
  held(): number;
  /** Acknowledges (and keeps) every held message whose client is still connected. */
  releaseAcks(): void;
  close(): Promise<void>;
}

/** A port that was free a moment ago (for "server down, then it comes back" tests). */
export async function reservePort(): Promise<number> {
  const srv = createServer();
  await new Promise<void>((resolve) => srv.listen(0, '127.0.0.1', resolve));
  const { port } = srv.address() as AddressInfo;
  await new Promise<void>((resolve) => srv.close(() => resolve()));
  return port;
}

function parseHeaders(raw: string): Record<string, string> {
  const head = raw.split(/\r?\n\r?\n/)[0] ?? '';
  const out: Record<string, string> = {};
  let last = '';
  for (const line of head.split(/\r?\n/)) {
    if (/^\s/.test(line) && last !== '') {
      out[last] += ` ${line.trim()}`;
      continue;
    }
    const i = line.indexOf(':');
    if (i <= 0) continue;
    last = line.slice(0, i).toLowerCase();
    out[last] = line.slice(i + 1).trim();
  }
  return out;
}

/**
 * Starts a catcher on `port` (0 = any). With `auth`, only that user/password is accepted;
 * `starttls` offers STARTTLS (smtp-server's built-in self-signed cert) and allows AUTH only after it.
 */
export async function startSmtpCatcher(options: { port?: number; auth?: { user: string; pass: string }; starttls?: boolean } = {}): Promise<SmtpCatcher> {
  const mails: CaughtMail[] = [];
  const waiters: (() => void)[] = [];
  let holding = false;
  const heldAcks: { session: string; mail: CaughtMail; ack: () => void }[] = [];
  const closedSessions = new Set<string>();
  const keep = (mail: CaughtMail, ack: () => void) => {
    mails.push(mail);
    for (const w of waiters.splice(0)) w();
    ack();
  };
  const server = new SMTPServer({
    secure: false,
    disabledCommands: [...(options.starttls === true ? [] : ['STARTTLS']), ...(options.auth === undefined ? ['AUTH'] : [])],
    authOptional: options.auth === undefined,
    allowInsecureAuth: options.starttls !== true,
    logger: false,
    onClose(session) {
      closedSessions.add(session.id);
      // Never acknowledged: dropped, as a real server drops the transaction.
      for (let i = heldAcks.length - 1; i >= 0; i--) if (heldAcks[i]!.session === session.id) heldAcks.splice(i, 1);
    },
    onAuth(auth, _session, callback) {
      if (options.auth !== undefined && auth.username === options.auth.user && auth.password === options.auth.pass) {
        callback(null, { user: auth.username });
      } else callback(new Error('invalid credentials'));
    },
    onData(stream, session, callback) {
      const chunks: Buffer[] = [];
      stream.on('data', (c: Buffer) => chunks.push(c));
      stream.on('end', () => {
        const raw = Buffer.concat(chunks).toString('utf8');
        const headers = parseHeaders(raw);
        const mail: CaughtMail = {
          from: session.envelope.mailFrom === false ? '' : session.envelope.mailFrom.address,
          to: session.envelope.rcptTo.map((r) => r.address),
          subject: headers.subject ?? '',
          headers,
          raw,
          secure: session.secure,
          ...(session.user === undefined ? {} : { user: String(session.user) }),
        };
        if (holding) heldAcks.push({ session: session.id, mail, ack: () => callback() });
        else keep(mail, () => callback());
      });
    },
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, '127.0.0.1', () => resolve());
  });
  const port = (server.server.address() as AddressInfo).port;
  return {
    port,
    mails,
    async waitFor(n, timeoutMs = 20_000) {
      const deadline = Date.now() + timeoutMs;
      while (mails.length < n) {
        const left = deadline - Date.now();
        if (left <= 0) throw new Error(`expected ${n} mails, got ${mails.length}`);
        await new Promise<void>((resolve) => {
          const t = setTimeout(resolve, left);
          waiters.push(() => { clearTimeout(t); resolve(); });
        });
      }
      return mails;
    },
    holdAcks(on) {
      holding = on;
    },
    held: () => heldAcks.length,
    releaseAcks() {
      for (const h of heldAcks.splice(0)) {
        if (!closedSessions.has(h.session)) keep(h.mail, h.ack);
      }
    },
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
