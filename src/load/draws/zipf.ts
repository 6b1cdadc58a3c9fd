/**
 * Zipf ranks in O(1) time and memory: rejection-inversion (W. Hörmann, G. Derflinger, "Rejection-
 * inversion to generate variates from monotone discrete distributions", 1996), as in Apache
 * Commons RNG's RejectionInversionZipfSampler. Ranks 1..n with P(k) ∝ 1/k^s for any s > 0; the
 * set-up is three numbers, so n = 10^9 costs what n = 10 does, and a draw takes about one uniform
 * variate (the rejection rate stays small for every s).
 */

/** Draws Zipf ranks from uniform variates. */
export class ZipfSampler {
  private readonly hIntegralX1: number;
  private readonly hIntegralN: number;
  private readonly threshold: number;

  /** Ranks 1..`n` (n ≥ 1) with exponent `s` > 0. */
  constructor(
    private readonly n: number,
    private readonly s: number,
  ) {
    this.hIntegralX1 = this.hIntegral(1.5) - 1;
    this.hIntegralN = this.hIntegral(n + 0.5);
    this.threshold = 2 - this.hIntegralInverse(this.hIntegral(2.5) - this.h(2));
  }

  /** One rank; `uniform` returns doubles in [0, 1). */
  sample(uniform: () => number): number {
    for (;;) {
      const u = this.hIntegralN + uniform() * (this.hIntegralX1 - this.hIntegralN);
      const x = this.hIntegralInverse(u);
      let k = Math.floor(x + 0.5);
      if (k < 1) k = 1;
      else if (k > this.n) k = this.n;
      if (k - x <= this.threshold || u >= this.hIntegral(k + 0.5) - this.h(k)) return k;
    }
  }

  /** h(x) = 1/x^s. */
  private h(x: number): number {
    return Math.exp(-this.s * Math.log(x));
  }

  /** H(x) = ∫ h, shifted so that it is continuous in s = 1: (x^(1-s) - 1)/(1-s), or log x. */
  private hIntegral(x: number): number {
    const logX = Math.log(x);
    return helper2((1 - this.s) * logX) * logX;
  }

  private hIntegralInverse(x: number): number {
    let t = x * (1 - this.s);
    if (t < -1) t = -1; // rounding can push t past the pole; -1 maps to rank 0, clamped to 1
    return Math.exp(helper1(t) * x);
  }
}

/** log(1+x)/x, accurate near 0. */
function helper1(x: number): number {
  return Math.abs(x) > 1e-8 ? Math.log1p(x) / x : 1 - x * (0.5 - x * (1 / 3 - 0.25 * x));
}

/** (exp(x)-1)/x, accurate near 0. */
function helper2(x: number): number {
  return Math.abs(x) > 1e-8 ? Math.expm1(x) / x : 1 + x * 0.5 * (1 + x * (1 / 3) * (1 + 0.25 * x));
}
