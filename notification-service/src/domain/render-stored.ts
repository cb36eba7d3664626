import { AppError } from '@order-platform/shared';
import { templateProblems, type Channel, type TemplateName, type TemplateText } from './templates.js';

/** Renders a text with values, within limits (a worker-thread pool in the worker: src/rendering). */
export type Renderer = (text: TemplateText, values: Record<string, unknown>) => Promise<TemplateText>;

// Texts found fine: the same few are rendered over and over, and checking one costs more than
// rendering it. Bounded, as each edit of a template is a new text.
const checked = new Set<string>();

/**
 * Renders a text as stored. It is checked against the rules PUT /templates applies first: it
 * may predate them or have been written by SQL. A text that breaks them, or a render over the
 * renderer's limits, fails for good (permanent: the event is dead-lettered), naming the template.
 */
export async function renderStored(render: Renderer, name: TemplateName, channel: Channel, text: TemplateText, values: Record<string, unknown>): Promise<TemplateText> {
  const key = `${name}\0${text.subject}\0${text.body}`;
  if (!checked.has(key)) {
    const problems = templateProblems(name, text);
    if (problems.length > 0) {
      throw new AppError('permanent', `the ${channel} text of template ${name} breaks the template rules: ${problems.join('; ')}`, { details: { template: name, channel, problems } });
    }
    if (checked.size >= 64) checked.clear();
    checked.add(key);
  }
  try {
    return await render(text, values);
  } catch (error) {
    if (!(error instanceof AppError) || error.kind !== 'permanent') throw error;
    throw new AppError('permanent', `the ${channel} text of template ${name} cannot be rendered: ${error.message}`, { cause: error, details: { template: name, channel } });
  }
}
