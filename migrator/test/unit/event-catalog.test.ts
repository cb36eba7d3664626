import { readFileSync } from 'node:fs';
import { expect } from 'chai';
import { eventSchemas, eventTypes } from '@order-platform/shared';
import { eventCatalog } from '../../src/event-catalog.js';
import { services } from '../../src/services.js';

const committed = JSON.parse(readFileSync(new URL('../../../docs/asyncapi.json', import.meta.url), 'utf8'));

type Doc = { channels: Record<string, any>; operations: Record<string, any>; components: { messages: Record<string, any> } };

function resolve(doc: unknown, ref: string): unknown {
  return ref
    .replace(/^#\//, '')
    .split('/')
    .reduce<unknown>((node, key) => (node as Record<string, unknown> | undefined)?.[key.replace(/~1/g, '/').replace(/~0/g, '~')], doc);
}

describe('event catalog (docs/asyncapi.json)', () => {
  let generated: Doc;
  before(async () => {
    generated = eventCatalog(await Promise.all(Object.values(services).map((load) => load())), '1.0.0') as unknown as Doc;
  });

  it('is what the code generates now (run `make asyncapi` after changing an event or a consumer)', () => {
    expect(committed).to.deep.equal(generated);
  });

  it('is an AsyncAPI 3.0 document whose every $ref resolves', () => {
    expect(committed.asyncapi).to.equal('3.0.0');
    const refs: string[] = [];
    JSON.stringify(committed, (key, value) => (key === '$ref' ? (refs.push(value), value) : value));
    expect(refs.length).to.be.greaterThan(eventTypes.length);
    for (const ref of refs) expect(resolve(committed, ref), ref).to.not.equal(undefined);
  });

  it('has a channel for every event type, whose payload is the schema the code validates with', () => {
    const doc = committed as Doc;
    for (const type of eventTypes) {
      const channel = Object.values(doc.channels).find((c) => c.address === type);
      expect(channel, type).to.not.equal(undefined);
      const [message] = Object.values(channel.messages).map((m: any) => resolve(doc, m.$ref)) as any[];
      expect(message.payload, type).to.deep.equal(JSON.parse(JSON.stringify(eventSchemas[type])));
    }
  });

  it('names a receive operation for every durable consumer a service declares, and one producer per event', async () => {
    const doc = committed as Doc;
    for (const [service, load] of Object.entries(services)) {
      for (const consumer of (await load()).consumers) {
        const operation = doc.operations[`${service}.receive.${consumer.event}`];
        expect(operation, `${service} ${consumer.event}`).to.include({ action: 'receive' });
        expect(operation.bindings.nats.queue).to.equal(consumer.durable);
      }
    }
    for (const type of eventTypes) {
      const senders = Object.entries(doc.operations).filter(([name, op]) => op.action === 'send' && name.endsWith(`.send.${type}`));
      expect(senders, type).to.have.length(1);
    }
  });
});
