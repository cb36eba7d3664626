// the SMTP sink `make dev` and `make demo` use: a real SMTP server, every mail parsed
import { startMailSink } from '../../../scripts/mail-sink.mjs';

export interface ReceivedMail {
  to: string[];
  subject: string;
  text: string;
  messageId: string;
  notificationId: string;
}

/**
 * A real SMTP server in the test process (the `smtp-server` package). It keeps every accepted
 * mail; `refuse` makes it answer DATA with an error reply, and `beforeAccept` runs after a mail
 * has arrived but before it is accepted.
 */
export class TestMailServer {
  readonly mails: ReceivedMail[] = [];
  refuse: { code: number; message: string } | undefined;
  beforeAccept: ((mail: ReceivedMail) => Promise<void>) | undefined;
  private constructor(private readonly close: () => Promise<void>, readonly url: string) {}

  static async start(): Promise<TestMailServer> {
    let self: TestMailServer | undefined;
    const sink = await startMailSink({
      port: 0,
      async onMail({ to, subject, text, messageId, headers }) {
        const mail: ReceivedMail = { to, subject, text, messageId, notificationId: String(headers.get('x-notification-id') ?? '') };
        const refusal = self!.refuse;
        if (refusal) throw Object.assign(new Error(refusal.message), { responseCode: refusal.code });
        await self!.beforeAccept?.(mail);
        self!.mails.push(mail);
      },
    });
    self = new TestMailServer(sink.close, `smtp://127.0.0.1:${sink.port}`);
    return self;
  }

  to(address: string): ReceivedMail[] {
    return this.mails.filter((m) => m.to.includes(address));
  }

  stop(): Promise<void> {
    return this.close();
  }
}
