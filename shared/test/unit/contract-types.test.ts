import { cpSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { expect } from 'chai';
import ts from 'typescript';

// The payload types are derived from the schemas (TypeBox's Static), so a changed schema is a
// changed type. These run the compiler: on test/types/payloads.ts, whose `@ts-expect-error`
// lines must all be errors, and on a copy of the contracts with one schema changed.

const shared = fileURLToPath(new URL('../..', import.meta.url));
const events = join(shared, 'src/events');

/** Compiles the files as one program (one compiler start), and returns each file's errors. */
function typeErrors(files: string[]): Map<string, string[]> {
  const program = ts.createProgram(files, {
    strict: true, noEmit: true, skipLibCheck: true, types: [],
    target: ts.ScriptTarget.ES2022, module: ts.ModuleKind.NodeNext, moduleResolution: ts.ModuleResolutionKind.NodeNext,
  });
  const errors = new Map(files.map((file) => [file, [] as string[]]));
  for (const d of ts.getPreEmitDiagnostics(program)) {
    const at = d.file && d.start !== undefined ? `${d.file.fileName}:${d.file.getLineAndCharacterOfPosition(d.start).line + 1}` : '';
    const file = files.find((f) => d.file?.fileName === f.replaceAll('\\', '/'));
    (errors.get(file ?? '') ?? errors.set('', []).get('')!).push(`${at} ${ts.flattenDiagnosticMessageText(d.messageText, '\n')}`);
  }
  return errors;
}

// Compiles only where OrderCreated has a required `giftWrap` and 'lost_in_post' is a reason.
const probe = `
import type { CancellationReason, OrderCreated } from './contracts.js';
export const reason: CancellationReason = 'lost_in_post';
// @ts-expect-error giftWrap is required
export const created: OrderCreated = { orderId: 'o', customerId: 'c', items: [], total: { amount: 1, currency: 'EUR' }, payment: { method: 'card', paymentMethodId: 'pm_x' }, createdAt: '' };
`;

/** A copy of shared/src/events with orders.ts edited by `change`, plus the probe. */
function contractsCopy(change: (source: string) => string): { dir: string; probe: string } {
  const dir = mkdtempSync(join(tmpdir(), 'contract-types-'));
  cpSync(events, dir, { recursive: true });
  symlinkSync(join(shared, '../node_modules'), join(dir, 'node_modules'), 'dir');
  writeFileSync(join(dir, 'package.json'), '{ "type": "module" }');
  writeFileSync(join(dir, 'orders.ts'), change(readFileSync(join(events, 'orders.ts'), 'utf8')));
  writeFileSync(join(dir, 'probe.ts'), probe);
  return { dir, probe: join(dir, 'probe.ts') };
}

function edit(source: string, from: string, to: string): string {
  expect(source, `orders.ts no longer has ${from}`).to.include(from);
  return source.replace(from, to);
}

describe('event payload types', function () {
  this.timeout(60_000);
  const payloads = join(shared, 'test/types/payloads.ts');
  const unchanged = contractsCopy((source) => source);
  const changed = contractsCopy((source) =>
    edit(edit(source, "'customer_request'] as const", "'customer_request', 'lost_in_post'] as const"), '    createdAt: Timestamp,\n', '    createdAt: Timestamp,\n    giftWrap: Type.Boolean(),\n'),
  );
  let errors: Map<string, string[]>;
  before(() => {
    errors = typeErrors([payloads, unchanged.probe, changed.probe]);
  });
  after(() => [unchanged.dir, changed.dir].forEach((dir) => rmSync(dir, { recursive: true, force: true })));

  it('are as strict as their schemas: every @ts-expect-error in test/types/payloads.ts is an error', () => {
    expect(errors.get(payloads)).to.deep.equal([]);
    expect(errors.get('') ?? []).to.deep.equal([]);
  });

  it('change when a schema changes: a new required field and a new enum value reach the types', () => {
    expect(errors.get(unchanged.probe), 'the probe against the contracts as they are').to.have.length(2);
    expect(errors.get(changed.probe), 'the probe against the changed contracts').to.deep.equal([]);
  });
});
