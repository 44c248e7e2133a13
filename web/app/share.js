// share.js - the "Share / embed" dialog: the permalink, the iframe snippet and the element snippet
// for the current state, each read-only with a Copy button.
import { el, mount } from './dom.js';
import { elementSnippet, iframeSnippet, permalink } from './snippets.js';

export class ShareDialog {
  /** dialog: a <dialog> element; state() gives the state to share. */
  constructor(dialog, { state }) {
    this.dialog = dialog;
    this.state = state;
    this.fields = {
      permalink: el('input', { type: 'text', id: 'share-permalink', readonly: true, class: 'share-field' }),
      iframe: el('textarea', { id: 'share-iframe', readonly: true, rows: 4, class: 'share-field' }),
      element: el('textarea', { id: 'share-element', readonly: true, rows: 3, class: 'share-field' }),
    };
    const row = (key, label, help) => el('div', { class: 'share-row' },
      el('label', { for: this.fields[key].id }, label),
      el('div', { class: 'share-input' }, this.fields[key],
        el('button', { type: 'button', class: 'btn', 'data-copy': key, onclick: (e) => this.#copy(key, e.currentTarget) }, 'Copy')),
      el('small', { class: 'fine' }, help));
    mount(dialog,
      el('h2', { id: 'share-h' }, 'Share or embed these settings'),
      row('permalink', 'Permalink', 'Opens this page with the current settings.'),
      row('iframe', 'iframe', 'Works with sandbox="allow-scripts"; the script line sizes the frame to its content.'),
      row('element', 'Element', 'One module script, then as many <gqa-playground> elements as you like; they share one core.'),
      el('p', { class: 'fine' }, 'Hosting the files yourself? See docs/embedding.md for the headers a sandboxed iframe needs.'),
      el('form', { method: 'dialog', class: 'share-actions' }, el('button', { type: 'submit', class: 'btn primary' }, 'Close')));
  }

  open() {
    const base = new URL('./', location.href).href;
    const s = this.state();
    this.fields.permalink.value = permalink(base, s);
    this.fields.iframe.value = iframeSnippet(base, s);
    this.fields.element.value = elementSnippet(base, s);
    for (const b of this.dialog.querySelectorAll('[data-copy]')) b.textContent = 'Copy';
    this.dialog.showModal();
  }

  async #copy(key, button) {
    const field = this.fields[key];
    try {
      await navigator.clipboard.writeText(field.value);
      button.textContent = 'Copied';
    } catch {
      field.select();  // no clipboard permission (an embedded or insecure context): leave it selected
      button.textContent = 'Press Ctrl+C';
    }
  }
}
