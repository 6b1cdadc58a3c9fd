/** Turns the probe and target config into runnable probes, once, at start-up. */
import type { Config } from '../config/schema.js';
import { PwError } from '../core/errors.js';
import { createProbeRunner } from './probe-kinds.js';
import type { ProbeRunner, ResolvedTarget } from './types.js';

/** Resolves every target's base URL; `demoUrl` is the embedded demo target's, when it runs. */
export function resolveTargets(config: Config, demoUrl: string | undefined): Map<string, ResolvedTarget> {
  const out = new Map<string, ResolvedTarget>();
  for (const t of config.targets) {
    const base = t.demo === true ? demoUrl : t.url;
    if (base === undefined) {
      throw new PwError('PW_ERR_CONFIG_INVALID', `target "${t.name}" refers to the demo target, which is not running`);
    }
    out.set(t.name, { name: t.name, baseUrl: base.replace(/\/+$/, ''), headers: { ...(t.headers ?? {}) } });
  }
  return out;
}

/** Builds a runner for each configured probe. */
export function buildProbeRunners(config: Config, targets: ReadonlyMap<string, ResolvedTarget>): ProbeRunner[] {
  return config.probes.map((p) => {
    const target = p.target === undefined ? undefined : targets.get(p.target);
    return createProbeRunner(p, target);
  });
}
