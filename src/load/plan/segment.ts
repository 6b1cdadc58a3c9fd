/**
 * Execution segments: how one plan is shared between worker threads (and, with `--shard i/N`,
 * between processes) so that the union of the shares is exactly the plan. Like k6's execution
 * segments with a striped sequence, a share is a residue class: it owns the VUs and iterations
 * numbered k with `k % stride === offset`. Splitting a share in n gives n interleaved
 * sub-shares (`offset + stride·j`, `stride·n`), so nested splits (shards, then threads, with a
 * different thread count on each machine) never overlap, never leave a gap, and spread arrivals
 * evenly: worker j of 2 takes every other iteration of the whole schedule, not its second half.
 * Pure functions; nothing here knows about threads.
 */
import { PwError } from '../../core/errors.js';

/** A share of a plan: the VUs and iterations numbered k with `k % stride === offset`. */
export interface Segment {
  readonly offset: number;
  readonly stride: number;
}

/** The whole plan. */
export const WHOLE: Segment = { offset: 0, stride: 1 };

/** Splits `segment` into `n` interleaved shares whose union is `segment`. */
export function splitSegment(segment: Segment, n: number): Segment[] {
  if (!Number.isInteger(n) || n < 1) throw new PwError('PW_ERR_INVALID_ARGUMENT', `cannot split a plan in ${n} parts`);
  return Array.from({ length: n }, (_, j) => ({ offset: segment.offset + segment.stride * j, stride: segment.stride * n }));
}

/** How many of the items numbered 0 .. total-1 the segment owns. */
export function shareOf(segment: Segment, total: number): number {
  const whole = Math.floor(total);
  if (whole <= segment.offset) return 0;
  return Math.floor((whole - 1 - segment.offset) / segment.stride) + 1;
}

/** The global number of the segment's m-th item (0-based). */
export function nthOwned(segment: Segment, m: number): number {
  return segment.offset + m * segment.stride;
}

/** The fraction of the plan the segment carries (rates and other continuous quantities scale by it). */
export function fractionOf(segment: Segment): number {
  return 1 / segment.stride;
}

/** True when the segment is the whole plan. */
export function isWhole(segment: Segment): boolean {
  return segment.stride === 1;
}

/** Parses `INDEX/COUNT` (0-based index, as Kubernetes' JOB_COMPLETION_INDEX) into a segment. Throws PW_ERR_INVALID_ARGUMENT. */
export function parseShard(text: string): Segment {
  const m = /^\s*(\d+)\s*\/\s*(\d+)\s*$/.exec(text);
  const index = Number(m?.[1]);
  const count = Number(m?.[2]);
  if (m === null || count < 1 || index >= count) throw new PwError('PW_ERR_INVALID_ARGUMENT', `expected a shard like 0/3 (index from 0 to count-1), got "${text}"`);
  return { offset: index, stride: count };
}

/** `offset/stride`, for results and messages. */
export function segmentLabel(segment: Segment): string {
  return `${segment.offset}/${segment.stride}`;
}
