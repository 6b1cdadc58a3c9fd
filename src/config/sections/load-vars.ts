/**
 * The data-driven parts of a load: `vars` (variables drawn per iteration, at the load or a
 * scenario level), `data` (CSV/JSON files whose rows are handed to iterations) and `seed`. The
 * expressions decode once, here, into `VarSpec`s; data files are read by `config/data-files.ts`
 * after decoding. `checkLoadVars` and `templateProblem` are the semantic checks `loads.ts` runs.
 */
import { Type } from '@sinclair/typebox';
import type { StaticDecode } from '@sinclair/typebox';
import { Strict } from '../types.js';
import type { ReportProblem } from '../problem.js';
import { coerceError } from '../../core/errors.js';
import { formatVarExpr, parseVarExpr } from '../../load/draws/var-expr.js';
import { emptyTable } from '../../load/draws/data-table.js';

/** A variable or data source name: it appears as `{{name}}` / `{{name.column}}`. */
export const VAR_NAME = '^[A-Za-z_][A-Za-z0-9_]*$';

/** `vars`: name → expression, e.g. `{ key: "zipf(1000, 1.1)", id: "uuid" }`. */
export const VarsSchema = Type.Record(
  Type.String({ pattern: VAR_NAME }),
  Type.Transform(Type.String({ errorMessage: 'expected an expression like "zipf(1000, 1.1)", "randomInt(1, 10)", "choice(a, b)", "sequence" or "uuid"' }))
    .Decode((v) => parseVarExpr(v))
    .Encode((v) => formatVarExpr(v)),
  { errorMessage: 'expected a map of variable name to expression, like { key: "zipf(1000, 1.1)" }' },
);

/** Placeholder until `config/data-files.ts` reads the file (a load planned without it fails clearly). */
const NOT_LOADED = emptyTable();

/** One data file. */
export const DataSourceSchema = Type.Transform(Strict({
  /** Used as `{{name.column}}`. */
  name: Type.String({ pattern: VAR_NAME, errorMessage: 'expected a name of letters, digits and "_" (not starting with a digit)' }),
  /** CSV with a header row, or (`.json`) an array of objects; relative to the config file. */
  file: Type.String({ minLength: 1 }),
  /** `shared`: rows handed out across all VUs, each once per pass; `per-vu`: each VU walks the rows itself. */
  mode: Type.Union([Type.Literal('shared'), Type.Literal('per-vu')], { default: 'shared', errorMessage: 'expected "shared" or "per-vu"' }),
  /** `sequential`: file order; `random`: shared = a seeded shuffle, per-vu = a random row per iteration. */
  order: Type.Union([Type.Literal('sequential'), Type.Literal('random')], { default: 'sequential', errorMessage: 'expected "sequential" or "random"' }),
}))
  .Decode((v) => ({ ...v, table: NOT_LOADED }))
  .Encode(({ table: _table, ...rest }) => rest);

/** `seed`: fixes the drawn values, rows and scenario of every iteration. */
export const SeedSchema = Type.Integer({ minimum: 0, maximum: Number.MAX_SAFE_INTEGER, errorMessage: 'expected an integer seed >= 0' });

/** Decoded types. */
export type VarsConfig = StaticDecode<typeof VarsSchema>;
export type DataSourceConfig = StaticDecode<typeof DataSourceSchema>;

type Raw = Record<string, unknown>;

/** Reports an expression that does not parse, at `vars.<name>`. */
export function checkVarExprs(vars: unknown, at: readonly (string | number)[], report: ReportProblem): void {
  if (typeof vars !== 'object' || vars === null) return;
  for (const [k, v] of Object.entries(vars)) {
    if (typeof v !== 'string') continue;
    try {
      parseVarExpr(v);
    } catch (thrown) {
      report([...at, k], coerceError(thrown).message);
    }
  }
}

/** Load-level checks: expressions, unique data names, no name both a variable and a data source. */
export function checkLoadVars(l: Raw, at: readonly (string | number)[], report: ReportProblem): void {
  checkVarExprs(l.vars, [...at, 'vars'], report);
  if (l.ws !== undefined) for (const key of ['vars', 'data', 'seed']) if (l[key] !== undefined) report([...at, key], 'only used with scenarios (a ws load sends no templated requests)');
  const vars = keysOf(l.vars);
  const seen = new Set<string>();
  if (!Array.isArray(l.data)) return;
  (l.data as Raw[]).forEach((d, i) => {
    if (typeof d !== 'object' || d === null || typeof d.name !== 'string') return;
    if (seen.has(d.name)) report([...at, 'data', i, 'name'], `duplicate data name "${d.name}"`);
    if (vars.has(d.name)) report([...at, 'data', i, 'name'], `"${d.name}" is also a variable under vars`);
    seen.add(d.name);
  });
}

/** The names a scenario's templates may use without extracting them: its and its load's variables, the load's data sources. */
export interface DeclaredNames {
  vars: ReadonlySet<string>;
  data: ReadonlySet<string>;
}

/** The declared names of scenario `s` of load `l` (raw). */
export function declaredNames(l: Raw, s: Raw): DeclaredNames {
  const data = new Set<string>();
  if (Array.isArray(l.data)) for (const d of l.data as Raw[]) if (typeof d?.name === 'string') data.add(d.name);
  return { vars: new Set([...keysOf(l.vars), ...keysOf(s.vars)]), data };
}

/**
 * What is wrong with `{{name}}` in a request, or undefined: a data column needs a declared data
 * source (the column itself is checked against the file once it is read); a plain name needs a
 * variable or an earlier request's `extract`.
 */
export function templateProblem(name: string, declared: DeclaredNames, extracted: ReadonlySet<string>): string | undefined {
  const dot = name.indexOf('.');
  if (dot >= 0) {
    const source = name.slice(0, dot);
    return declared.data.has(source) ? undefined : `"{{${name}}}" names data "${source}", which this load does not declare under data`;
  }
  if (declared.vars.has(name) || extracted.has(name)) return undefined;
  return `"{{${name}}}" is used before a request of this scenario extracts it, and no vars declares it`;
}

function keysOf(v: unknown): Set<string> {
  return new Set(typeof v === 'object' && v !== null ? Object.keys(v) : []);
}
