import { html, type Html } from '../html.js';

const sections = [
  { path: '/orders', title: 'Orders' },
  { path: '/consumers', title: 'Consumers' },
  { path: '/dead-letters', title: 'Dead letters' },
  { path: '/analytics', title: 'Analytics' },
] as const;

/** The page around every view: navigation, who is signed in, sign out (a POST, like every mutation). */
export function layout(options: { title: string; active?: string; staff?: string; body: Html }): Html {
  return html`<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="htmx-config" content='{"includeIndicatorStyles":false,"allowEval":false}'>
<title>${options.title} · operator console</title>
<link rel="stylesheet" href="/assets/console.css">
<script src="/assets/htmx.min.js" defer></script>
</head>
<body>
<header>
  <strong class="brand">order platform · console</strong>
  ${options.staff
    ? html`<nav>${sections.map((s) => html`<a href="${s.path}" class="${s.path === options.active ? 'active' : ''}">${s.title}</a>`)}</nav>
  <form method="post" action="/sign-out" class="who">signed in as <b>${options.staff}</b> <button type="submit">Sign out</button></form>`
    : ''}
</header>
<main>
<h1>${options.title}</h1>
${options.body}
</main>
</body>
</html>`;
}

/** Which service did not answer, in place of the part of a page it would have filled. */
export function down(problems: readonly { service: string; problem: string; down: boolean }[]): Html {
  return html`${problems.map((p) => html`<p class="down" data-service="${p.service}"><b>${p.service} ${p.down ? 'is down' : 'refused'}</b> — ${p.problem}</p>`)}`;
}

export function time(iso: string | null | undefined): Html {
  if (!iso) return html`<span class="muted">—</span>`;
  return html`<time datetime="${iso}" title="${iso}">${iso.replace('T', ' ').replace(/Z$/, '')}</time>`;
}

export function ago(iso: string, now: number): string {
  const seconds = Math.max(0, Math.round((now - Date.parse(iso)) / 1000));
  if (seconds < 120) return `${seconds} s`;
  if (seconds < 7200) return `${Math.round(seconds / 60)} min`;
  return `${Math.round(seconds / 3600)} h`;
}
