// TEST STAND-IN for Mailpit (compose smoke test only). What it does: accepts any mail over SMTP on
// :1025 (no TLS, no auth, as Mailpit by default), keeps it in memory, and serves on :8025 the parts
// of Mailpit's API the smoke test reads: GET /api/v1/messages (newest first; ?query=to:ADDR or
// subject text filters), GET /api/v1/message/:id (with Text), DELETE /api/v1/messages, GET /livez.
// What it does not: Mailpit's web UI, search syntax, storage, POP3, and every other API route.
import { createServer } from 'node:http';
import { randomUUID } from 'node:crypto';
import { simpleParser } from 'mailparser';
import { SMTPServer } from 'smtp-server';

/** @type {Array<Record<string, unknown>>} */
let messages = [];
const address = (a) => ({ Name: a.name ?? '', Address: a.address ?? '' });
const list = (field) => (field ? (Array.isArray(field) ? field : [field]).flatMap((f) => f.value.map(address)) : []);

const smtp = new SMTPServer({
  authOptional: true,
  disabledCommands: ['STARTTLS', 'AUTH'],
  logger: false,
  onData(stream, session, callback) {
    simpleParser(stream).then((mail) => {
      const text = mail.text ?? '';
      messages.unshift({
        ID: randomUUID(),
        MessageID: (mail.messageId ?? '').replace(/^<|>$/g, ''),
        From: list(mail.from)[0] ?? { Name: '', Address: session.envelope.mailFrom ? session.envelope.mailFrom.address : '' },
        To: session.envelope.rcptTo.map((r) => ({ Name: '', Address: r.address })),
        Subject: mail.subject ?? '',
        Created: new Date().toISOString(),
        Snippet: text.replace(/\s+/g, ' ').slice(0, 250),
        Text: text,
        HTML: typeof mail.html === 'string' ? mail.html : '',
      });
      console.log(JSON.stringify({ msg: 'mail', to: session.envelope.rcptTo.map((r) => r.address), subject: mail.subject }));
      callback();
    }, callback);
  },
});
smtp.listen(1025, '0.0.0.0');

const summary = ({ Text: _t, HTML: _h, ...rest }) => rest;
const send = (res, status, body) => {
  res.writeHead(status, { 'content-type': 'application/json' });
  res.end(JSON.stringify(body));
};
createServer((req, res) => {
  const url = new URL(req.url ?? '/', 'http://stand-in');
  if (url.pathname === '/livez' || url.pathname === '/readyz') return send(res, 200, { ok: true });
  if (url.pathname === '/api/v1/messages' && req.method === 'DELETE') {
    messages = [];
    return send(res, 200, 'ok');
  }
  if (url.pathname === '/api/v1/messages' || url.pathname === '/api/v1/search') {
    const query = (url.searchParams.get('query') ?? '').toLowerCase();
    const found = messages.filter((m) => {
      if (!query) return true;
      if (query.startsWith('to:')) return m.To.some((t) => t.Address.toLowerCase() === query.slice(3));
      return `${m.Subject}\n${m.Text}`.toLowerCase().includes(query);
    });
    return send(res, 200, { total: messages.length, unread: 0, count: found.length, messages_count: found.length, messages: found.map(summary) });
  }
  const one = /^\/api\/v1\/message\/([\w-]+)$/.exec(url.pathname);
  if (one) {
    const m = messages.find((x) => x.ID === one[1]);
    return m ? send(res, 200, m) : send(res, 404, { error: 'not found' });
  }
  send(res, 404, { error: `the Mailpit stand-in does not serve ${url.pathname}` });
}).listen(8025, '0.0.0.0', () => console.log(JSON.stringify({ msg: 'mailpit stand-in: SMTP :1025, HTTP :8025' })));
for (const signal of ['SIGTERM', 'SIGINT']) process.on(signal, () => process.exit(0));
