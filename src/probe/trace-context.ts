/**
 * W3C Trace Context (`traceparent`) ids for probe requests, so a backend's own traces join the
 * probe's trace. Telemetry may supply a real span's context instead; this is the fallback that
 * needs no tracer.
 */
import { randomFillSync } from 'node:crypto';
import type { TraceContext } from './types.js';

const ZERO_TRACE = '0'.repeat(32);
const ZERO_SPAN = '0'.repeat(16);
const TRACEPARENT = /^([0-9a-f]{2})-([0-9a-f]{32})-([0-9a-f]{16})-([0-9a-f]{2})(-.*)?$/;

/** Bytes per context: a 16-byte trace id and an 8-byte span id. */
const ID_BYTES = 24;
/**
 * Random bytes drawn 128 contexts at a time (as node's `randomUUID` caches its entropy): every
 * probe run makes a context, and a draw from the CSPRNG per id was ~2 % of a run's CPU.
 */
const pool = Buffer.alloc(ID_BYTES * 128);
let poolOffset = pool.length;

/** Random ids as lower-case hex, never all zeros (an invalid id in W3C terms). */
function randomIds(): { traceId: string; spanId: string } {
  for (;;) {
    if (poolOffset === pool.length) {
      randomFillSync(pool);
      poolOffset = 0;
    }
    const hex = pool.toString('hex', poolOffset, poolOffset + ID_BYTES);
    poolOffset += ID_BYTES;
    const traceId = hex.slice(0, 32);
    const spanId = hex.slice(32);
    if (traceId !== ZERO_TRACE && spanId !== ZERO_SPAN) return { traceId, spanId };
  }
}

/** `00-<trace>-<span>-<flags>`; `sampled` sets flags to 01. */
export function formatTraceparent(traceId: string, spanId: string, sampled = true): string {
  return `00-${traceId}-${spanId}-${sampled ? '01' : '00'}`;
}

/** A fresh, sampled trace context: random 16-byte trace id and 8-byte span id. */
export function newTraceContext(): TraceContext {
  const { traceId, spanId } = randomIds();
  return { traceId, spanId, traceparent: formatTraceparent(traceId, spanId) };
}

/**
 * Parses a `traceparent` header value. Returns undefined for anything W3C says to ignore:
 * wrong shape, version `ff`, all-zero ids, or extra fields on version 00.
 */
export function parseTraceparent(header: string): TraceContext | undefined {
  const value = header.trim().toLowerCase();
  const m = TRACEPARENT.exec(value);
  if (m === null) return undefined;
  const [, version, traceId, spanId, , rest] = m;
  if (version === undefined || traceId === undefined || spanId === undefined) return undefined;
  if (version === 'ff') return undefined;
  if (version === '00' && rest !== undefined) return undefined;
  if (traceId === ZERO_TRACE || spanId === ZERO_SPAN) return undefined;
  return { traceId, spanId, traceparent: value };
}
