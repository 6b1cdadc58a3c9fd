/**
 * The HTTP probe: one request per run, or a short sequence of steps (log in, extract the token,
 * call the endpoint). Every request goes over a fresh connection (`http-exchange.ts`), so each
 * step measures what a new visitor pays. The run owns one timer (`http.timeout` bounds the whole
 * sequence) and the abort; a failed step ends the run with its reason, named in the message
 * (`step "login": status 2xx: got 401`). The probe's latency and phases are the last step's, the
 * sum of all (`measure: total`) or a named step's. Values extracted at run time are treated as
 * secrets: they never appear in the result (URLs keep their `{{var}}`, messages are redacted).
 * A target's failure is data: the run always resolves to a ProbeResult with a stable reason.
 */
import type { ProbeOfType } from '../config/sections/probes.js';
import type { Clock } from '../core/clock.js';
import { systemClock } from '../core/clock.js';
import { createRedactor } from '../core/redact.js';
import { evaluateAssertions } from './assertions.js';
import { exchange } from './http-exchange.js';
import type { Exchange, ExchangeRun, ExchangeSettings } from './http-exchange.js';
import { renderHttpRequest } from './http-request.js';
import { extractVariables, planHttpSteps } from './http-steps.js';
import type { Measure, StepPlan, StepsPlan } from './http-steps.js';
import type { AssertionResult, FailureReason, PhaseTimings, ProbeResult, ProbeRunContext, ProbeRunner, ResolvedTarget, StepResult } from './types.js';
import { PHASES } from './types.js';

/** Optional dependencies of `createHttpProbe`. */
export interface HttpProbeOptions {
  /** Supplies `startedAt` and the timeout timer. Default: the system clock. */
  clock?: Clock;
}

interface Settings {
  plan: StepsPlan;
  targetName: string;
  exchange: ExchangeSettings;
  clock: Clock;
}

/** Builds a runnable HTTP probe from config. Throws PW_ERR_INVALID_ARGUMENT for a URL it cannot resolve. */
export function createHttpProbe(probe: ProbeOfType<'http'>, target: ResolvedTarget | undefined, options: HttpProbeOptions = {}): ProbeRunner {
  const http = probe.http;
  const plan = planHttpSteps(probe, target);
  const settings: Settings = {
    plan,
    targetName: lastStep(plan).request.targetName,
    exchange: { timeoutMs: http.timeout, maxBodySize: http.maxBodySize, tlsVerify: http.tlsVerify, maxRedirects: http.followRedirects ? http.maxRedirects : 0 },
    clock: options.clock ?? systemClock,
  };
  return {
    name: probe.name,
    kind: 'http',
    target: settings.targetName,
    run: (ctx) => runHttpProbe(probe.name, settings, ctx),
  };
}

function lastStep(plan: StepsPlan): StepPlan {
  const step = plan.steps[plan.steps.length - 1];
  // The schema asks for at least one step, and the one-request form is one.
  if (step === undefined) throw new Error('an HTTP probe has at least one step');
  return step;
}

/** The probe's latency and phases under `measure`, from the steps run so far. */
function measured(measure: Measure, steps: readonly StepResult[]): { durationSeconds: number; phases: PhaseTimings } {
  if (measure.of === 'total') {
    const phases: PhaseTimings = {};
    for (const step of steps) for (const phase of PHASES) {
      const v = step.phases[phase];
      if (v !== undefined) phases[phase] = (phases[phase] ?? 0) + v;
    }
    return { durationSeconds: steps.reduce((sum, s) => sum + s.durationSeconds, 0), phases };
  }
  const step = measure.of === 'last' ? steps.at(-1) : steps[measure.index];
  return { durationSeconds: step?.durationSeconds ?? 0, phases: step?.phases ?? {} };
}

async function runHttpProbe(name: string, s: Settings, ctx: ProbeRunContext): Promise<ProbeResult> {
  const { plan } = s;
  const result: ProbeResult = {
    probe: name,
    target: s.targetName,
    kind: 'http',
    url: lastStep(plan).request.url,
    ok: false,
    startedAt: s.clock.now(),
    durationSeconds: 0,
    phases: {},
    traceId: ctx.traceContext.traceId,
    spanId: ctx.traceContext.spanId,
  };
  if (ctx.signal?.aborted === true) return { ...result, reason: 'error', message: 'aborted before start' };

  // The first stop wins: the timer's (a timeout) or the daemon's (an abort).
  let stopReason: unknown;
  let onStop: (() => void) | undefined;
  const stop = (reason: unknown): void => {
    if (stopReason !== undefined) return;
    stopReason = reason;
    onStop?.();
  };
  let timedOut = false;
  const timer = s.clock.setTimeout(() => {
    timedOut = true;
    stop(new Error(`timed out after ${s.exchange.timeoutMs}ms`));
  }, s.exchange.timeoutMs);
  let abortedBy: unknown;
  const onAbort = (): void => {
    abortedBy = ctx.signal?.reason ?? new Error('aborted');
    stop(abortedBy);
  };
  ctx.signal?.addEventListener('abort', onAbort, { once: true });
  const run: ExchangeRun = {
    stopReason: () => stopReason,
    onStop: (listener) => {
      onStop = listener;
      return () => { if (onStop === listener) onStop = undefined; };
    },
    timedOut: () => timedOut,
    abortedBy: () => abortedBy,
  };

  const vars = new Map<string, string>();
  const done: StepResult[] = [];
  try {
    for (const [i, step] of plan.steps.entries()) {
      const isLast = i === plan.steps.length - 1;
      const req = renderHttpRequest(step.request, vars);
      const x = await exchange({ ...req, method: step.request.method, headers: { ...req.headers, traceparent: ctx.traceContext.traceparent } }, s.exchange, run, step.keepBody);
      const stepResult: StepResult = { name: step.name, url: step.request.url, ok: false, durationSeconds: x.durationSeconds, phases: x.phases };
      if (x.status !== undefined) stepResult.status = x.status;
      done.push(stepResult);
      copyResponse(result, x);
      let failure = x.failure;
      if (failure === undefined) {
        const judged = judge(step, x, vars, s.exchange.maxRedirects, isLast ? measured(plan.measure, done).durationSeconds : x.durationSeconds);
        result.assertions = judged.assertions;
        failure = judged.failure;
      }
      if (failure !== undefined) {
        stepResult.reason = failure.reason;
        result.reason = failure.reason;
        result.message = plan.stepped ? `step "${step.name}": ${failure.message}` : failure.message;
        result.url = step.request.url;
        // The time spent before the run stopped; the phases of the request that failed.
        result.durationSeconds = plan.stepped ? measured({ of: 'total' }, done).durationSeconds : x.durationSeconds;
        result.phases = x.phases;
        break;
      }
      stepResult.ok = true;
      if (isLast) {
        result.ok = true;
        Object.assign(result, measured(plan.measure, done));
      }
    }
  } finally {
    timer.cancel();
    ctx.signal?.removeEventListener('abort', onAbort);
  }
  if (plan.stepped) result.steps = done;
  return vars.size === 0 ? result : redactValues(result, vars);
}

/** Checks a step's response (assertions first: a 401 says more than the token it lacks), then extracts. */
function judge(step: StepPlan, x: Exchange, vars: Map<string, string>, maxRedirects: number, seconds: number): { assertions: AssertionResult[]; failure?: { reason: FailureReason; message: string } | undefined } {
  const status = x.status ?? 0;
  const headers = x.responseHeaders ?? {};
  const outcome = evaluateAssertions(step.assertions, { status, headers, bodyText: x.bodyText, durationSeconds: seconds });
  if (outcome.failure !== undefined) {
    const hitLimit = maxRedirects > 0 && status >= 300 && status < 400 && headers.location !== undefined;
    const failure = hitLimit ? { ...outcome.failure, message: `${outcome.failure.message} (redirect limit ${maxRedirects} reached)` } : outcome.failure;
    return { assertions: outcome.results, failure };
  }
  return { assertions: outcome.results, failure: extractVariables(step, x.bodyText, vars) };
}

/** The response of the latest request: what the result shows of it. */
function copyResponse(result: ProbeResult, x: Exchange): void {
  // Nothing of an earlier step's response stays when a later request got none.
  delete result.status;
  delete result.headers;
  delete result.bodyBytes;
  delete result.assertions;
  if (x.status !== undefined) result.status = x.status;
  if (x.headers !== undefined) result.headers = x.headers;
  if (x.bodyBytes !== undefined) result.bodyBytes = x.bodyBytes;
}

/** Extracted values (tokens, session ids) out of every text of the result: assertion values and the message. */
function redactValues(result: ProbeResult, vars: ReadonlyMap<string, string>): ProbeResult {
  const redact = createRedactor(vars.values());
  if (result.message !== undefined) result.message = redact(result.message);
  if (result.assertions !== undefined) result.assertions = result.assertions.map((a) => (a.actual === undefined ? a : { ...a, actual: redact(a.actual) }));
  return result;
}
