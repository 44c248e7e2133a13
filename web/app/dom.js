// dom.js - build DOM with text only: no innerHTML anywhere, so no string can become markup.
const SVG_NS = 'http://www.w3.org/2000/svg';

/** el('p', { class: 'x' }, 'text', child, ...) */
export function el(tag, attrs = {}, ...children) {
  return build(document.createElement(tag), attrs, children);
}

export function svg(tag, attrs = {}, ...children) {
  return build(document.createElementNS(SVG_NS, tag), attrs, children);
}

function build(node, attrs, children) {
  for (const [k, v] of Object.entries(attrs)) {
    if (v === undefined || v === null || v === false) continue;
    if (k.startsWith('on') && typeof v === 'function') node.addEventListener(k.slice(2), v);
    else node.setAttribute(k, v === true ? '' : String(v));
  }
  for (const c of children.flat()) {
    if (c === null || c === undefined || c === false) continue;
    node.append(typeof c === 'string' || typeof c === 'number' ? document.createTextNode(String(c)) : c);
  }
  return node;
}

/** Replace all children of `node`. */
export function mount(node, ...children) {
  node.replaceChildren(...children.flat().filter((c) => c !== null && c !== undefined && c !== false));
  return node;
}

/** Okabe–Ito: eight colours that stay distinct under the common colour-vision deficiencies. */
export const GROUP_COLORS = ['#0072B2', '#E69F00', '#009E73', '#CC79A7', '#56B4E9', '#D55E00', '#F0E442', '#8C8C8C'];
export const groupColor = (g) => GROUP_COLORS[g % GROUP_COLORS.length];
/** Text colour that reads on each group colour (contrast >= 4.5:1). */
const ON_GROUP = ['#ffffff', '#000000', '#000000', '#000000', '#000000', '#000000', '#000000', '#ffffff'];
export const onGroupColor = (g) => ON_GROUP[g % ON_GROUP.length];

/** Viridis, sampled at 9 points and interpolated: perceptually uniform and colour-blind safe. */
const VIRIDIS = [[68, 1, 84], [71, 44, 122], [59, 81, 139], [44, 113, 142], [33, 144, 141], [39, 173, 129], [92, 200, 99], [170, 220, 50], [253, 231, 37]];
export function viridis(x) {
  const t = Math.min(1, Math.max(0, x)) * (VIRIDIS.length - 1);
  const i = Math.min(VIRIDIS.length - 2, Math.floor(t)), f = t - i;
  const c = VIRIDIS[i].map((a, j) => Math.round(a + (VIRIDIS[i + 1][j] - a) * f));
  return `rgb(${c[0]}, ${c[1]}, ${c[2]})`;
}
