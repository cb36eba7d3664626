import { expect } from 'chai';
import { Ajv, type ValidateFunction } from 'ajv';
import addFormatsModule from 'ajv-formats';
import { call, createProducts } from '../support/shop.js';
import { startSystem, type ServiceName, type System } from '../support/system.js';

const addFormats = addFormatsModule as unknown as typeof addFormatsModule.default;

type MediaType = { schema?: object; example?: unknown };
type Operation = { requestBody?: { content: Record<string, MediaType> }; responses: Record<string, { content?: Record<string, MediaType> }> };
type Document = { paths: Record<string, Record<string, Operation>> };

/** Every request and response body of a document, with its schema and example. */
function bodiesOf(doc: Document): { where: string; media: MediaType }[] {
  const bodies: { where: string; media: MediaType }[] = [];
  for (const [path, operations] of Object.entries(doc.paths)) {
    for (const [method, operation] of Object.entries(operations)) {
      for (const [type, media] of Object.entries(operation.requestBody?.content ?? {})) bodies.push({ where: `${method} ${path} request ${type}`, media });
      for (const [status, response] of Object.entries(operation.responses)) {
        for (const [type, media] of Object.entries(response.content ?? {})) bodies.push({ where: `${method} ${path} ${status} ${type}`, media });
      }
    }
  }
  return bodies;
}

describe('the OpenAPI documents: an example for every body, valid against its schema', () => {
  let system: System;
  const docs = {} as Record<ServiceName, Document>;
  // OpenAPI 3.1 schemas are JSON Schema; strict, so a misspelt keyword fails too
  const ajv = new Ajv({ allErrors: true, strict: true, allowUnionTypes: true });
  addFormats(ajv);
  const schemaOf = (name: ServiceName, path: string, method: string, status: string): ValidateFunction =>
    ajv.compile(docs[name].paths[path]![method]!.responses[status]!.content!['application/json']!.schema!);

  before(async () => {
    system = await startSystem({ workers: 'in-process' });
    for (const name of ['order', 'stock', 'payment', 'notification', 'analytics'] as const) docs[name] = (await call(system.urls[name], 'GET', '/openapi.json')).body;
  });

  after(async () => {
    await system?.close();
  });

  for (const name of ['order', 'stock', 'payment', 'notification', 'analytics'] as const) {
    it(`${name}-service: every request and response body has an example that its schema accepts`, () => {
      const bodies = bodiesOf(docs[name]);
      expect(bodies.length).to.be.greaterThan(5);
      for (const { where, media } of bodies) {
        expect(media.schema, `${where}: schema`).to.be.an('object');
        expect(media, `${where}: example`).to.have.property('example');
        const validate = ajv.compile(media.schema!);
        expect(validate(media.example), `${where}: ${ajv.errorsText(validate.errors)}`).to.equal(true);
      }
    });
  }

  it('a wrong example is caught: the checker refuses an order example with a misspelt status', () => {
    const get = docs.order.paths['/orders/{id}']!['get']!.responses['200']!.content!['application/json']!;
    const validate = ajv.compile(get.schema!);
    expect(validate(get.example)).to.equal(true);
    expect(validate({ ...(get.example as object), status: 'confirmd' })).to.equal(false);
  });

  it('the list and history answers have schemas, and real answers match them', async () => {
    await createProducts(system, [{ sku: 'DOCS-1', onHand: 3 }]);
    const checks: [ServiceName, string, string][] = [
      ['stock', '/products', '/products'],
      ['stock', '/products/{sku}', '/products/DOCS-1'],
      ['order', '/orders', '/orders'],
      ['notification', '/templates', '/templates'],
      ['notification', '/templates/{name}', '/templates/order-confirmed'],
      ['analytics', '/analytics/today', '/analytics/today'],
      ['analytics', '/analytics/range', `/analytics/range?from=${new Date(Date.now() - 86_400_000).toISOString()}&to=${new Date().toISOString()}`],
      ['analytics', '/analytics/events/recent', '/analytics/events/recent'],
    ];
    for (const [name, documented, url] of checks) {
      const answer = await call(system.urls[name], 'GET', url);
      expect(answer.status, url).to.equal(200);
      const validate = schemaOf(name, documented, 'get', '200');
      expect(validate(answer.body), `${url}: ${ajv.errorsText(validate.errors)}`).to.equal(true);
    }
    expect(docs.order.paths['/orders/{id}/events']!['get']!.responses['200']!.content!['application/json']!.schema).to.include({ type: 'array' });
  });
});
