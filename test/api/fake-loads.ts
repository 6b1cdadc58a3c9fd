/** An in-memory load service for API tests until (and besides) the real engine: runs finish on demand. */
import type { HistoryService } from '../../src/history/history-service.js';
import { PwError } from '../../src/core/errors.js';
import type { LoadsServiceLike } from '../../src/api/service-contracts.js';

/** A fake "loads" service writing finished runs into the history service. */
export function fakeLoads(history: () => HistoryService | undefined, names: string[] = ['smoke']) {
  let seq = 0;
  const running = new Map<string, { load: string; startedAt: number }>();
  const service: LoadsServiceLike & { finish(runId: string, p95: number): void } = {
    list: () => names.map((name) => ({ name, executor: 'constant-vus' })),
    trigger(name) {
      if (!names.includes(name)) throw new PwError('PW_ERR_NOT_FOUND', `no load named "${name}"`);
      if (running.size > 0) throw new PwError('PW_ERR_CONFLICT', 'a load run is already in progress');
      const runId = `${name}-${++seq}`;
      running.set(runId, { load: name, startedAt: Date.now() + seq });
      return { runId };
    },
    abort(runId) {
      return running.delete(runId);
    },
    finish(runId, p95) {
      const r = running.get(runId);
      if (r === undefined) throw new Error(`not running: ${runId}`);
      running.delete(runId);
      history()?.recordFinishedRun({
        id: runId, load: r.load, status: 'finished', verdict: 'pass', startedAt: r.startedAt, finishedAt: r.startedAt + 1000,
        result: { summary: { requests: 1000, errors: 0 }, latencyMs: { p95, p99: p95 * 1.5 }, endpoints: [], verdict: 'pass' },
      }, { html: `<!doctype html><html><body><h1>Run ${runId}</h1></body></html>`, markdown: `# Run ${runId}` });
    },
  };
  return service;
}
