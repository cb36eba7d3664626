import { AppError, inTransaction } from '@order-platform/shared';
import { listTemplates, saveTemplateTexts, type StoredTemplate } from '../data/templates-repository.js';
import type { QueryDeps, UseCaseDeps } from './deps.js';
import { channels, isTemplateName, templateCatalog, templateProblems, type Channel, type TemplateName, type TemplateText } from './templates.js';

export interface TemplateView {
  name: TemplateName;
  audience: string;
  description: string;
  variables: Record<string, unknown>;
  channels: Partial<Record<Channel, TemplateText & { version: number; updatedAt: Date }>>;
}

/** Every template with its variables and its text per channel. */
export async function findTemplates(deps: QueryDeps): Promise<TemplateView[]> {
  const stored = await listTemplates(deps.db);
  return (Object.keys(templateCatalog) as TemplateName[]).map((name) => view(name, stored));
}

export async function findTemplate(deps: QueryDeps, name: string): Promise<TemplateView> {
  return view(known(name), await listTemplates(deps.db, known(name)));
}

/**
 * PUT /templates/:name: replaces the texts of the channels given (the others keep theirs).
 * A text that breaks a rule of `templateProblems` (an unknown variable, nesting that multiplies
 * the output, …) is refused whole, with every problem.
 */
export async function editTemplate(deps: UseCaseDeps, name: string, texts: Partial<Record<Channel, TemplateText>>): Promise<TemplateView> {
  const template = known(name);
  const problems = channels.flatMap((channel) => (texts[channel] ? templateProblems(template, texts[channel]).map((p) => `${channel}.${p}`) : []));
  if (problems.length > 0) {
    throw new AppError('unprocessable', `template ${template} has texts it cannot render`, {
      details: { problems, variables: Object.keys(templateCatalog[template].variables) },
    });
  }
  return inTransaction(deps, async ({ trx, now }) => {
    await saveTemplateTexts(trx, template, texts, now);
    return view(template, await listTemplates(trx, template));
  });
}

function known(name: string): TemplateName {
  if (!isTemplateName(name)) throw new AppError('not_found', `no template ${name}`, { details: { templates: Object.keys(templateCatalog) } });
  return name;
}

function view(name: TemplateName, stored: StoredTemplate[]): TemplateView {
  const { audience, description, variables } = templateCatalog[name];
  const texts = stored.filter((t) => t.name === name).map((t) => [t.channel, { subject: t.subject, body: t.body, version: t.version, updatedAt: t.updatedAt }]);
  return { name, audience, description, variables, channels: Object.fromEntries(texts) };
}
