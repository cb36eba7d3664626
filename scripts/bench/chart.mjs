// The run as a picture a person opens: latency (p50, p99), throughput and the workers' memory
// over the run, three panels of one SVG, written by hand (polylines and a few labels need no chart library).

const W = 940;
const PANEL = 260;
const M = { left: 70, right: 190, top: 40, bottom: 40 };
const escape = (s) => String(s).replace(/[<>&]/g, (c) => ({ '<': '&lt;', '>': '&gt;', '&': '&amp;' })[c]);

function niceMax(v) {
  if (!(v > 0)) return 1;
  const step = 10 ** Math.floor(Math.log10(v));
  return [1, 2, 2.5, 5, 10].map((m) => m * step).find((m) => m >= v);
}

function panel({ top, title, unit, seconds, series }) {
  const h = PANEL - M.bottom;
  const w = W - M.left - M.right;
  const yMax = niceMax(Math.max(...series.flatMap((s) => s.points.map((p) => p[1]).filter(Number.isFinite)), 0));
  const x = (t) => M.left + (t / Math.max(seconds, 1)) * w;
  const y = (v) => top + h - (v / yMax) * (h - 20);
  const parts = [`<text x="${M.left}" y="${top + 4}" font-weight="bold">${escape(title)}</text>`];
  for (let i = 0; i <= 4; i++) {
    const v = (yMax * i) / 4;
    parts.push(`<line x1="${M.left}" x2="${M.left + w}" y1="${y(v)}" y2="${y(v)}" stroke="#ddd"/>`, `<text x="${M.left - 6}" y="${y(v) + 4}" text-anchor="end">${+v.toFixed(2)}</text>`);
  }
  const tickEvery = niceMax(seconds / 8);
  for (let t = 0; t <= seconds; t += tickEvery) parts.push(`<text x="${x(t)}" y="${top + h + 16}" text-anchor="middle">${t}s</text>`);
  parts.push(`<text x="14" y="${top + h / 2}" transform="rotate(-90 14 ${top + h / 2})" text-anchor="middle">${escape(unit)}</text>`);
  parts.push(`<rect x="${M.left}" y="${top + 20}" width="${w}" height="${h - 20}" fill="none" stroke="#999"/>`);
  series.forEach((s, i) => {
    // a gap (a second without a value) splits the line
    const runs = [[]];
    for (const [t, v] of s.points) Number.isFinite(v) ? runs.at(-1).push(`${x(t).toFixed(1)},${y(v).toFixed(1)}`) : runs.push([]);
    for (const run of runs.filter((r) => r.length)) parts.push(`<polyline fill="none" stroke="${s.colour}" stroke-width="1.5" points="${run.join(' ')}"/>`);
    // a second alone between gaps is a dot
    for (const run of runs.filter((r) => r.length === 1)) parts.push(`<circle cx="${run[0].split(',')[0]}" cy="${run[0].split(',')[1]}" r="2" fill="${s.colour}"/>`);
    parts.push(`<line x1="${M.left + w + 12}" x2="${M.left + w + 32}" y1="${top + 30 + i * 18}" y2="${top + 30 + i * 18}" stroke="${s.colour}" stroke-width="2"/>`, `<text x="${M.left + w + 38}" y="${top + 34 + i * 18}">${escape(s.name)}</text>`);
  });
  return parts.join('\n');
}

const colours = ['#1f77b4', '#ff7f0e', '#2ca02c', '#9467bd', '#8c564b', '#e377c2'];

/** perSecond: [{ second, finished, placed, p50, p99 }], rssSeries: [{ t, mb: { worker: MB } }]; returns the SVG text. */
export function runChart({ title, seconds, perSecond, rssSeries }) {
  const at = (key) => perSecond.map((s) => [s.second + 0.5, s[key]]);
  const body = [
    panel({ top: M.top, title: 'latency of the orders that ended in each second', unit: 'ms', seconds, series: [{ name: 'p50', colour: '#1f77b4', points: at('p50') }, { name: 'p99', colour: '#d62728', points: at('p99') }] }),
    panel({ top: M.top + PANEL + 20, title: 'throughput', unit: 'orders/s', seconds, series: [{ name: 'ended', colour: '#2ca02c', points: at('finished') }, { name: 'placed (when due)', colour: '#7f7f7f', points: at('placed') }] }),
    panel({ top: M.top + 2 * (PANEL + 20), title: 'resident memory of each worker', unit: 'MB', seconds, series: Object.keys(rssSeries[0]?.mb ?? {}).map((w, i) => ({ name: w, colour: colours[i % colours.length], points: rssSeries.filter((s) => s.t <= seconds).map((s) => [s.t, s.mb[w]]) })) }),
  ];
  const height = M.top + 3 * PANEL + 80;
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${height}" viewBox="0 0 ${W} ${height}" font-family="sans-serif" font-size="12">
<rect width="100%" height="100%" fill="white"/>
<text x="${M.left}" y="20" font-size="14">${escape(title)}</text>
${body.join('\n')}
</svg>
`;
}
