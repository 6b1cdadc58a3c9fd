/**
 * Executors by kind, k6's names and semantics. A sweep is not an executor: the plan turns it into
 * a sequence of phases of these (`plan.ts`).
 */
import type { ExecutorKind, ExecutorSpec } from '../plan/plan.js';
import { constantVus, rampingVus } from './closed.js';
import { perVuIterations, sharedIterations } from './iterations.js';
import { constantArrivalRate, rampingArrivalRate } from './open.js';
import type { ExecutorContext, ExecutorFactory, ExecutorHandle } from './types.js';

const EXECUTORS: { readonly [K in ExecutorKind]: ExecutorFactory<K> } = {
  'constant-vus': constantVus,
  'ramping-vus': rampingVus,
  'constant-arrival-rate': constantArrivalRate,
  'ramping-arrival-rate': rampingArrivalRate,
  'shared-iterations': sharedIterations,
  'per-vu-iterations': perVuIterations,
};

/** Starts the executor of `spec.kind`. */
export function startExecutor(spec: ExecutorSpec, ctx: ExecutorContext): ExecutorHandle {
  const factory = EXECUTORS[spec.kind] as ExecutorFactory<ExecutorKind>;
  return factory(spec as never, ctx);
}
