/**
 * The live status page: `GET /` serves one small HTML page (inline CSS, the first snapshot
 * inlined as JSON so it paints without a round trip) and `GET /status-page/app.js` its
 * hand-written script; `/api/live` pushes probe results, alert transitions, load progress and
 * finished runs from the daemon's events. No framework, no build step. A producer that is not
 * running (no alerting, no storage) simply never fires, and the page shows that part as
 * unavailable.
 */
import { readFileSync } from 'node:fs';
import type { IncomingMessage } from 'node:http';
import type { DaemonContext, DaemonModule } from '../daemon/module.js';
import { routeDeps } from '../api/api-module.js';
import { tokenMatches } from '../server/auth.js';
import { attachLiveSocket } from './live-socket.js';
import { configSecrets } from '../config/load-config.js';
import { createRedactor } from '../core/redact.js';
import type { LiveSocket } from './live-socket.js';
import { buildSnapshot, firingAlert, pageBoard, pageFigures, pageProbeResult, pageRun } from './live-messages.js';
import { listProbes } from '../api/probe-routes.js';
import type { TimerHandle } from '../core/clock.js';
import type { LoadProgress } from '../load/result/result.js';
import type { MaintenanceService, MaintenanceView } from '../maintenance/maintenance-module.js';

/** How often the page gets the figures of the probes that ran. */
const FIGURES_EVERY_MS = 1000;

const html = readFileSync(new URL('./assets/index.html', import.meta.url), 'utf8');
const script = readFileSync(new URL('./assets/app.js', import.meta.url), 'utf8');

/** Inlines JSON in a `<script type="application/json">` safely. */
function inlineJson(value: unknown): string {
  return JSON.stringify(value).replace(/</g, '\\u003c').replace(/\u2028/g, '\\u2028').replace(/\u2029/g, '\\u2029');
}

/** What the status page shows besides the live data. */
export interface StatusPageOptions {
  /** Maintenance windows, for the banner (active now, or starting within a day). */
  maintenance?: () => MaintenanceService | undefined;
}

const DAY = 86_400_000;

function escapeHtml(s: string): string {
  return s.replace(/[<>&"']/g, (c) => ({ '<': '&lt;', '>': '&gt;', '&': '&amp;', '"': '&quot;', '\'': '&#39;' })[c] ?? c);
}

/** The maintenance banner: one line per window active now or starting within a day; empty without any. */
export function maintenanceBanner(windows: readonly MaintenanceView[], now: number): string {
  const time = (ms: number) => new Date(ms).toISOString().replace('T', ' ').slice(0, 16) + ' UTC';
  const scope = (w: MaintenanceView) => {
    const parts = [...(w.select.probes ?? []), ...(w.select.targets ?? []), ...(w.select.loads ?? [])];
    return parts.length === 0 ? 'everything' : parts.join(', ');
  };
  const lines = windows.flatMap((w) => {
    const comment = w.comment === undefined ? '' : ` — ${w.comment}`;
    if (w.active !== null) return [`<p><strong>Maintenance now:</strong> ${escapeHtml(w.name)} (${escapeHtml(scope(w))}) until ${time(w.active.endsAt)}${escapeHtml(comment)}; its alerts are silenced.</p>`];
    if (w.next !== null && w.next.startsAt - now <= DAY) return [`<p><strong>Maintenance planned:</strong> ${escapeHtml(w.name)} (${escapeHtml(scope(w))}) ${time(w.next.startsAt)} – ${time(w.next.endsAt)}${escapeHtml(comment)}.</p>`];
    return [];
  });
  return lines.length === 0 ? '' : `<div id="maintenance" class="maintenance" role="status">${lines.join('')}</div>`;
}

/** Creates the status-page module. Register it after the API module. */
export function createStatusPageModule(options: StatusPageOptions = {}): DaemonModule {
  let live: LiveSocket | undefined;
  const unsubscribe: (() => void)[] = [];
  let currentLoad: LoadProgress | null = null;
  let figuresTimer: TimerHandle | undefined;

  return {
    name: 'status-page',
    register(ctx: DaemonContext) {
      const deps = routeDeps(ctx);
      const api = ctx.config.api;
      const log = ctx.logger.child({ module: 'status-page' });
      const readAllowed = (authorization: string | undefined, url: string | undefined) => {
        if (api.readsOpen) return true;
        if (tokenMatches(authorization, api.token)) return true;
        const token = new URL(url ?? '/', 'http://x').searchParams.get('token');
        return token !== null && tokenMatches(`Bearer ${token}`, api.token);
      };

      ctx.app.get('/', { schema: { hide: true } }, async (request, reply) => {
        if (!readAllowed(request.headers.authorization, request.url)) {
          return reply.code(401).send({ error: 'unauthorized', code: 'PW_ERR_UNAUTHORIZED', message: 'reads are closed (api.readsOpen: false): open /?token=<api.token>' });
        }
        const snapshot = await buildSnapshot(deps, currentLoad);
        return reply
          .type('text/html; charset=utf-8')
          .header('cache-control', 'no-store')
          .send(html
            .replace('__MAINTENANCE__', () => maintenanceBanner(options.maintenance?.()?.list() ?? [], ctx.clock.now()))
            .replace('__SNAPSHOT__', () => inlineJson(snapshot)));
      });
      ctx.app.get('/status-page/app.js', { schema: { hide: true } }, async (_request, reply) =>
        reply.type('text/javascript; charset=utf-8').header('cache-control', 'no-cache').send(script));

      live = attachLiveSocket({
        server: ctx.app.server,
        clock: ctx.clock,
        authorize: (req: IncomingMessage) => readAllowed(req.headers.authorization, req.url),
        onConnect: async (send) => send(JSON.stringify(await buildSnapshot(deps, currentLoad))),
        onError: (err) => log.warn({ err }, 'status page: cannot send snapshot'),
        redact: createRedactor(configSecrets(ctx.config)),
      });
      const socket = live;

      // Each result goes out as it comes (small); the last-hour figures of the probes that ran go
      // out once a second, computed by the board (exact p95), so a thousand probes cost the page
      // one batch a second rather than a recomputation per result.
      const ran = new Set<string>();
      unsubscribe.push(ctx.events.on('probe:result', (r) => {
        ran.add(r.probe);
        socket.broadcast({ type: 'probe', result: pageProbeResult(r) });
      }));
      const sendFigures = () => {
        if (ran.size > 0 && socket.clients() > 0) {
          const infos = listProbes(deps).filter((p) => ran.has(p.name));
          socket.broadcast({ type: 'figures', probes: pageBoard(deps).entries(infos, ctx.clock.now()).map(pageFigures) });
        }
        ran.clear();
        figuresTimer = ctx.clock.setTimeout(sendFigures, FIGURES_EVERY_MS);
      };
      figuresTimer = ctx.clock.setTimeout(sendFigures, FIGURES_EVERY_MS);
      unsubscribe.push(ctx.events.on('alert:transition', (t) => {
        // a resolved transition is about the severity that ended; the page removes it by key
        const alert = firingAlert(t.kind === 'resolved' ? { ...t, to: t.severity } : t);
        if (alert !== undefined) socket.broadcast({ type: 'alert', transition: { kind: t.kind, alert } });
      }));
      unsubscribe.push(ctx.events.on('load:progress', (progress) => {
        currentLoad = progress;
        socket.broadcast({ type: 'load', progress });
      }));
      unsubscribe.push(ctx.events.on('load:finished', (finished) => {
        currentLoad = null;
        socket.broadcast({ type: 'load', progress: null });
        // the load module records the run in history before it emits this event
        const stored = deps.history()?.runs.get(finished.runId);
        if (stored !== undefined) socket.broadcast({ type: 'run', run: pageRun(stored) });
      }));
    },
    async stop() {
      figuresTimer?.cancel();
      figuresTimer = undefined;
      for (const u of unsubscribe.splice(0)) u();
      await live?.close();
      live = undefined;
    },
  };
}
