/**
 * Runtime control of the demo target: read and change the knobs, inspect and release the leak.
 * Unauthenticated on purpose — the demo binds to loopback and exists to be broken on demand.
 */
import type { FastifyInstance } from 'fastify';
import { hasCode } from '../core/errors.js';
import type { KnobStore } from './knobs.js';
import type { Leak } from './leak.js';

/** Registers `/admin/knobs` (GET, PUT), `/admin/leak` (GET) and `/admin/leak/release` (POST). */
export function registerAdminRoutes(app: FastifyInstance, deps: { knobs: KnobStore; leak: Leak }): void {
  app.get('/admin/knobs', async () => deps.knobs.get());

  app.put('/admin/knobs', async (req, reply) => {
    try {
      return deps.knobs.set(req.body ?? {});
    } catch (thrown) {
      if (!hasCode(thrown, 'PW_ERR_INVALID_ARGUMENT')) throw thrown;
      return reply.code(400).send({ error: 'invalid_knobs', message: (thrown as Error).message });
    }
  });

  app.get('/admin/leak', async () => deps.leak.stats());

  app.post('/admin/leak/release', async () => ({ releasedBytes: deps.leak.release(), ...deps.leak.stats() }));
}
