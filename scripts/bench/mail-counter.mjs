// make bench's SMTP sink, in a process of its own so that its CPU is measured apart from the
// load generator's: the least SMTP a client (nodemailer) needs, and no parsing of the mail
// beyond finding where its data ends. It counts the mails it accepted. Started with fork():
// it sends { port } once listening, and answers 'count' with { count }.
// Like the MTAs a deployment sends through (Postfix, Exim, …), it offers PIPELINING (RFC 2920):
// nodemailer then sends a mail's MAIL, RCPT and DATA in one write, and the replies to what one
// chunk brought leave in one write too.
import { createServer } from 'node:net';

let count = 0;
const END = '\r\n.\r\n';

const server = createServer((socket) => {
  let inData = false;
  let pending = ''; // command mode: an incomplete line; data mode: the last bytes seen, for an END split across chunks
  socket.setEncoding('latin1');
  socket.write('220 bench-sink ESMTP\r\n');
  socket.on('data', (chunk) => {
    socket.cork();
    process.nextTick(() => socket.uncork());
    let text = pending + chunk;
    pending = '';
    while (text.length > 0) {
      if (inData) {
        const end = text.indexOf(END);
        if (end < 0) {
          pending = text.slice(-(END.length - 1));
          return;
        }
        inData = false;
        count += 1;
        socket.write('250 accepted\r\n');
        text = text.slice(end + END.length);
        continue;
      }
      const eol = text.indexOf('\r\n');
      if (eol < 0) {
        pending = text;
        return;
      }
      const verb = text.slice(0, 4).toUpperCase();
      text = text.slice(eol + 2);
      if (verb === 'DATA') {
        inData = true;
        // the data's first line may start with the terminator's dot only after a CRLF
        text = `\r\n${text}`;
        socket.write('354 go ahead\r\n');
      } else if (verb === 'QUIT') {
        socket.end('221 bye\r\n');
        return;
      } else if (verb === 'EHLO') socket.write('250-bench-sink\r\n250 PIPELINING\r\n');
      else socket.write(verb === 'HELO' ? '250 bench-sink\r\n' : '250 ok\r\n');
    }
  });
  socket.on('error', () => socket.destroy());
});

server.listen(0, '127.0.0.1', () => process.send({ port: server.address().port }));
process.on('message', (message) => {
  if (message === 'count') process.send({ count });
});
process.on('disconnect', () => process.exit(0));
