import { eventSchemas, eventTypes, producerOf, streamOf, type ServiceDescriptor } from '@order-platform/shared';

const cloudEventHeaders = {
  type: 'object',
  description: 'CloudEvents 1.0 binary mode over NATS headers, plus W3C trace context',
  properties: {
    'ce-id': { type: 'string', description: 'event id; also the outbox row id and Nats-Msg-Id' },
    'ce-type': { type: 'string', description: 'the event type, e.g. orders.created' },
    'ce-source': { type: 'string', description: 'the producing service, e.g. /order-service' },
    'ce-specversion': { type: 'string', const: '1.0' },
    'ce-time': { type: 'string', format: 'date-time' },
    'ce-subject': { type: 'string', description: 'the order id, or the sku for stock.product-changed and stock.low' },
    traceparent: { type: 'string', description: 'W3C trace context of the change that caused the event' },
    'Nats-Msg-Id': { type: 'string', description: 'JetStream de-duplication key (= ce-id)' },
  },
  required: ['ce-id', 'ce-type', 'ce-source', 'ce-specversion', 'ce-time', 'ce-subject', 'Nats-Msg-Id'],
};

const dlqHeaders = {
  type: 'object',
  description: 'the original CloudEvents headers, plus why and where the message died',
  properties: {
    'dlq-error': { type: 'string' },
    'dlq-error-kind': { type: 'string', description: 'transient (retries ran out), permanent, bad_request (schema-invalid), unexpected, …' },
    'dlq-original-subject': { type: 'string' },
    'dlq-original-stream': { type: 'string' },
    'dlq-stream-seq': { type: 'string' },
    'dlq-delivery-count': { type: 'string' },
    'dlq-consumer': { type: 'string' },
    'dlq-service': { type: 'string' },
    'dlq-time': { type: 'string', format: 'date-time' },
  },
  required: ['dlq-error', 'dlq-error-kind', 'dlq-original-subject', 'dlq-consumer', 'dlq-service'],
};

const channelId = (type: string) => type.replace(/[.-](\w)/g, (_, c: string) => c.toUpperCase());
const messageId = (type: string) => channelId(type).replace(/^\w/, (c) => c.toUpperCase());

/**
 * The AsyncAPI 3.0 document of every subject, built from the JSON Schemas the code validates
 * with (shared/src/events/, one module per stream) and the durable consumers each service declares. Payloads
 * are those schemas as they are, so the catalog cannot say something the code does not check.
 */
export function eventCatalog(descriptors: ServiceDescriptor[], version: string): Record<string, unknown> {
  const channels: Record<string, unknown> = {};
  const operations: Record<string, unknown> = {};
  const messages: Record<string, unknown> = {};
  for (const type of eventTypes) {
    const channel = channelId(type);
    const message = messageId(type);
    messages[message] = {
      name: type,
      title: type,
      contentType: 'application/json',
      headers: { $ref: '#/components/schemas/CloudEventHeaders' },
      // as JSON: TypeBox marks its schemas with symbol keys, which are no part of the document
      payload: JSON.parse(JSON.stringify(eventSchemas[type])) as unknown,
      correlationId: { location: '$message.header#/ce-subject' },
    };
    channels[channel] = {
      address: type,
      description: `stream ${streamOf(type)}`,
      messages: { [message]: { $ref: `#/components/messages/${message}` } },
    };
    const ref = { channel: { $ref: `#/channels/${channel}` }, messages: [{ $ref: `#/channels/${channel}/messages/${message}` }] };
    operations[`${producerOf(type)}.send.${type}`] = { action: 'send', summary: `${producerOf(type)} publishes ${type} through its outbox`, ...ref };
    for (const descriptor of descriptors) {
      for (const consumer of descriptor.consumers.filter((c) => c.event === type)) {
        operations[`${descriptor.service}.receive.${type}`] = {
          action: 'receive',
          summary: `${descriptor.service} consumes ${type} through the durable consumer ${consumer.durable}`,
          bindings: { nats: { queue: consumer.durable, bindingVersion: '0.1.0' } },
          ...ref,
        };
      }
    }
  }
  channels['deadLetters'] = {
    address: 'dlq.{service}.{consumer}',
    description: 'stream DLQ: messages a consumer could not process; `make dlq` lists them, `make dlq-replay` sends them again',
    parameters: { service: { description: 'the consuming service' }, consumer: { description: 'its durable consumer' } },
    messages: { DeadLetter: { $ref: '#/components/messages/DeadLetter' } },
  };
  messages['DeadLetter'] = {
    name: 'dead-letter',
    title: 'dead letter',
    contentType: 'application/json',
    headers: { $ref: '#/components/schemas/DeadLetterHeaders' },
    payload: { description: 'the original message body, unchanged' },
  };
  for (const descriptor of descriptors) {
    operations[`${descriptor.service}.send.dead-letter`] = {
      action: 'send',
      summary: `${descriptor.service} dead-letters what it cannot process`,
      channel: { $ref: '#/channels/deadLetters' },
      messages: [{ $ref: '#/channels/deadLetters/messages/DeadLetter' }],
    };
  }
  return {
    asyncapi: '3.0.0',
    info: {
      title: 'Order platform events',
      version,
      description: 'Every subject of the choreographed order saga on NATS JetStream. Generated by `make asyncapi` from the schemas the services validate with; a test fails when this file and the code differ.',
    },
    defaultContentType: 'application/json',
    servers: { local: { host: '127.0.0.1:4222', protocol: 'nats', description: 'NATS with JetStream; subjects get a `<namespace>.` prefix when NATS_NAMESPACE is set' } },
    channels,
    operations,
    components: { messages, schemas: { CloudEventHeaders: cloudEventHeaders, DeadLetterHeaders: dlqHeaders } },
  };
}
