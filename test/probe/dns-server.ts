/**
 * A tiny authoritative DNS server for tests, over UDP and TCP on loopback port 0: answers A,
 * AAAA, MX and TXT from a fixed zone, NXDOMAIN for other names. Written with node:dgram/net and
 * the RFC 1035 layout directly, so the probe's codec is checked against an independent encoder.
 */
import { createSocket } from 'node:dgram';
import type { AddressInfo } from 'node:net';
import { createServer } from 'node:net';
import { once } from 'node:events';

/** Records by lower-case name, then type. */
export type Zone = Record<string, { A?: string[]; AAAA?: string[]; MX?: [number, string][]; TXT?: string[] }>;

const TYPES: Record<number, 'A' | 'AAAA' | 'MX' | 'TXT'> = { 1: 'A', 28: 'AAAA', 15: 'MX', 16: 'TXT' };

function encodeName(name: string): Buffer {
  return Buffer.concat([...name.split('.').filter(Boolean).map((l) => Buffer.concat([Buffer.from([l.length]), Buffer.from(l)])), Buffer.from([0])]);
}

function rdata(type: string, value: string | [number, string]): Buffer {
  if (type === 'A') return Buffer.from((value as string).split('.').map(Number));
  if (type === 'AAAA') {
    const [head = '', tail = ''] = (value as string).split('::');
    const h = head === '' ? [] : head.split(':');
    const t = tail === '' ? [] : tail.split(':');
    const groups = [...h, ...new Array<string>(8 - h.length - t.length).fill('0'), ...t];
    const b = Buffer.alloc(16);
    groups.forEach((g, i) => b.writeUInt16BE(parseInt(g, 16), i * 2));
    return b;
  }
  if (type === 'MX') {
    const [pref, host] = value as [number, string];
    const b = Buffer.alloc(2);
    b.writeUInt16BE(pref);
    return Buffer.concat([b, encodeName(host)]);
  }
  const text = Buffer.from(value as string);
  return Buffer.concat([Buffer.from([text.length]), text]);
}

/** The answer to one query message. */
export function answer(query: Buffer, zone: Zone): Buffer {
  let o = 12;
  const labels: string[] = [];
  while (query[o] !== 0) {
    const len = query[o] ?? 0;
    labels.push(query.subarray(o + 1, o + 1 + len).toString());
    o += 1 + len;
  }
  const qtype = query.readUInt16BE(o + 1);
  const question = query.subarray(12, o + 5);
  const records = zone[labels.join('.').toLowerCase()];
  const type = TYPES[qtype];
  const values: (string | [number, string])[] = records === undefined || type === undefined ? [] : (records[type] ?? []);
  const header = Buffer.alloc(12);
  header.writeUInt16BE(query.readUInt16BE(0), 0);
  header.writeUInt16BE(0x8180 | (records === undefined ? 3 : 0), 2);
  header.writeUInt16BE(1, 4);
  header.writeUInt16BE(values.length, 6);
  const answers = values.map((v) => {
    const data = rdata(type ?? 'A', v);
    const fixed = Buffer.alloc(12);
    fixed.writeUInt16BE(0xc00c, 0); // the name: a pointer to the question's
    fixed.writeUInt16BE(qtype, 2);
    fixed.writeUInt16BE(1, 4);
    fixed.writeUInt32BE(60, 6);
    fixed.writeUInt16BE(data.length, 10);
    return Buffer.concat([fixed, data]);
  });
  return Buffer.concat([header, question, ...answers]);
}

/** A running server: `udp` and `tcp` are "127.0.0.1:port". `silent` makes it drop queries. */
export interface DnsServer {
  udp: string;
  tcp: string;
  queries: number;
  silent: boolean;
  close(): Promise<void>;
}

/** Starts the server on loopback. */
export async function startDnsServer(zone: Zone): Promise<DnsServer> {
  const udp = createSocket('udp4');
  const state = { queries: 0, silent: false };
  udp.on('message', (msg, rinfo) => {
    state.queries++;
    if (!state.silent) udp.send(answer(msg, zone), rinfo.port, rinfo.address);
  });
  udp.bind(0, '127.0.0.1');
  await once(udp, 'listening');
  const tcp = createServer((socket) => {
    let buffered = Buffer.alloc(0);
    socket.on('data', (chunk) => {
      buffered = Buffer.concat([buffered, chunk]);
      if (buffered.length < 2 || buffered.length < 2 + buffered.readUInt16BE(0)) return;
      state.queries++;
      const reply = answer(buffered.subarray(2, 2 + buffered.readUInt16BE(0)), zone);
      socket.end(Buffer.concat([Buffer.from([reply.length >> 8, reply.length & 0xff]), reply]));
    });
    socket.on('error', () => socket.destroy());
  });
  tcp.listen(0, '127.0.0.1');
  await once(tcp, 'listening');
  return {
    udp: `127.0.0.1:${udp.address().port}`,
    tcp: `127.0.0.1:${(tcp.address() as AddressInfo).port}`,
    get queries() { return state.queries; },
    get silent() { return state.silent; },
    set silent(v: boolean) { state.silent = v; },
    async close() {
      await new Promise<void>((resolve) => udp.close(() => resolve()));
      await new Promise<void>((resolve) => tcp.close(() => resolve()));
    },
  };
}
