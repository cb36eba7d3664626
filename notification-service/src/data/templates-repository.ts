import type { Knex } from '@order-platform/shared';
import type { Channel, TemplateName, TemplateText } from '../domain/templates.js';

export interface StoredTemplate extends TemplateText {
  name: TemplateName;
  channel: Channel;
  version: number;
  updatedAt: Date;
}

interface TemplateRow {
  name: TemplateName;
  channel: Channel;
  subject: string;
  body: string;
  version: number;
  updated_at: Date;
}

const toTemplate = (row: TemplateRow): StoredTemplate => ({
  name: row.name,
  channel: row.channel,
  subject: row.subject,
  body: row.body,
  version: row.version,
  updatedAt: row.updated_at,
});

export async function findTemplate(db: Knex, name: TemplateName, channel: Channel): Promise<StoredTemplate | undefined> {
  const row = await db<TemplateRow>('templates').where({ name, channel }).first();
  return row ? toTemplate(row) : undefined;
}

export async function listTemplates(db: Knex | Knex.Transaction, name?: TemplateName): Promise<StoredTemplate[]> {
  const query = db<TemplateRow>('templates').orderBy(['name', 'channel']);
  if (name) query.where({ name });
  return (await query).map(toTemplate);
}

/** Writes the texts of the given channels; each write bumps that text's version. */
export async function saveTemplateTexts(trx: Knex.Transaction, name: TemplateName, texts: Partial<Record<Channel, TemplateText>>, now: Date): Promise<void> {
  for (const [channel, text] of Object.entries(texts)) {
    await trx('templates')
      .insert({ name, channel, subject: text.subject, body: text.body, version: 1, updated_at: now })
      .onConflict(['name', 'channel'])
      .merge({ subject: text.subject, body: text.body, updated_at: now, version: trx.raw('templates.version + 1') });
  }
}
