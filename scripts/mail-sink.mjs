// A small SMTP server for local runs without Mailpit: hands every mail, parsed, to `onMail` and
// accepts it once that returns; if `onMail` throws an error with a `responseCode` (e.g. 451),
// the mail is refused with it. `make dev` prints each mail, `make demo` lists what was sent to
// whom, and the tests use it as their SMTP server.
import { simpleParser } from 'mailparser';
import { SMTPServer } from 'smtp-server';

/**
 * onClientError: told of a client connection's error (a reset, a timeout); the sink carries on.
 * @param {{ port: number, onMail: (mail: { to: string[], subject: string, text: string, messageId: string, headers: Map<string, unknown> }) => unknown, onClientError?: (error: Error) => void }} options
 */
export async function startMailSink({ port, onMail, onClientError }) {
  const server = new SMTPServer({
    authOptional: true,
    disabledCommands: ['STARTTLS', 'AUTH'],
    logger: false,
    onData(stream, session, callback) {
      simpleParser(stream)
        .then((parsed) =>
          onMail({
            to: session.envelope.rcptTo.map((r) => r.address),
            subject: parsed.subject ?? '',
            text: parsed.text ?? '',
            messageId: parsed.messageId ?? '',
            headers: parsed.headers,
          }),
        )
        .then(() => callback(), (error) => callback(error));
    },
  });
  // A client that goes away mid-exchange (a worker killed inside an SMTP session) is an 'error'
  // event on the server; with no listener it would crash the sink, and `make dev` or a test with it.
  // A taken port is reported here as well as on its net server: rejected below, not thrown.
  let listening = false;
  server.on('error', (error) => {
    if (listening) onClientError?.(error);
  });
  await new Promise((resolve, reject) => {
    server.server.once('error', reject);
    server.listen(port, '127.0.0.1', () => resolve((listening = true)));
  });
  return { port: server.server.address().port, close: () => new Promise((resolve) => server.close(resolve)) };
}
