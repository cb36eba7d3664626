export interface StatusEvent {
  id: number;
  status: string;
}

export interface OpenedStream {
  status: number;
  /** a refusal's problem+json, for any status but 200 */
  problem: Record<string, unknown> | undefined;
  contentType: string | null;
  /** `status` events as they arrive */
  events: StatusEvent[];
  /** the whole text received, when the server has ended the stream (or the client closed it) */
  ended: Promise<string>;
  close(): void;
}

/** GET /orders/:id/stream, read as it arrives; `lastEventId` resumes as EventSource does. */
export async function openStream(base: string, orderId: string, auth: Record<string, string>, lastEventId?: number | string): Promise<OpenedStream> {
  const controller = new AbortController();
  const headers = { ...auth, ...(lastEventId === undefined ? {} : { 'last-event-id': String(lastEventId) }) };
  const response = await fetch(`${base}/orders/${orderId}/stream`, { headers, signal: controller.signal });
  const events: StatusEvent[] = [];
  const opened = { status: response.status, contentType: response.headers.get('content-type'), events, close: () => controller.abort() };
  if (response.status !== 200) {
    const text = await response.text();
    return { ...opened, problem: text ? (JSON.parse(text) as Record<string, unknown>) : undefined, ended: Promise.resolve(text) };
  }
  const ended = (async () => {
    let text = '';
    let parsed = 0;
    const decoder = new TextDecoder();
    try {
      for await (const chunk of response.body as unknown as AsyncIterable<Uint8Array>) {
        text += decoder.decode(chunk, { stream: true });
        const blocks = text.split('\n\n');
        for (const block of blocks.slice(parsed, -1)) {
          const field = (name: string) => block.split('\n').find((line) => line.startsWith(`${name}: `))?.slice(name.length + 2);
          const data = field('data');
          if (data !== undefined) events.push({ id: Number(field('id')), status: (JSON.parse(data) as { status: string }).status });
        }
        parsed = Math.max(parsed, blocks.length - 1);
      }
    } catch {
      // closed by this side
    }
    return text;
  })();
  return { ...opened, problem: undefined, ended };
}
