/**
 * An HTTP probe as a sequence of steps, planned once at build time. The one-request form is a
 * sequence of one step carrying the probe's `assert` and sent as written; `http.steps` is a
 * short sequence (log in, extract the token, call the endpoint) with the loads' `extract` and
 * `{{var}}` syntax. The last step's checks are the probe's `assert`, and `measure` says whose
 * time is the probe's latency. One runner (`http-probe.ts`) runs both forms.
 */
import type { ProbeOfType } from '../config/sections/probes.js';
import { compileJsonPath, readJsonPath } from '../core/json-path.js';
import type { CompiledJsonPath } from '../core/json-path.js';
import { templateText } from '../core/template.js';
import type { CompiledAssertions } from './assertions.js';
import { compileAssertions } from './assertions.js';
import { planHttpRequest } from './http-request.js';
import type { HttpRequestPlan } from './http-request.js';
import type { FailureReason, ResolvedTarget } from './types.js';

/** One step, ready to run. */
export interface StepPlan {
  /** The step's `name`, or "METHOD path" (the query left out). */
  name: string;
  request: HttpRequestPlan;
  assertions: CompiledAssertions;
  /** `extract`: variable name, the path as written (for messages), the path compiled. */
  extract: readonly { name: string; path: string; compiled: CompiledJsonPath }[];
  /** The body must be read as text (a check or an extraction looks at it). */
  keepBody: boolean;
}

/** Whose time is the probe's latency: the last step's, the sum of all, or one step's (by index). */
export type Measure = { of: 'last' } | { of: 'total' } | { of: 'step'; index: number };

/** A probe's steps. */
export interface StepsPlan {
  steps: readonly StepPlan[];
  /** Written with `http.steps`: results name the steps and list them; false for the one-request form. */
  stepped: boolean;
  measure: Measure;
}

/** Plans the steps of an HTTP probe. Throws PW_ERR_INVALID_ARGUMENT for a URL it cannot resolve. */
export function planHttpSteps(probe: ProbeOfType<'http'>, target: ResolvedTarget | undefined): StepsPlan {
  const http = probe.http;
  // Following redirects, a final 3xx means the limit was hit: not a success unless asserted.
  const compileOptions = http.followRedirects && http.maxRedirects > 0 ? { defaultStatus: [[200, 299]] as [number, number][] } : {};
  if (http.steps === undefined) {
    const assertions = compileAssertions(probe.assert, compileOptions);
    const request = planHttpRequest(probe.name, http, target);
    return { steps: [{ name: defaultName(request.method, http.url ?? http.path ?? '/'), request, assertions, extract: [], keepBody: assertions.needsBody }], stepped: false, measure: { of: 'last' } };
  }
  const last = http.steps.length - 1;
  const steps = http.steps.map((step, i): StepPlan => {
    const request = planHttpRequest(probe.name, step, target, { commonHeaders: http.headers, templates: true });
    const assertions = compileAssertions(i === last ? probe.assert : step.assert, compileOptions);
    const extract = Object.entries(step.extract ?? {}).map(([name, path]) => ({ name, path, compiled: compileJsonPath(path) }));
    return { name: step.name ?? defaultName(request.method, step.url ?? step.path ?? '/'), request, assertions, extract, keepBody: assertions.needsBody || extract.length > 0 };
  });
  return { steps, stepped: true, measure: measureOf(http.measure, steps) };
}

function defaultName(method: string, address: string): string {
  return `${method} ${address.split('?')[0] ?? address}`;
}

function measureOf(measure: string | undefined, steps: readonly StepPlan[]): Measure {
  if (measure === undefined || measure === 'last') return { of: 'last' };
  if (measure === 'total') return { of: 'total' };
  // Config validation made sure the name exists.
  return { of: 'step', index: Math.max(0, steps.findIndex((s) => s.name === measure)) };
}

/**
 * Reads a step's `extract` paths from its JSON body into `vars`. A body that is not JSON or a
 * path with nothing there fails the step: the next request would go out with an empty value.
 */
export function extractVariables(step: StepPlan, bodyText: string, vars: Map<string, string>): { reason: FailureReason; message: string } | undefined {
  if (step.extract.length === 0) return undefined;
  let doc: unknown;
  try {
    doc = JSON.parse(bodyText) as unknown;
  } catch (err) {
    return { reason: 'invalid_json', message: `extract: the body is not JSON (${err instanceof Error ? err.message : String(err)})` };
  }
  for (const { name, path, compiled } of step.extract) {
    const found = readJsonPath(doc, compiled);
    if (!found.found) return { reason: 'assertion', message: `extract ${name}: nothing at ${path}` };
    vars.set(name, templateText(found.value));
  }
  return undefined;
}
