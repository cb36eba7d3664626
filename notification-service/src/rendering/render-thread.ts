import { parentPort } from 'node:worker_threads';
import { OutputTooLarge, renderTemplate, type TemplateText } from '../domain/templates.js';

/** What the pool sends: one render at a time, the next only after this one has answered. */
export interface RenderRequest {
  text: TemplateText;
  view: Record<string, unknown>;
  maxLength: number;
}

export type RenderReply = { ready: true } | { rendered: TemplateText } | { failure: 'too_large' | 'failed'; message: string };

const port = parentPort;
if (!port) throw new Error('render-thread runs as a worker thread of the render pool');

port.on('message', ({ text, view, maxLength }: RenderRequest) => {
  let reply: RenderReply;
  try {
    reply = { rendered: renderTemplate(text, view, maxLength) };
  } catch (error) {
    reply = { failure: error instanceof OutputTooLarge ? 'too_large' : 'failed', message: (error as Error).message };
  }
  port.postMessage(reply);
});
// after the imports: the pool counts a thread only once it can render
port.postMessage({ ready: true } satisfies RenderReply);
