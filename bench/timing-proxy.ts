/**
 * A TCP proxy on loopback that times each HTTP answer passing through it: from the request's
 * first bytes to the last byte of the response (by its `content-length`). The probes bench puts it
 * between Prometheus and the daemon because Prometheus' own `scrape_duration_seconds` also counts
 * the time Prometheus spends parsing and storing the samples (40,000 series for 1,000 probes),
 * which says nothing about how fast the daemon answered. A response ends at its `content-length`,
 * or, chunked (the daemon streams /metrics in gzipped slices), at its last chunk `0\r\n\r\n`.
 */
import { connect, createServer } from 'node:net';
import type { AddressInfo, Socket } from 'node:net';

/** A running proxy. */
export interface TimingProxy {
  port: number;
  /** Milliseconds per timed answer, in order. */
  readonly answersMs: number[];
  close(): Promise<void>;
}

const HEADER_END = Buffer.from('\r\n\r\n');
const LAST_CHUNK = Buffer.from('\r\n0\r\n\r\n');

/** Forwards 127.0.0.1:<port> to 127.0.0.1:`targetPort`, timing every answer. */
export async function startTimingProxy(targetPort: number): Promise<TimingProxy> {
  const answersMs: number[] = [];
  const sockets = new Set<Socket>();
  const server = createServer((client) => {
    const upstream = connect({ host: '127.0.0.1', port: targetPort });
    sockets.add(client);
    sockets.add(upstream);
    let startedAt: number | undefined;
    let head = Buffer.alloc(0);
    /** Body bytes still to come (content-length), 'chunked', or undefined while the head is read. */
    let remaining: number | 'chunked' | undefined;
    /** The last bytes of a chunked body, to find its end across data events. */
    let tail = Buffer.alloc(0);
    client.on('data', (chunk: Buffer) => {
      startedAt ??= performance.now();
      upstream.write(chunk);
    });
    const answered = (): void => {
      if (startedAt !== undefined) answersMs.push(performance.now() - startedAt);
      startedAt = undefined;
      remaining = undefined;
      tail = Buffer.alloc(0);
    };
    upstream.on('data', (chunk: Buffer) => {
      client.write(chunk);
      if (startedAt === undefined) return;
      let body = chunk;
      if (remaining === undefined) {
        head = Buffer.concat([head, chunk]);
        const end = head.indexOf(HEADER_END);
        if (end < 0) return;
        const text = head.subarray(0, end).toString('latin1');
        const length = /\r\ncontent-length:\s*(\d+)/i.exec(text);
        body = head.subarray(end + HEADER_END.length);
        head = Buffer.alloc(0);
        if (length !== null) remaining = Number(length[1]);
        else if (/\r\ntransfer-encoding:[^\r]*chunked/i.test(text)) remaining = 'chunked';
        else {
          startedAt = undefined;
          return;
        }
      }
      if (remaining === 'chunked') {
        tail = Buffer.concat([tail, body]).subarray(-LAST_CHUNK.length);
        if (tail.equals(LAST_CHUNK)) answered();
        return;
      }
      remaining -= body.length;
      if (remaining <= 0) answered();
    });
    const close = (): void => {
      client.destroy();
      upstream.destroy();
      sockets.delete(client);
      sockets.delete(upstream);
    };
    for (const s of [client, upstream]) {
      s.on('error', close);
      s.on('close', close);
    }
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    port: (server.address() as AddressInfo).port,
    answersMs,
    close: async () => {
      for (const s of sockets) s.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
