import { readFileSync } from 'node:fs';
import { expect } from 'chai';
import { eventTypes, producerOf, streamOf, type EventType } from '@order-platform/shared';
import { services } from '../../src/services.js';

const doc = readFileSync(new URL('../../../docs/architecture.md', import.meta.url), 'utf8');

/** The rows of the table under "## Events": subject, stream, producer, consumers. */
function eventTable(): { subject: string; stream: string; producer: string; consumers: string[] }[] {
  const section = doc.slice(doc.indexOf('\n## Events\n'), doc.indexOf('\n## ', doc.indexOf('\n## Events\n') + 1));
  return section
    .split('\n')
    .filter((line) => line.startsWith('| `'))
    .map((line) => {
      const [subject, stream, producer, consumers] = line.split('|').slice(1).map((cell) => cell.trim());
      return {
        subject: subject!.replace(/`/g, ''),
        stream: stream!,
        producer: producer!,
        consumers: consumers === '(none)' ? [] : consumers!.split(',').map((c) => c.trim()).sort(),
      };
    });
}

describe('docs/architecture.md', () => {
  it("lists every event once, with the stream, producer and consumers the code's subscription tables say", async () => {
    const descriptors = await Promise.all(Object.values(services).map((load) => load()));
    const consumersOf = (type: EventType) => descriptors.filter((d) => d.consumers.some((c) => c.event === type)).map((d) => d.service).sort();
    const fromCode = eventTypes.map((type) => ({ subject: type, stream: streamOf(type), producer: producerOf(type), consumers: consumersOf(type) }));
    const bySubject = (a: { subject: string }, b: { subject: string }) => a.subject.localeCompare(b.subject);
    expect(eventTable().sort(bySubject)).to.deep.equal(fromCode.sort(bySubject));
  });
});

describe('README.md', () => {
  it('says what each service publishes and consumes as the code does', async () => {
    const readme = readFileSync(new URL('../../../README.md', import.meta.url), 'utf8');
    const subjects = (cell: string) => [...cell.matchAll(/`([a-z-]+\.[a-z-]+)`/g)].map((m) => m[1]!).sort();
    const rows = readme.split('\n').filter((line) => /^\| \[[a-z-]+-service\]/.test(line));
    const table = Object.fromEntries(rows.map((line) => {
      const [service, , publishes, consumes] = line.split('|').slice(1).map((cell) => cell.trim());
      return [/\[([a-z-]+)\]/.exec(service!)![1]!, { publishes: subjects(publishes!), consumes: subjects(consumes!) }];
    }));
    const fromCode = Object.fromEntries(await Promise.all(Object.entries(services).map(async ([service, load]) => [service, {
      publishes: eventTypes.filter((type) => producerOf(type) === service).sort(),
      consumes: (await load()).consumers.map((c) => c.event).sort(),
    }])));
    expect(table).to.deep.equal(fromCode);
  });
});
