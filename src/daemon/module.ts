/**
 * How a domain (probes, loads, alerts, storage, API, telemetry) plugs into the daemon. The one
 * place that wires modules together is `createDaemon`; a module gets the shared context and
 * owns its own lifecycle.
 */
import type { FastifyInstance } from 'fastify';
import type { Registry } from 'prom-client';
import type { Clock } from '../core/clock.js';
import type { Logger } from '../core/logger.js';
import type { Config } from '../config/schema.js';
import type { Migration } from '../storage/database.js';
import type { DaemonEvents } from './events.js';

/** What every module is given. */
export interface DaemonContext {
  readonly config: Config;
  readonly clock: Clock;
  readonly logger: Logger;
  /** The daemon's own prom-client registry (never the global one). */
  readonly registry: Registry;
  readonly events: DaemonEvents;
  /** The HTTP server; register routes in `register` (before it listens). */
  readonly app: FastifyInstance;
  /** Services modules expose to each other by name (e.g. "storage", "probes", "loads"). */
  readonly services: Map<string, unknown>;
}

/** A long-lived part of the daemon. */
export interface DaemonModule {
  readonly name: string;
  /** Schema changes this module needs in the SQLite store (service "db"), applied before `register`. */
  readonly migrations?: readonly Migration[];
  /** Routes, metrics, services; runs before the HTTP server listens, in module order. */
  register?(ctx: DaemonContext): void | Promise<void>;
  /** Starts work (timers, sockets); runs after the server listens, in module order. */
  start?(ctx: DaemonContext): void | Promise<void>;
  /** Stops work; safe to call twice; runs in reverse order. Must settle within a few seconds. */
  stop?(reason: string): void | Promise<void>;
}
