// table.js - a wide table in a box of its own. The table scrolls sideways inside the box, never the
// page; shadows at the box's edges show that there is more, and a "scroll →" hint is shown while
// the table is wider than its box. The caption sits above the box, so a narrow screen never cuts it.
import { el } from '../dom.js';

let captions = 0;  // ids for aria-labelledby, unique within any root

/** label: the scrolling region's accessible name; caption: text above it (the table's name). */
export function scrollTable(label, caption, table) {
  const id = `table-caption-${++captions}`;
  table.setAttribute('aria-labelledby', id);
  const hint = el('span', { class: 'scroll-hint', 'aria-hidden': 'true', hidden: true }, 'scroll →');
  const wrap = el('div', { class: 'table-wrap', tabindex: 0, role: 'region', 'aria-label': label }, table);
  if (typeof ResizeObserver === 'function') {
    const observer = new ResizeObserver(() => { hint.hidden = wrap.scrollWidth <= wrap.clientWidth + 1; });
    observer.observe(wrap);
    observer.observe(table);
  }
  return el('div', { class: 'table-box' }, el('div', { class: 'table-head' }, el('p', { class: 'table-caption', id }, caption), hint), wrap);
}
