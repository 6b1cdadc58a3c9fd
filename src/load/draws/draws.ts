/**
 * Drawn variables and data rows at run time. The plan gives every `{{name}}` a numbered slot;
 * each iteration fills the slots its scenario uses once (the same values in all its requests),
 * from a stream seeded by (seed, global iteration number). The global number comes from the
 * worker's segment (`nthOwned`): unique across workers and shards — so `sequence` never repeats
 * and a `shared` data file hands each row out at most once per pass, however the run is split —
 * and exactly 0..N-1 when the workers' counts stay even (shared-iterations; one open-model phase
 * that drops nothing). Nothing here allocates per iteration except the value strings themselves.
 */
import { randomInt, randomUUID } from 'node:crypto';
import { PwError } from '../../core/errors.js';
import type { DataSourceConfig, VarsConfig } from '../../config/sections/load-vars.js';
import type { LoadConfig } from '../../config/sections/loads.js';
import { pickWeighted } from '../plan/schedule.js';
import { nthOwned } from '../plan/segment.js';
import type { Segment } from '../plan/segment.js';
import { TableReader } from './data-table.js';
import type { DataTable } from './data-table.js';
import { IterationRandom } from './prng.js';
import type { VarSpec } from './var-expr.js';
import { ZipfSampler } from './zipf.js';

/** One variable a scenario draws into `slot`. */
export type PreparedVar =
  | { slot: number; fn: 'randomInt'; min: number; span: number }
  | { slot: number; fn: 'choice'; values: readonly string[]; cumulative: readonly number[] }
  | { slot: number; fn: 'zipf'; sampler: ZipfSampler }
  | { slot: number; fn: 'sequence'; start: number }
  | { slot: number; fn: 'uuid' };

/** The cells a scenario reads from one data source: (slot, column) pairs. */
export interface PreparedRead {
  source: number;
  cells: readonly (readonly [slot: number, column: number])[];
}

/** What one scenario's iteration fills. */
export interface ScenarioDraws {
  vars: readonly PreparedVar[];
  reads: readonly PreparedRead[];
}

/** A load's draws: the seed, its data sources and, per scenario, what an iteration fills. */
export interface DrawPlan {
  seed: number;
  sources: readonly { name: string; mode: 'shared' | 'per-vu'; order: 'sequential' | 'random'; table: DataTable }[];
  scenarios: readonly ScenarioDraws[];
}

/** True when a load draws (variables, data files or a seed): its plan has a `DrawPlan`. */
export function loadDraws(load: Pick<LoadConfig, 'vars' | 'data' | 'seed' | 'scenarios'>): boolean {
  return load.vars !== undefined || load.data !== undefined || load.seed !== undefined || (load.scenarios ?? []).some((s) => s.vars !== undefined);
}

/**
 * The load a run executes: `load` itself, or, when it draws without a `seed`, a copy with one
 * (every worker must draw from the same seed; the result reports it): `agreed` when the shards of
 * a run share a start instant (`--start-at`, a scheduled sharded run), so they shuffle shared
 * rows alike; else a random one.
 */
export function withRunSeed(load: LoadConfig, agreed?: number): LoadConfig {
  if (load.seed !== undefined || !loadDraws(load)) return load;
  return { ...load, seed: agreed ?? randomInt(2 ** 32) };
}

/** The variables scenario `vars` sees: its own over the load's. */
export function scenarioVars(load: VarsConfig | undefined, scenario: VarsConfig | undefined): ReadonlyMap<string, VarSpec> {
  return new Map([...Object.entries(load ?? {}), ...Object.entries(scenario ?? {})]);
}

/** True for variables whose values are numbers (a JSON body's `"{{n}}"` becomes a JSON number). */
export function isNumericVar(spec: VarSpec | undefined): boolean {
  return spec !== undefined && (spec.fn === 'randomInt' || spec.fn === 'zipf' || spec.fn === 'sequence');
}

/**
 * What a scenario draws for the names its templates use (`used`: name → slot); names that are not
 * variables or data columns are extracted ones. Throws PW_ERR_INVALID_ARGUMENT for a data file
 * that was not read (the config was not loaded by the config loader) or lacks a column.
 */
export function prepareScenarioDraws(used: ReadonlyMap<string, number>, vars: ReadonlyMap<string, VarSpec>, data: readonly DataSourceConfig[]): ScenarioDraws {
  const prepared: PreparedVar[] = [];
  const reads = new Map<number, [number, number][]>();
  for (const [name, slot] of used) {
    const dot = name.indexOf('.');
    if (dot < 0) {
      const spec = vars.get(name);
      if (spec !== undefined) prepared.push(prepareVar(spec, slot));
      continue;
    }
    const source = data.findIndex((d) => d.name === name.slice(0, dot));
    const d = data[source];
    if (d === undefined) continue;
    if (d.table.rows === 0) throw new PwError('PW_ERR_INVALID_ARGUMENT', `data "${d.name}" (${d.file}) was not read: load the config with the config loader`);
    const column = d.table.columns.indexOf(name.slice(dot + 1));
    if (column < 0) throw new PwError('PW_ERR_INVALID_ARGUMENT', `data "${d.name}" has no column "${name.slice(dot + 1)}"`);
    let cells = reads.get(source);
    if (cells === undefined) reads.set(source, (cells = []));
    cells.push([slot, column]);
  }
  return { vars: prepared, reads: [...reads].map(([source, cells]) => ({ source, cells })) };
}

function prepareVar(spec: VarSpec, slot: number): PreparedVar {
  switch (spec.fn) {
    case 'randomInt':
      return { slot, fn: spec.fn, min: spec.min, span: spec.max - spec.min + 1 };
    case 'choice': {
      let acc = 0;
      return { slot, fn: spec.fn, values: spec.values, cumulative: spec.weights.map((w) => (acc += w)) };
    }
    case 'zipf':
      return { slot, fn: spec.fn, sampler: new ZipfSampler(spec.n, spec.s) };
    case 'sequence':
      return { slot, fn: spec.fn, start: spec.start };
    case 'uuid':
      return { slot, fn: spec.fn };
  }
}

/** What the VUs of one worker share: the iteration counter of its segment and the shuffles of shared random data. */
export class WorkerDraws {
  private started = 0;
  /** Per source: the row order of `shared` + `random` (one seeded shuffle for the run, computed before it starts). */
  readonly orders: readonly (Uint32Array | undefined)[];
  /** Per source: its cells (shared memory, read in place). */
  readonly readers: readonly TableReader[];

  constructor(
    readonly plan: DrawPlan,
    private readonly segment: Segment,
  ) {
    this.orders = plan.sources.map((s, i) => (s.mode === 'shared' && s.order === 'random' ? shuffled(s.table.rows, plan.seed, i) : undefined));
    this.readers = plan.sources.map((s) => new TableReader(s.table));
  }

  /** The global number of this worker's next iteration. */
  nextIteration(): number {
    return nthOwned(this.segment, this.started++);
  }
}

/** One VU's draws: its value slots, its random stream and its own cursors into `per-vu` data. */
export class VuDraws {
  /** Values by slot, read by the request templates. */
  readonly values: string[];
  private readonly random = new IterationRandom();
  private readonly uniform = (): number => this.random.next();
  private readonly cursors: number[];

  constructor(
    private readonly worker: WorkerDraws,
    slotCount: number,
  ) {
    this.values = new Array<string>(slotCount).fill('');
    this.cursors = worker.plan.sources.map(() => 0);
  }

  /**
   * Starts an iteration: picks its scenario by `cumulativeWeights` (unless fixed counts already
   * chose it: `scenario`) and fills the slots it uses. Returns the scenario index.
   */
  begin(cumulativeWeights: readonly number[], scenario?: number): number {
    const { plan } = this.worker;
    const index = this.worker.nextIteration();
    this.random.reset(plan.seed, index);
    const si = scenario ?? (cumulativeWeights.length === 1 ? 0 : pickWeighted(cumulativeWeights, this.random.next()));
    const draws = plan.scenarios[si];
    if (draws === undefined) return si;
    const values = this.values;
    for (const v of draws.vars) values[v.slot] = this.draw(v, index);
    for (const read of draws.reads) {
      const source = plan.sources[read.source]!;
      const rows = source.table.rows;
      let row: number;
      if (source.mode === 'shared') {
        const order = this.worker.orders[read.source];
        row = order === undefined ? index % rows : order[index % rows]!;
      } else if (source.order === 'random') row = Math.floor(this.random.next() * rows);
      else row = this.cursors[read.source]!++ % rows;
      const reader = this.worker.readers[read.source]!;
      for (const [slot, column] of read.cells) values[slot] = reader.cell(row, column);
    }
    return si;
  }

  private draw(v: PreparedVar, index: number): string {
    switch (v.fn) {
      case 'randomInt':
        return String(v.min + Math.floor(this.random.next() * v.span));
      case 'choice':
        return v.values[pickWeighted(v.cumulative, this.random.next())]!;
      case 'zipf':
        return String(v.sampler.sample(this.uniform));
      case 'sequence':
        return String(v.start + index);
      case 'uuid':
        return randomUUID();
    }
  }
}

/** A seeded Fisher–Yates shuffle of 0..n-1. */
function shuffled(n: number, seed: number, salt: number): Uint32Array {
  const order = new Uint32Array(n);
  for (let i = 0; i < n; i++) order[i] = i;
  const random = new IterationRandom();
  // An iteration number no run reaches: the shuffle's stream never equals an iteration's.
  random.reset(seed, Number.MAX_SAFE_INTEGER - salt);
  for (let i = n - 1; i > 0; i--) {
    const j = Math.floor(random.next() * (i + 1));
    const t = order[i]!;
    order[i] = order[j]!;
    order[j] = t;
  }
  return order;
}
