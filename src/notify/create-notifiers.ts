/** Builds the configured channels. */
import type { ChannelConfig } from '../config/sections/notifications.js';
import { createEmailNotifier } from './email-notifier.js';
import type { Notifier } from './types.js';
import { createAlertmanagerNotifier, createWebhookNotifier } from './webhook-notifier.js';

/** One notifier per configured channel. */
export function createNotifiers(channels: readonly ChannelConfig[]): Notifier[] {
  return channels.map((c) => {
    switch (c.type) {
      case 'email': return createEmailNotifier(c);
      case 'webhook': return createWebhookNotifier(c);
      case 'alertmanager': return createAlertmanagerNotifier(c);
    }
  });
}
