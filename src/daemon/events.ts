/**
 * The daemon's in-process event bus. Producers (scheduler, load runner, alert evaluator) emit;
 * consumers (metrics, alerts, storage, status page) subscribe. Listeners must not throw: the
 * bus catches, logs and counts, so one broken consumer never stops a producer.
 */
import { EventEmitter } from 'node:events';
import type { ProbeResult } from '../probe/types.js';
import type { LoadFinishedEvent, LoadProgressEvent, LoadStartedEvent } from '../load/load-events.js';
import type { AlertTransition } from '../alerts/types.js';
import type { DeliveryOutcome } from '../notify/outbox.js';
import type { HealthSample } from '../health/types.js';
import { coerceError } from '../core/errors.js';

/**
 * Event name → payload. Domains add their events here (one line each) with payload types that
 * live in their own folder.
 */
export interface DaemonEventMap {
  'probe:result': ProbeResult;
  'probe:skipped': { probe: string; at: number };
  'load:started': LoadStartedEvent;
  'load:progress': LoadProgressEvent;
  'load:finished': LoadFinishedEvent;
  'alert:transition': AlertTransition;
  'notification:delivery': DeliveryOutcome;
  'health:sample': HealthSample;
}

/** A typed event bus. */
export interface DaemonEvents {
  on<K extends keyof DaemonEventMap>(event: K, listener: (payload: DaemonEventMap[K]) => void): () => void;
  emit<K extends keyof DaemonEventMap>(event: K, payload: DaemonEventMap[K]): void;
}

/** Creates a bus; `onListenerError` is told about listeners that threw. */
export function createEvents(onListenerError: (event: string, err: Error) => void = () => {}): DaemonEvents {
  const emitter = new EventEmitter();
  emitter.setMaxListeners(100);
  return {
    on(event, listener) {
      const wrapped = (payload: DaemonEventMap[typeof event]) => {
        try {
          listener(payload);
        } catch (thrown) {
          onListenerError(event, coerceError(thrown));
        }
      };
      emitter.on(event, wrapped);
      return () => emitter.off(event, wrapped);
    },
    emit(event, payload) {
      emitter.emit(event, payload);
    },
  };
}
