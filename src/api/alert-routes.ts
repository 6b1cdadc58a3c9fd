/** `GET /api/alerts` (the silences routes belong to the alerts module). */
import type { FastifyInstance } from 'fastify';
import { unavailable } from './api-errors.js';
import type { RouteDeps } from './route-deps.js';
import { AlertsResponse, ErrorBody } from './schemas.js';

/** Registers the alert routes. */
export function registerAlertRoutes(app: FastifyInstance, deps: RouteDeps): void {
  app.get('/api/alerts', {
    preHandler: deps.read,
    schema: { tags: ['alerts'], summary: 'Every alert and severity with its state', response: { 200: AlertsResponse, 401: ErrorBody, 503: ErrorBody } },
  }, async (_request, reply) => {
    const alerts = deps.alerts();
    if (alerts === undefined) return unavailable(reply, 'alerting (service "alerts")');
    return { alerts: await alerts.list() };
  });
}
