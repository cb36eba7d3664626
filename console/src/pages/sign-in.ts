import { html, type Html } from '../html.js';
import { layout } from './layout.js';

/** Staff paste a bearer token (`make -s token SUB=… ROLE=admin`, or one from the identity provider). */
export function signInPage(message?: { text: string; kind: 'refused' | 'signed-out' }): Html {
  return layout({
    title: 'Sign in',
    body: html`
<p>The console is for staff. Paste your bearer token (role <code>admin</code>); it is kept in an httpOnly cookie until it expires and sent to each service as your <code>Authorization</code>.</p>
${message ? html`<p class="${message.kind === 'refused' ? 'down' : 'note'}" id="sign-in-message" role="alert">${message.text}</p>` : ''}
<form method="post" action="/sign-in" class="sign-in">
  <label for="token">Bearer token</label>
  <textarea id="token" name="token" rows="4" required autocomplete="off" spellcheck="false" placeholder="eyJhbGciOi…"></textarea>
  <button type="submit">Sign in</button>
</form>
<p class="muted">Local runs: <code>make -s token SUB=staff-1 ROLE=admin</code></p>`,
  });
}
