/**
 * An online change-point detector: a one-sided CUSUM over a rolling, robust baseline, with a
 * confirmation step. Thresholds tell you when a line is crossed; this tells you when the level of
 * a series moved (a deploy that doubled p50 while staying under every line), when it moved and by
 * how much.
 *
 * Why this shape:
 * - CUSUM accumulates small, persistent excesses and forgets isolated ones (each sample pays the
 *   allowance `k`), so it reacts to a level shift within a few samples and not to one spike.
 * - Scores are computed against a baseline of the last in-control samples (median and MAD for
 *   latency, a smoothed rate for failures), so outliers in the baseline do not move it.
 * - An alarm is only a candidate. It is judged on the samples seen *after* the alarm (at least
 *   `minRun`, more for a noisy series): confirmed when their level differs from the baseline by
 *   the minimum effect (ratio and absolute delta) with enough confidence. A candidate that fails
 *   stays open for another look while the CUSUM stays up; one as long as the baseline that never
 *   reaches the minimum effect becomes the baseline, so small shifts and slow cycles move the
 *   baseline instead of firing.
 * - A confirmed change is dated inside its candidate and its samples become the baseline.
 *
 * Pure: timestamps come with the samples; no clock, no I/O. What differs between latency and
 * failures lives behind {@link ChangeModel}.
 */

/** One observation: `at` epoch ms, `v` the value (seconds, or 1 for a failure and 0 for a success). */
export interface ChangeSample {
  at: number;
  v: number;
}

/** A confirmed change of level. Plain data: it is stored with the alert state and shown in the API. */
export interface ChangeInfo {
  /** What moved. */
  metric: 'latency' | 'failure_rate';
  /** Estimated time of the change: the first sample of the new level (epoch ms). */
  at: number;
  /** When it was confirmed (epoch ms). */
  detectedAt: number;
  /** Level before and after: the median latency in seconds, or the failure ratio. */
  before: number;
  after: number;
  /** p95 latency before and after, seconds (latency only). */
  beforeP95?: number;
  afterP95?: number;
  /** after / before (failure rates smoothed, so a baseline of 0 % still gives a finite ratio). */
  ratio: number;
  /** One-sided confidence that the level rose (0..1). */
  confidence: number;
  /** Samples after the change point that confirmed it. */
  samples: number;
}

/** Tuning shared by every model. */
export interface DetectorOptions {
  /** Samples needed before anything is judged. */
  learn: number;
  /** The baseline keeps this many in-control samples (the oldest leave first). */
  baselineSize: number;
  /**
   * Samples after the alarm needed to confirm it (so a single spike never fires). They are judged
   * on their own: the samples that raised the alarm are the high ones by selection, and judging
   * them would confirm noise.
   */
  minRun: number;
  /** A change is confirmed only with at least this one-sided confidence (e.g. 0.999). */
  confidence: number;
  /** CUSUM decision interval, in score units. */
  h: number;
  /**
   * In-control samples roll into the baseline (probes). Off, the baseline is the first `learn`
   * samples until a change is confirmed, so a slow drift accumulates against it (run history).
   */
  adaptive: boolean;
}

/** The verdict of a model on a candidate. */
export interface Judgement {
  confirmed: boolean;
  info: Omit<ChangeInfo, 'at' | 'detectedAt' | 'samples'>;
  /** A value halfway between the old and the new level (model units), to date the change. */
  midway: number;
}

/** What differs between latency and failures. */
export interface ChangeModel<S> {
  /** Summarises a baseline once per change of it. */
  prepare(baseline: readonly number[]): S;
  /** The CUSUM increment of one value (positive when it looks like the new level). */
  score(v: number, stats: S): number;
  /**
   * How many fresh samples a judgement needs beyond `minRun` for this baseline: a noisy series
   * needs more before the minimum effect stands out from its noise.
   */
  samplesNeeded?(stats: S): number;
  /** Judges a candidate: the values seen after the alarm against the baseline. */
  judge(fresh: readonly number[], baseline: readonly number[], stats: S): Judgement;
}

/** What callers of a detector see, whatever its model. */
export interface OnlineDetector {
  /** Whether the baseline is learned (the detector judges from now on). */
  readonly ready: boolean;
  /** Adds one sample; returns the change it confirmed, if any. */
  push(sample: ChangeSample): ChangeInfo | undefined;
}

/** The online detector. Feed samples in time order; `push` returns a change when one is confirmed. */
export class ChangeDetector<S> implements OnlineDetector {
  private baseline: ChangeSample[] = [];
  /** Samples not (yet) in the baseline, oldest first: the last `minRun`, plus an open candidate. */
  private recent: ChangeSample[] = [];
  private stats: S | undefined;
  /** Samples admitted since `stats` was computed (a median of 120 barely moves with one more). */
  private admitted = 0;
  private cusum = 0;
  /** Start of the open candidate: the first sample after the CUSUM last was 0. */
  private candidateFrom: number | undefined;
  /** When the CUSUM crossed `h` for the open candidate. */
  private alarmAt: number | undefined;

  constructor(private readonly model: ChangeModel<S>, private readonly options: DetectorOptions) {}

  /** Whether the baseline is learned (the detector judges from now on). */
  get ready(): boolean {
    return this.baseline.length >= this.options.learn;
  }

  /** The current CUSUM statistic (for tests and diagnostics). */
  get statistic(): number {
    return this.cusum;
  }

  /** Adds one sample; returns the change it confirmed, if any. */
  push(sample: ChangeSample): ChangeInfo | undefined {
    const o = this.options;
    if (!this.ready) {
      this.baseline.push(sample);
      this.stats = undefined;
      return undefined;
    }
    const stats = this.stats ??= this.model.prepare(this.baseline.map((s) => s.v));
    this.cusum = Math.max(0, this.cusum + this.model.score(sample.v, stats));
    this.recent.push(sample);
    if (this.cusum === 0) {
      this.candidateFrom = undefined;
      this.alarmAt = undefined;
    } else {
      this.candidateFrom ??= sample.at;
      if (this.cusum >= o.h) this.alarmAt ??= sample.at;
    }
    let change: ChangeInfo | undefined;
    if (this.candidateFrom !== undefined) {
      const from = this.candidateFrom;
      const alarm = this.alarmAt;
      const post = this.recent.filter((s) => s.at >= from);
      const fresh = alarm === undefined ? [] : post.filter((s) => s.at > alarm);
      const needed = Math.max(o.minRun, this.model.samplesNeeded?.(stats) ?? 0);
      if (fresh.length >= needed) change = this.decide(post, fresh, sample.at, stats);
      // A candidate that hovers below h for long is judged on its latest samples (a slow rise).
      else if (alarm === undefined && post.length >= 4 * o.minRun) change = this.decide(post, post.slice(-o.minRun), sample.at, stats);
    }
    this.admit();
    return change;
  }

  private decide(post: ChangeSample[], fresh: ChangeSample[], now: number, stats: S): ChangeInfo | undefined {
    const verdict = this.model.judge(fresh.map((s) => s.v), this.baseline.map((s) => s.v), stats);
    if (!verdict.confirmed || verdict.info.confidence < this.options.confidence) {
      // Not (yet) a change worth telling. The candidate stays open with a fresh window: if the
      // level is really higher the CUSUM stays up and the next window is judged; if it was noise
      // the CUSUM falls back to 0, the candidate closes and its samples join the baseline.
      // A candidate as long as the baseline that never reached the minimum effect is a smaller
      // shift (or a slow cycle): it becomes the baseline, and memory stays bounded.
      if (post.length >= this.options.baselineSize) {
        this.reset();
        if (this.options.adaptive) this.rebase([...this.baseline, ...this.recent]);
        this.recent = [];
        return undefined;
      }
      this.cusum = Math.min(this.cusum, this.options.h);
      this.alarmAt = now;
      return undefined;
    }
    const from = changePoint(post, verdict.midway);
    const after = post.slice(from);
    this.reset();
    this.rebase(after);
    this.recent = [];
    return { ...verdict.info, at: after[0]?.at ?? now, detectedAt: now, samples: after.length };
  }

  /** Moves samples older than the last `minRun` (and not part of a candidate) into the baseline. */
  private admit(): void {
    const o = this.options;
    let moved = 0;
    while (this.recent.length - moved > o.minRun && (this.candidateFrom === undefined || this.recent[moved]!.at < this.candidateFrom)) moved++;
    if (moved === 0) return;
    const leaving = this.recent.splice(0, moved);
    if (!o.adaptive) return;
    this.baseline.push(...leaving);
    if (this.baseline.length > o.baselineSize) this.baseline.splice(0, this.baseline.length - o.baselineSize);
    this.admitted += moved;
    if (this.admitted >= Math.max(1, Math.floor(o.baselineSize / 20))) {
      this.stats = undefined;
      this.admitted = 0;
    }
  }

  private reset(): void {
    this.cusum = 0;
    this.candidateFrom = undefined;
    this.alarmAt = undefined;
  }

  private rebase(samples: readonly ChangeSample[]): void {
    this.baseline = samples.slice(-this.options.baselineSize);
    this.stats = undefined;
    this.admitted = 0;
  }
}

/**
 * Dates a confirmed change inside its candidate: the split after which samples are most often
 * above the midway level (a sign CUSUM from the end). The CUSUM's own estimate, its last zero,
 * is pulled early by spikes before the step; here a spike counts once, like any sample.
 */
function changePoint(post: readonly ChangeSample[], midway: number): number {
  let best = 0;
  let score = 0;
  let at = 0;
  for (let i = post.length - 1; i >= 0; i--) {
    score += post[i]!.v > midway ? 1 : -1;
    if (score >= best) {
      best = score;
      at = i;
    }
  }
  return at;
}
