/**
 * A seeded pseudo-random generator (mulberry32) so the demo's injected errors and generated data
 * are reproducible from run to run: "5 % errors" gives the same sequence every time it starts.
 */

/** Returns a function yielding uniform numbers in [0, 1) from a 32-bit seed. */
export function seededRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
