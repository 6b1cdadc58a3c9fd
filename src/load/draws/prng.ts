/**
 * The seedable random numbers of drawn variables. Each iteration reseeds from (run seed, global
 * iteration number): iteration k draws the same values whichever worker, shard or VU runs it, so
 * a run with `seed:` is reproduced exactly however it is split. The generator is sfc32 (a small
 * counter-assisted chaotic generator that passes PractRand), its state set by splitmix32-style
 * mixing and 12 warm-up rounds; reseeding allocates nothing.
 */

const TWO_32 = 4294967296;

/** A reseedable generator; one per VU. */
export class IterationRandom {
  private a = 0;
  private b = 0;
  private c = 0;
  private d = 1;

  /** Starts the stream of iteration `index` (0 ≤ index < 2^53) of the run seeded `seed`. */
  reset(seed: number, index: number): void {
    const seedLo = seed >>> 0;
    const seedHi = Math.floor(seed / TWO_32) >>> 0;
    const lo = index >>> 0;
    const hi = Math.floor(index / TWO_32) >>> 0;
    this.a = mix(seedLo ^ 0x6a09e667);
    this.b = mix(seedHi ^ mix(lo ^ 0xbb67ae85));
    this.c = mix(hi ^ mix(lo + 0x3c6ef372));
    this.d = 1;
    for (let i = 0; i < 12; i++) this.next32();
  }

  /** A uniform 32-bit unsigned integer. */
  next32(): number {
    const t = (((this.a + this.b) | 0) + this.d) | 0;
    this.d = (this.d + 1) | 0;
    this.a = this.b ^ (this.b >>> 9);
    this.b = (this.c + (this.c << 3)) | 0;
    this.c = (this.c << 21) | (this.c >>> 11);
    this.c = (this.c + t) | 0;
    return t >>> 0;
  }

  /** A uniform double in [0, 1) with 53 random bits. */
  next(): number {
    return ((this.next32() >>> 5) * 67108864 + (this.next32() >>> 6)) / 9007199254740992;
  }
}

/** splitmix32's finaliser: a bijective 32-bit mix. */
function mix(x: number): number {
  let t = (x + 0x9e3779b9) | 0;
  t ^= t >>> 16;
  t = Math.imul(t, 0x21f0aaad);
  t ^= t >>> 15;
  t = Math.imul(t, 0x735a2d97);
  return (t ^ (t >>> 15)) >>> 0;
}
