/** Starts any configured load (HTTP or WebSocket) against a resolved base URL. */
import type { LoadConfig } from '../config/sections/loads.js';
import { PwError } from '../core/errors.js';
import { planLoad } from './plan.js';
import type { LoadBase } from './plan.js';
import { finalizeResult } from './result.js';
import { startLoadRun } from './run-load.js';
import type { LoadRunHandle, LoadRunOptions } from './run-load.js';
import { startWsLoadRun } from './ws-load.js';

/** A target's resolved base URL and headers, by name. */
export type TargetResolver = (name: string) => LoadBase | undefined;

/** The base a load runs against: its own `url`, or its target's. Throws PW_ERR_NOT_FOUND. */
export function resolveLoadBase(load: LoadConfig, targets: TargetResolver): LoadBase {
  if (load.url !== undefined) return { url: load.url };
  const t = load.target === undefined ? undefined : targets(load.target);
  if (t === undefined) throw new PwError('PW_ERR_NOT_FOUND', `load "${load.name}": target "${load.target ?? ''}" is not known`);
  return t;
}

/**
 * Starts a run of `load`. The result carries the final verdict (`finalizeResult`): `aborted` for a
 * run stopped other than by abortOnFail, a sweep judged by its knee, units on the abort reason.
 */
export function startLoad(load: LoadConfig, base: LoadBase, options: LoadRunOptions = {}): LoadRunHandle {
  const handle = load.ws !== undefined ? startWsLoadRun(load, load.ws, base, options) : startLoadRun(planLoad(load, base), options);
  const done = handle.done.then(finalizeResult);
  return { runId: handle.runId, done, stop: (reason) => handle.stop(reason), progress: () => handle.progress() };
}
