/**
 * The `cluster` config section: how many daemons run this same config side by side. Replicas
 * (the same probes on N daemons, for availability) each evaluate every alert, so each would send
 * every notice of perfwarden's own email and webhook channels; Alertmanager, with all replicas
 * sending to all its cluster members, de-duplicates instead. Shards (`--shard i/N`) split the
 * probes, so they are not replicas in this sense. Only `perfwarden validate` reads it, to warn.
 */
import { Type } from '@sinclair/typebox';
import type { StaticDecode } from '@sinclair/typebox';
import { Strict } from '../types.js';
import type { NotificationsConfig } from './notifications.js';

/** `cluster`. */
export const ClusterSection = Strict({
  /** Daemons that run this config with the same probes (not shards). */
  replicas: Type.Integer({ minimum: 1, default: 1, errorMessage: 'expected the number of daemons that run this config (1 or more)' }),
}, { default: {} });

/** Decoded `cluster`. */
export type ClusterConfig = StaticDecode<typeof ClusterSection>;

/** A warning about a valid config: where, and what would happen. */
export interface ConfigWarning {
  path: readonly (string | number)[];
  message: string;
}

/**
 * Channels that N replicas would each notify: every email or webhook channel a route delivers
 * to, when `cluster.replicas` is above 1. Alertmanager channels are fine (it de-duplicates).
 */
export function replicaNotificationWarnings(config: { cluster: ClusterConfig; notifications: NotificationsConfig }): ConfigWarning[] {
  const n = config.cluster.replicas;
  if (n <= 1) return [];
  const { channels, routes } = config.notifications;
  // No routes: every alert goes to every channel.
  const routed = new Set(routes === undefined ? channels.map((c) => c.name) : routes.flatMap((r) => r.channels));
  return channels.flatMap((c, i) => (c.type === 'alertmanager' || !routed.has(c.name) ? [] : [{
    path: ['notifications', 'channels', i],
    message: `cluster.replicas is ${n}: each replica would send every notification of ${c.type} channel "${c.name}", ${n} copies of each; route notifications through Alertmanager (a channel of type alertmanager, sent to every member of an Alertmanager cluster), which de-duplicates them`,
  }]));
}
