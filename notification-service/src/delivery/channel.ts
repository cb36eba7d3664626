import type { Channel } from '../domain/templates.js';

export interface OutgoingMessage {
  /** the notification id: the email's Message-ID, the webhook-id */
  id: string;
  template: string;
  recipient: string;
  subject: string;
  body: string;
  /** what a machine receiver may want besides the text (webhooks only) */
  context: Record<string, unknown>;
}

/**
 * A way of delivering. `send` resolves once the receiver has accepted the message and throws an
 * AppError otherwise: `transient` (try again later) or `permanent` (it will never accept this).
 */
export interface DeliveryChannel {
  readonly name: Channel;
  /** the receiver drops a repeated message id, so a send in doubt may be repeated */
  readonly deduplicates: boolean;
  send(message: OutgoingMessage): Promise<void>;
  close(): Promise<void>;
}
