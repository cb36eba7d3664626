import { expect } from 'chai';
import { connect, type Socket } from 'node:net';
// the SMTP sink of make dev, make demo, make chaos and these tests
import { startMailSink } from '../../../scripts/mail-sink.mjs';

type Mail = { subject: string };

function converse(port: number): { socket: Socket; say(line: string): Promise<string> } {
  const socket = connect(port, '127.0.0.1');
  socket.setEncoding('utf8');
  let buffered = '';
  let waiting: ((line: string) => void) | undefined;
  socket.on('data', (chunk: string) => {
    buffered += chunk;
    const end = buffered.lastIndexOf('\r\n');
    // a reply is complete when its last line has a space after the code (`250 ok`, not `250-…`)
    if (end >= 0 && /^\d{3} /m.test(buffered.slice(buffered.lastIndexOf('\n', end - 1) + 1)) && waiting) {
      const reply = buffered;
      buffered = '';
      waiting(reply);
    }
  });
  const say = (line: string) =>
    new Promise<string>((resolve) => {
      waiting = resolve;
      if (line) socket.write(`${line}\r\n`);
    });
  return { socket, say };
}

async function sendMail(port: number, subject: string): Promise<void> {
  const { socket, say } = converse(port);
  await say('');
  await say('EHLO test');
  await say('MAIL FROM:<shop@example.com>');
  await say('RCPT TO:<ada@example.com>');
  await say('DATA');
  expect(await say(`Subject: ${subject}\r\n\r\nhello\r\n.`)).to.match(/^250/);
  await say('QUIT');
  socket.end();
}

describe('the SMTP sink (scripts/mail-sink.mjs)', () => {
  it('when a client resets its connection in the middle of a mail, the sink carries on and takes the next mail', async () => {
    const mails: Mail[] = [];
    const errors: Error[] = [];
    const sink = await startMailSink({ port: 0, onMail: (mail: Mail) => void mails.push(mail), onClientError: (error: Error) => void errors.push(error) });
    try {
      const { socket, say } = converse(sink.port);
      await say('');
      await say('EHLO dying-worker');
      await say('MAIL FROM:<shop@example.com>');
      await say('RCPT TO:<ada@example.com>');
      await say('DATA');
      socket.write('Subject: half a mail\r\n\r\nthe worker dies here');
      await new Promise((r) => setTimeout(r, 100)); // the sink has the half mail before the reset
      const closed = new Promise((resolve) => socket.once('close', resolve));
      socket.resetAndDestroy(); // a TCP RST, as a SIGKILLed worker's kernel sends
      await closed;
      for (let i = 0; i < 50 && errors.length === 0; i++) await new Promise((r) => setTimeout(r, 20));
      await sendMail(sink.port, 'after the reset');
      expect(mails.map((m) => m.subject)).to.deep.equal(['after the reset']);
      expect(errors.map((e) => (e as NodeJS.ErrnoException).code)).to.include('ECONNRESET');
    } finally {
      await sink.close();
    }
  });
});
