// Copies a text to the clipboard and says whether it worked.
import { useState } from 'preact/hooks';
import { html } from 'htm/preact';

export function CopyButton({ text, label = 'Copy' }) {
  const [state, setState] = useState('');
  async function copy() {
    try {
      await navigator.clipboard.writeText(text);
      setState('Copied');
    } catch {
      setState('Copy failed: select the text and copy it by hand');
    }
  }
  return html`<span class="copy"><button type="button" class="secondary" onClick=${copy}>${label}</button>
    <span class="muted" role="status">${state}</span></span>`;
}
