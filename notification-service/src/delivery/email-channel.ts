import { createTransport } from 'nodemailer';
import { AppError } from '@order-platform/shared';
import type { DeliveryChannel, OutgoingMessage } from './channel.js';

export interface EmailSettings {
  smtpUrl: string;
  from: string;
  timeoutMs: number;
}

/**
 * Email over SMTP through a small connection pool. The Message-ID is the notification id, so
 * an operator can find one mail in the SMTP server's log. A 5xx reply is permanent; a 4xx
 * reply, a refused connection or a timeout is transient.
 */
export function emailChannel(settings: EmailSettings): DeliveryChannel {
  const transport = createTransport({
    url: settings.smtpUrl,
    pool: true,
    maxConnections: 4,
    connectionTimeout: settings.timeoutMs,
    greetingTimeout: settings.timeoutMs,
    socketTimeout: settings.timeoutMs,
  });
  return {
    name: 'email',
    // A send in doubt (the worker died inside the SMTP exchange) goes again with the same
    // Message-ID: the server cannot be asked whether it took the first, a lost confirmation or
    // refund mail is a customer left guessing, and a repeat is the same message by RFC 5322's
    // identity, which mailbox providers and clients collapse into one.
    deduplicates: true,
    async send(message: OutgoingMessage) {
      try {
        const info = await transport.sendMail({
          from: settings.from,
          to: message.recipient,
          subject: message.subject,
          text: message.body,
          messageId: `<${message.id}@notification-service>`,
          headers: { 'X-Notification-Id': message.id, 'X-Notification-Template': message.template },
        });
        if (info.rejected.length > 0) throw Object.assign(new Error(`recipient refused: ${info.response}`), { responseCode: 550 });
      } catch (error) {
        const code = (error as { responseCode?: number }).responseCode;
        const kind = code !== undefined && code >= 500 ? 'permanent' : 'transient';
        throw new AppError(kind, `SMTP send failed: ${(error as Error).message}`, { cause: error, details: { responseCode: code ?? null } });
      }
    },
    async close() {
      transport.close();
    },
  };
}
