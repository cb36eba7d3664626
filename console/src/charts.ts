import { html, type Html } from './html.js';

/** Charts as SVG drawn on the server: nothing to download, nothing to run in the page. */
export interface Series {
  name: string;
  colour: string;
  values: number[];
}

const palette = { axis: '#9aa3b2', text: '#4b5565' };

/** Grouped bars, one group per label (e.g. per minute), one bar per series. */
export function groupedBars(options: { id: string; title: string; labels: string[]; series: Series[]; width?: number; height?: number }): Html {
  const width = options.width ?? 900;
  const height = options.height ?? 220;
  const pad = { left: 40, right: 10, top: 24, bottom: 36 };
  const plotW = width - pad.left - pad.right;
  const plotH = height - pad.top - pad.bottom;
  const max = Math.max(1, ...options.series.flatMap((s) => s.values));
  const groupW = plotW / Math.max(1, options.labels.length);
  const barW = Math.max(1, (groupW * 0.8) / options.series.length);
  const y = (v: number) => pad.top + plotH - (v / max) * plotH;
  const every = Math.ceil(options.labels.length / 12); // at most a dozen axis labels
  return html`<svg id="${options.id}" role="img" aria-label="${options.title}" viewBox="0 0 ${width} ${height}" width="100%" xmlns="http://www.w3.org/2000/svg">
  <text x="${pad.left}" y="14" fill="${palette.text}" font-size="12" font-weight="600">${options.title}</text>
  ${options.series.map((s, i) => html`<rect x="${width - 110 * (options.series.length - i)}" y="5" width="10" height="10" fill="${s.colour}"/><text x="${width - 110 * (options.series.length - i) + 14}" y="14" font-size="11" fill="${palette.text}">${s.name}</text>`)}
  <line x1="${pad.left}" y1="${pad.top + plotH}" x2="${width - pad.right}" y2="${pad.top + plotH}" stroke="${palette.axis}"/>
  <line x1="${pad.left}" y1="${pad.top}" x2="${pad.left}" y2="${pad.top + plotH}" stroke="${palette.axis}"/>
  <text x="${pad.left - 4}" y="${pad.top + 4}" text-anchor="end" font-size="10" fill="${palette.text}">${max}</text>
  <text x="${pad.left - 4}" y="${pad.top + plotH}" text-anchor="end" font-size="10" fill="${palette.text}">0</text>
  ${options.labels.map((label, g) => html`<g>
    ${options.series.map((s, i) => {
      const v = s.values[g] ?? 0;
      return html`<rect class="bar" data-series="${s.name}" x="${(pad.left + g * groupW + groupW * 0.1 + i * barW).toFixed(1)}" y="${y(v).toFixed(1)}" width="${barW.toFixed(1)}" height="${(pad.top + plotH - y(v)).toFixed(1)}" fill="${s.colour}"><title>${label} ${s.name}: ${v}</title></rect>`;
    })}
    ${g % every === 0 ? html`<text x="${(pad.left + g * groupW + groupW / 2).toFixed(1)}" y="${height - pad.bottom + 14}" text-anchor="middle" font-size="10" fill="${palette.text}">${label}</text>` : ''}
  </g>`)}
</svg>`;
}

/** A share (0..1) as a filled bar with its percentage. */
export function shareBar(options: { id: string; title: string; share: number | null; colour: string }): Html {
  const share = options.share === null ? 0 : Math.min(1, Math.max(0, options.share));
  return html`<svg id="${options.id}" role="img" aria-label="${options.title}" viewBox="0 0 320 56" width="320" xmlns="http://www.w3.org/2000/svg">
  <text x="0" y="14" font-size="12" font-weight="600" fill="${palette.text}">${options.title}</text>
  <rect x="0" y="22" width="240" height="22" rx="4" fill="#e7ebf3"/>
  <rect x="0" y="22" width="${(240 * share).toFixed(1)}" height="22" rx="4" fill="${options.colour}"/>
  <text x="250" y="39" font-size="16" font-weight="600" fill="${palette.text}">${options.share === null ? '—' : `${(share * 100).toFixed(1)} %`}</text>
</svg>`;
}

/** Horizontal bars, each scaled to the largest of its own group (amounts of one currency). */
export function horizontalBars(options: { id: string; title: string; rows: { label: string; value: number; text: string; colour: string }[] }): Html {
  const max = Math.max(1, ...options.rows.map((r) => Math.abs(r.value)));
  const height = 24 + options.rows.length * 24;
  return html`<svg id="${options.id}" role="img" aria-label="${options.title}" viewBox="0 0 600 ${height}" width="600" xmlns="http://www.w3.org/2000/svg">
  <text x="0" y="14" font-size="12" font-weight="600" fill="${palette.text}">${options.title}</text>
  ${options.rows.map((r, i) => html`<text x="0" y="${36 + i * 24}" font-size="11" fill="${palette.text}">${r.label}</text>
  <rect x="110" y="${24 + i * 24}" width="${((360 * Math.abs(r.value)) / max).toFixed(1)}" height="16" fill="${r.colour}"/>
  <text x="${(116 + (360 * Math.abs(r.value)) / max).toFixed(1)}" y="${36 + i * 24}" font-size="11" fill="${palette.text}">${r.text}</text>`)}
</svg>`;
}
