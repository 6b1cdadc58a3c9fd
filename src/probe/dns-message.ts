/**
 * The few parts of the DNS wire format (RFC 1035) the `dns` probe needs: one query, and the
 * answers of a response as text. Written here rather than through `node:dns` because the probe
 * must choose the server, port and transport (UDP or TCP) and time exactly one exchange, which
 * c-ares (with its retries and fallbacks) does not allow. Pure functions over buffers.
 */

/** Record types by name and number (those the probe asks for, plus what appears beside them). */
export const RECORD_TYPES: Readonly<Record<string, number>> = { A: 1, NS: 2, CNAME: 5, MX: 15, TXT: 16, AAAA: 28 };

const TYPE_NAMES = new Map(Object.entries(RECORD_TYPES).map(([name, n]) => [n, name]));

/** Response codes by number (RFC 1035 §4.1.1, RFC 2136). */
const RCODES = ['NOERROR', 'FORMERR', 'SERVFAIL', 'NXDOMAIN', 'NOTIMP', 'REFUSED', 'YXDOMAIN', 'YXRRSET', 'NXRRSET', 'NOTAUTH', 'NOTZONE'];

/** One answer record as text. */
export interface DnsAnswer {
  /** `A`, `CNAME` …, or `TYPE<n>` for others. */
  type: string;
  /** A/AAAA: the address; CNAME/NS: the name; MX: "<preference> <name>"; TXT: the strings joined. */
  value: string;
  ttl: number;
}

/** A parsed response. */
export interface DnsResponse {
  id: number;
  /** `NOERROR`, `NXDOMAIN` … */
  rcode: string;
  /** Truncated (TC): a UDP answer too large; ask over TCP for all of it. */
  truncated: boolean;
  answers: DnsAnswer[];
}

/** A recursive query for `name`'s records of `type`. */
export function encodeQuery(id: number, name: string, type: string): Buffer {
  const qtype = RECORD_TYPES[type];
  if (qtype === undefined) throw new RangeError(`unsupported record type ${type}`);
  const labels = name.replace(/\.$/, '').split('.').filter((l) => l !== '');
  const qname = Buffer.concat([...labels.map((l) => {
    const bytes = Buffer.from(l, 'ascii');
    if (bytes.length > 63) throw new RangeError(`label "${l}" is longer than 63 bytes`);
    return Buffer.concat([Buffer.from([bytes.length]), bytes]);
  }), Buffer.from([0])]);
  const header = Buffer.alloc(12);
  header.writeUInt16BE(id, 0);
  header.writeUInt16BE(0x0100, 2); // standard query, recursion desired
  header.writeUInt16BE(1, 4); // one question
  const tail = Buffer.alloc(4);
  tail.writeUInt16BE(qtype, 0);
  tail.writeUInt16BE(1, 2); // class IN
  return Buffer.concat([header, qname, tail]);
}

/** Parses a response. Throws RangeError on a malformed message. */
export function decodeResponse(msg: Buffer): DnsResponse {
  if (msg.length < 12) throw new RangeError('DNS message shorter than its header');
  const flags = msg.readUInt16BE(2);
  const qd = msg.readUInt16BE(4);
  const an = msg.readUInt16BE(6);
  let offset = 12;
  for (let i = 0; i < qd; i++) offset = readName(msg, offset).end + 4;
  const answers: DnsAnswer[] = [];
  for (let i = 0; i < an; i++) {
    const name = readName(msg, offset);
    offset = name.end;
    if (offset + 10 > msg.length) throw new RangeError('DNS answer cut short');
    const type = msg.readUInt16BE(offset);
    const ttl = msg.readUInt32BE(offset + 4);
    const length = msg.readUInt16BE(offset + 8);
    const start = offset + 10;
    if (start + length > msg.length) throw new RangeError('DNS record data cut short');
    answers.push({ type: TYPE_NAMES.get(type) ?? `TYPE${type}`, value: recordText(msg, type, start, length), ttl });
    offset = start + length;
  }
  return { id: msg.readUInt16BE(0), rcode: RCODES[flags & 0x0f] ?? `RCODE${flags & 0x0f}`, truncated: (flags & 0x0200) !== 0, answers };
}

function recordText(msg: Buffer, type: number, start: number, length: number): string {
  switch (type) {
    case RECORD_TYPES.A: return [...msg.subarray(start, start + 4)].join('.');
    case RECORD_TYPES.AAAA: return ipv6Text(msg.subarray(start, start + 16));
    case RECORD_TYPES.CNAME: case RECORD_TYPES.NS: return readName(msg, start).name;
    case RECORD_TYPES.MX: return `${msg.readUInt16BE(start)} ${readName(msg, start + 2).name}`;
    case RECORD_TYPES.TXT: {
      const parts: string[] = [];
      for (let o = start; o < start + length;) {
        const n = msg[o] ?? 0;
        parts.push(msg.subarray(o + 1, o + 1 + n).toString('utf8'));
        o += 1 + n;
      }
      return parts.join('');
    }
    default: return msg.subarray(start, start + length).toString('hex');
  }
}

/** A possibly compressed name at `offset`; `end` is where the record continues. */
function readName(msg: Buffer, offset: number): { name: string; end: number } {
  const labels: string[] = [];
  let o = offset;
  let end: number | undefined;
  for (let jumps = 0; jumps < 64; jumps++) {
    const len = msg[o];
    if (len === undefined) throw new RangeError('DNS name runs past the message');
    if (len === 0) return { name: labels.join('.'), end: end ?? o + 1 };
    if ((len & 0xc0) === 0xc0) {
      const next = msg[o + 1];
      if (next === undefined) throw new RangeError('DNS name pointer cut short');
      end ??= o + 2;
      o = ((len & 0x3f) << 8) | next;
      continue;
    }
    labels.push(msg.subarray(o + 1, o + 1 + len).toString('ascii'));
    o += 1 + len;
  }
  throw new RangeError('DNS name with a pointer loop');
}

/** RFC 5952 text of a 16-byte address: lower case, the longest run of zero groups as "::". */
export function ipv6Text(bytes: Buffer): string {
  const groups = Array.from({ length: 8 }, (_, i) => bytes.readUInt16BE(i * 2));
  let best = { at: -1, len: 0 };
  for (let i = 0; i < 8;) {
    if (groups[i] !== 0) { i++; continue; }
    let j = i;
    while (j < 8 && groups[j] === 0) j++;
    if (j - i > best.len && j - i > 1) best = { at: i, len: j - i };
    i = j;
  }
  const hex = groups.map((g) => g.toString(16));
  if (best.at < 0) return hex.join(':');
  return `${hex.slice(0, best.at).join(':')}::${hex.slice(best.at + best.len).join(':')}`;
}
