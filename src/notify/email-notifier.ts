/**
 * Email over SMTP (nodemailer): STARTTLS or implicit TLS, optional auth. Connect, greeting and
 * socket idle each have their own timeout, so a server that accepts the connection and never
 * greets fails in `greetingTimeout`, not after the whole-delivery timeout.
 */
import nodemailer from 'nodemailer';
import type { EmailChannelConfig } from '../config/sections/notifications.js';
import { htmlBody, subjectLine, textBody } from './render.js';
import type { Notification, Notifier } from './types.js';
import { pipelineOf } from './pipeline.js';

/** Builds the email channel. */
export function createEmailNotifier(config: EmailChannelConfig): Notifier {
  const transport = nodemailer.createTransport({
    host: config.host,
    port: config.port,
    secure: config.secure,
    requireTLS: config.requireTls,
    ignoreTLS: false,
    tls: { rejectUnauthorized: config.tlsVerify },
    connectionTimeout: config.connectTimeout,
    greetingTimeout: config.greetingTimeout,
    socketTimeout: config.timeout,
    ...(config.user === undefined || config.user === '' ? {} : { auth: { user: config.user, pass: config.password ?? '' } }),
  });
  return {
    name: config.name,
    type: 'email',
    pipeline: pipelineOf(config),
    async send(n: Notification): Promise<void> {
      await transport.sendMail({
        from: config.from,
        to: config.to.join(', '),
        subject: subjectLine(n),
        text: textBody(n),
        html: htmlBody(n),
        // Stable per outbox row, so a receiver can drop the one duplicate a crash could cause.
        messageId: `<perfwarden-${n.id}-${n.createdAt}@perfwarden>`,
        headers: { 'X-Perfwarden-Severity': n.severity, 'X-Perfwarden-Status': n.status, 'X-Perfwarden-Notification-Id': String(n.id) },
      });
    },
    async verify(): Promise<void> {
      await transport.verify();
    },
    async close(): Promise<void> {
      transport.close();
    },
  };
}
