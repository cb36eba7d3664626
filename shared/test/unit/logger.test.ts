import { Writable } from 'node:stream';
import { expect } from 'chai';
import { createLogger, withLogContext } from '../../src/index.js';

function capture() {
  const lines: string[] = [];
  const destination = new Writable({
    write(chunk: Buffer, _encoding, done) {
      lines.push(...chunk.toString().split('\n').filter(Boolean));
      done();
    },
  });
  return { log: createLogger({ service: 'test', process: 'unit', destination }), lines };
}

describe('logger redaction', () => {
  it('prints no card token or authorization header, wherever a caller puts them', () => {
    const { log, lines } = capture();
    log.info(
      {
        token: 'tok_top',
        payment: { method: 'card', token: 'tok_nested' },
        order: { payment: { token: 'tok_deeper' } },
        authorization: 'Bearer secret-a',
        headers: { authorization: 'Bearer secret-b' },
        req: { headers: { authorization: 'Bearer secret-c' } },
        upstream: { authorization: 'Bearer secret-d' },
        orderId: 'o-1',
      },
      'something happened',
    );
    expect(lines).to.have.length(1);
    for (const secret of ['tok_', 'secret-', 'Bearer']) expect(lines[0], secret).not.to.include(secret);
    const line = JSON.parse(lines[0]!);
    expect(line).to.deep.include({ token: '[redacted]', authorization: '[redacted]', orderId: 'o-1', msg: 'something happened' });
    expect(line.payment).to.deep.equal({ method: 'card', token: '[redacted]' });
    expect(line.order.payment.token).to.equal('[redacted]');
    expect(line.req.headers.authorization).to.equal('[redacted]');
  });

  it('redacts the bindings of child loggers and the fields of the log context too', () => {
    const { log, lines } = capture();
    log.child({ token: 'tok_child', payment: { token: 'tok_child_nested' } }).info('child line');
    withLogContext({ token: 'tok_context', requestId: 'r-1' }, () => log.info('context line'));
    expect(lines).to.have.length(2);
    for (const line of lines) expect(line).not.to.include('tok_');
    expect(JSON.parse(lines[1]!)).to.include({ requestId: 'r-1' });
  });
});
