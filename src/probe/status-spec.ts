/** Status expectations ("2xx", "200-299", 204) as inclusive ranges, decided once at config load. */

/** Inclusive status ranges. */
export type StatusRanges = readonly (readonly [number, number])[];

/** True when `v` is a single status item in one of the accepted spellings. */
export function isStatusSpec(v: unknown): boolean {
  return typeof v === 'number' || (typeof v === 'string' && /^([1-5]xx|\d{3}(-\d{3})?)$/.test(v));
}

/** Turns 200 / "2xx" / "200-299" / a list of those into ranges. */
export function parseStatusSpec(spec: number | string | readonly (number | string)[]): StatusRanges {
  const items = Array.isArray(spec) ? spec : [spec];
  return items.map((item): readonly [number, number] => {
    if (typeof item === 'number') return [item, item];
    if (/^[1-5]xx$/.test(item)) {
      const base = Number(item[0]) * 100;
      return [base, base + 99];
    }
    const [a, b] = item.split('-').map(Number);
    return [a ?? 0, b ?? a ?? 0];
  });
}

/** True when `status` falls in any range. */
export function statusMatches(status: number, ranges: StatusRanges): boolean {
  for (const [lo, hi] of ranges) if (status >= lo && status <= hi) return true;
  return false;
}
