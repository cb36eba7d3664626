import { createHmac } from 'node:crypto';
import { AppError } from '@order-platform/shared';
import type { DeliveryChannel, OutgoingMessage } from './channel.js';

export interface WebhookSettings {
  url: string;
  secret: string;
  timeoutMs: number;
}

/**
 * Signs as Standard Webhooks does (https://www.standardwebhooks.com): `webhook-signature` is
 * `v1,` + base64 HMAC-SHA256 of `<webhook-id>.<webhook-timestamp>.<body>` under the shared
 * secret. Receivers check it, reject stale timestamps, and drop a webhook-id seen before.
 */
export function signWebhook(secret: string, id: string, timestamp: number, body: string): string {
  return `v1,${createHmac('sha256', secret).update(`${id}.${timestamp}.${body}`).digest('base64')}`;
}

/** A JSON POST per notification. 2xx is delivered; 408, 429, 5xx and network errors are transient; other 4xx permanent. */
export function webhookChannel(settings: WebhookSettings, clock: () => Date = () => new Date()): DeliveryChannel {
  return {
    name: 'webhook',
    deduplicates: true,
    async send(message: OutgoingMessage) {
      const timestamp = Math.floor(clock().getTime() / 1000);
      const body = JSON.stringify({ id: message.id, template: message.template, recipient: message.recipient, subject: message.subject, body: message.body, ...message.context });
      let response: Response;
      try {
        response = await fetch(settings.url, {
          method: 'POST',
          headers: {
            'content-type': 'application/json',
            'webhook-id': message.id,
            'webhook-timestamp': String(timestamp),
            'webhook-signature': signWebhook(settings.secret, message.id, timestamp, body),
          },
          body,
          signal: AbortSignal.timeout(settings.timeoutMs),
        });
        await response.arrayBuffer(); // let the connection be reused
      } catch (error) {
        throw new AppError('transient', `webhook POST failed: ${(error as Error).message}`, { cause: error });
      }
      if (response.ok) return;
      const transient = response.status === 408 || response.status === 429 || response.status >= 500;
      throw new AppError(transient ? 'transient' : 'permanent', `webhook receiver answered ${response.status}`, { details: { status: response.status } });
    },
    async close() {},
  };
}
