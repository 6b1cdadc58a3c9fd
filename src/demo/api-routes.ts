/**
 * The demo target's business routes, shaped like the seeds' backends (a trading bot's API):
 * status with process memory figures, an "AI brain" status, trades, user performance (a few ms
 * of real CPU work, like a report query), bot enable/disable, graph stats, and a keyed item read
 * through a real LRU for cache workloads. Fault injection happens in hooks (see demo-target.ts),
 * so these handlers stay plain.
 */
import type { FastifyInstance, FastifyReply } from 'fastify';
import { Type } from '@sinclair/typebox';
import type { Static } from '@sinclair/typebox';
import type { Clock } from '../core/clock.js';
import type { ItemCache } from './item-cache.js';
import type { ResponseCache } from './response-cache.js';
import type { DemoMetrics } from './demo-metrics.js';
import type { LeakStats } from './leak.js';
import { seededRandom } from './random.js';

/** What the routes read. */
export interface ApiRouteDeps {
  clock: Clock;
  items: ItemCache;
  responses: ResponseCache;
  metrics: DemoMetrics;
  keySpace: number;
  random: () => number;
  leak(): LeakStats;
  ws(): { connections: number; subscribers: number };
}

const TradeBody = Type.Object({
  symbol: Type.String({ minLength: 1, maxLength: 16, pattern: '^[A-Za-z0-9./_-]+$' }),
  side: Type.Union([Type.Literal('buy'), Type.Literal('sell')]),
  quantity: Type.Number({ exclusiveMinimum: 0, maximum: 1_000_000 }),
  price: Type.Optional(Type.Number({ exclusiveMinimum: 0 })),
  type: Type.Optional(Type.Union([Type.Literal('market'), Type.Literal('limit')])),
}, { additionalProperties: false });

const BotBody = Type.Union([Type.Object({ botId: Type.Optional(Type.String({ minLength: 1, maxLength: 64 })) }), Type.Null()]);
const ItemParams = Type.Object({ id: Type.Integer({ minimum: 0 }) });
const PerformanceQuery = Type.Object({ userId: Type.Optional(Type.Integer({ minimum: 0, default: 1 })) });

const MB = 1024 * 1024;
/** Simulation steps behind /api/user/performance: a few milliseconds of arithmetic. */
const PERFORMANCE_STEPS = 150_000;
/** How long cacheable status responses stay fresh. */
export const RESPONSE_TTL_MS = 1000;

/** Registers the /api routes on `app`. */
export function registerApiRoutes(app: FastifyInstance, deps: ApiRouteDeps): void {
  const startedAt = deps.clock.now();
  const bots = new Map<string, { enabled: boolean; changedAt: number }>();
  let orders = 0;

  const cacheHeader = (reply: FastifyReply, hit: boolean): void => {
    reply.header('x-cache', hit ? 'HIT' : 'MISS');
    (hit ? deps.metrics.cacheHits : deps.metrics.cacheMisses).inc();
  };

  app.get('/api/status', async () => {
    const mem = process.memoryUsage();
    const leak = deps.leak();
    return {
      status: 'ok',
      service: 'perfwarden-demo',
      uptimeSeconds: Math.round((deps.clock.now() - startedAt) / 100) / 10,
      memory: {
        rss: mem.rss, heapUsed: mem.heapUsed, heapTotal: mem.heapTotal, external: mem.external,
        rssMB: round2(mem.rss / MB), heapUsedMB: round2(mem.heapUsed / MB),
      },
      leak: { retainedBytes: leak.retainedBytes, chunks: leak.chunks },
      cache: deps.items.stats(),
      ws: deps.ws(),
    };
  });

  app.get('/api/brain/status', async (_req, reply) => {
    const { value, hit } = deps.responses.get('brain', () => ({
      status: 'active',
      model: 'demo-brain-1',
      confidence: round2(0.5 + deps.random() / 2),
      signals: ['momentum', 'mean-reversion', 'volume'].map((name) => ({ name, weight: round2(deps.random()) })),
      computedAt: new Date(deps.clock.now()).toISOString(),
    }));
    cacheHeader(reply, hit);
    return value;
  });

  app.post<{ Body: Static<typeof TradeBody> }>('/api/trade', { schema: { body: TradeBody } }, async (req) => {
    orders++;
    const { symbol, side, quantity } = req.body;
    const price = req.body.price ?? round2(100 + deps.random() * 50);
    return {
      orderId: `ord-${orders.toString().padStart(6, '0')}-${Math.floor(deps.random() * 0xffffff).toString(16).padStart(6, '0')}`,
      status: 'filled', symbol, side, quantity, price, type: req.body.type ?? 'market',
      filledAt: new Date(deps.clock.now()).toISOString(),
    };
  });

  app.get<{ Querystring: Static<typeof PerformanceQuery> }>('/api/user/performance', { schema: { querystring: PerformanceQuery } }, async (req) => {
    return { userId: req.query.userId ?? 1, ...simulatePerformance(req.query.userId ?? 1) };
  });

  for (const action of ['enable', 'disable'] as const) {
    app.post<{ Body: Static<typeof BotBody> }>(`/api/bot/${action}`, { schema: { body: BotBody } }, async (req) => {
      const botId = req.body?.botId ?? 'default';
      const state = { enabled: action === 'enable', changedAt: deps.clock.now() };
      bots.set(botId, state);
      return { botId, enabled: state.enabled, changedAt: new Date(state.changedAt).toISOString() };
    });
  }

  app.get('/api/graph/stats', async (_req, reply) => {
    const { value, hit } = deps.responses.get('graph', () => graphStats(deps.random));
    cacheHeader(reply, hit);
    return value;
  });

  app.get<{ Params: Static<typeof ItemParams> }>('/api/items/:id', { schema: { params: ItemParams } }, async (req, reply) => {
    const id = req.params.id;
    if (id >= deps.keySpace) {
      return reply.code(404).send({ error: 'not_found', message: `item ${id} does not exist (key space is 0..${deps.keySpace - 1})` });
    }
    const { item, hit } = deps.items.get(id);
    cacheHeader(reply, hit);
    return item;
  });
}

/** A deterministic per-user trading simulation: real CPU work proportional to PERFORMANCE_STEPS. */
function simulatePerformance(userId: number) {
  const rnd = seededRandom(userId * 7919 + 1);
  let equity = 10_000;
  let peak = equity;
  let maxDrawdown = 0;
  let wins = 0;
  let sum = 0;
  let sumSq = 0;
  for (let i = 0; i < PERFORMANCE_STEPS; i++) {
    const r = (rnd() - 0.495) * 0.002;
    equity *= 1 + r;
    if (r > 0) wins++;
    sum += r;
    sumSq += r * r;
    if (equity > peak) peak = equity;
    maxDrawdown = Math.max(maxDrawdown, (peak - equity) / peak);
  }
  const mean = sum / PERFORMANCE_STEPS;
  const std = Math.sqrt(Math.max(0, sumSq / PERFORMANCE_STEPS - mean * mean));
  return {
    trades: PERFORMANCE_STEPS,
    totalReturn: round4(equity / 10_000 - 1),
    winRate: round4(wins / PERFORMANCE_STEPS),
    sharpe: round4(std === 0 ? 0 : (mean / std) * Math.sqrt(252)),
    maxDrawdown: round4(maxDrawdown),
  };
}

function graphStats(random: () => number) {
  const nodes = 1000 + Math.floor(random() * 100);
  const edges = nodes * 3 + Math.floor(random() * 500);
  return { nodes, edges, avgDegree: round2((2 * edges) / nodes), density: round4((2 * edges) / (nodes * (nodes - 1))), components: 1 };
}

function round2(n: number): number {
  return Math.round(n * 100) / 100;
}

function round4(n: number): number {
  return Math.round(n * 10_000) / 10_000;
}
