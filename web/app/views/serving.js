// serving.js - "Serving the cache": the panels on what a server does with the cache (a streaming
// cache with sinks, split-K decoding), each with its controls, its figures and an interview
// question answered live. Every figure comes from the core (serving-facts.js, in the worker,
// through call(method, args)); this module only draws. Nothing is asked before the section comes
// near the screen: a reader who never scrolls here costs the core nothing.
import { el, mount, svg, viridis } from '../dom.js';
import { SERVING } from '../lesson.js';
import { cacheBars } from './bars.js';
import { scrollTable } from './table.js';
import { formatBytes, formatFactor, formatPercent } from '../../lib/format.js';

const FMT = { bytes: formatBytes, factor: formatFactor, percent: formatPercent };
const CELL = 14, AXIS = 13, LABELS = 20;  // px: the map is drawn at 1:1, so its 11-unit labels are 11 px
/** The cache dtypes whose bytes core.kvCacheBytes gives exactly (int8's scales it does not count). */
const EXACT_DTYPES = ['f32', 'f16'];
const SHOWN_HEADS = 8;

/** A <select> of `choices` in a labelled field; onchange(value as a number). */
function choiceField(name, label, choices, value, onchange, text = String) {
  const select = el('select', { name, onchange: (e) => onchange(Number(e.target.value)) },
    choices.map((c) => el('option', { value: c, selected: c === value }, text(c))));
  return { field: el('label', { class: 'field' }, el('span', {}, label), select), select };
}

/** An interview question with its answer and a live line: { node, line (its text node) }. */
function question(item, id) {
  const line = document.createTextNode('computing…');
  return { line, node: el('article', { class: 'serving-qa', id },
    el('h4', {}, item.q), el('p', {}, item.a),
    el('p', { class: 'live' }, el('span', { class: 'live-tag' }, 'computed now'), ' ', line)) };
}

/**
 * Which original positions each query saw: rows are queries (the token just appended), columns
 * key positions; a kept key is coloured by its weight, an evicted one is grey, a future one empty.
 */
function visibilityMap(x) {
  const T = x.tokens, x0 = AXIS + LABELS, y0 = AXIS + LABELS;
  const width = x0 + T * CELL + 2, height = y0 + T * CELL + 2;
  const map = svg('svg', { viewBox: `0 0 ${width} ${height}`, width, height, class: 'heatmap sink-map', role: 'img',
    'aria-label': `Which of ${T} positions each query sees with ${x.sinks} sinks and a ${x.window}-token window: rows queries, columns keys` });
  map.append(svg('text', { x: x0, y: 11, class: 'axis-title' }, 'key positions →'),
    svg('text', { x: 11, y: y0, class: 'axis-title', transform: `rotate(-90 11 ${y0})`, 'text-anchor': 'end' }, '← queries'));
  for (let t = 0; t < T; t++) {
    const cx = x0 + t * CELL + CELL / 2 + 4;
    map.append(svg('text', { x: x0 - 3, y: y0 + t * CELL + CELL - 3, class: 'tok', 'text-anchor': 'end' }, t),
      svg('text', { x: cx, y: y0 - 3, class: `tok${t < x.sinks ? ' sink-label' : ''}`, transform: `rotate(-90 ${cx} ${y0 - 3})` }, t));
    for (let p = 0; p <= t; p++) {
      const w = x.weights[t * T + p], kept = w > 0;
      map.append(svg('rect', { x: x0 + p * CELL, y: y0 + t * CELL, width: CELL, height: CELL, class: kept ? 'kept' : 'evicted',
        ...(kept ? { fill: viridis(w) } : {}), 'data-q': t, 'data-k': p, 'data-w': w },
      svg('title', {}, kept ? `query ${t} → key ${p}: weight ${w.toFixed(3)}` : `query ${t}: key ${p} was evicted`)));
    }
  }
  return map;
}

export class ServingSection {
  #call;
  #root;
  #els = {};
  #shape = null;        // { h, g, d, dtype, mla } of the latest snapshot
  #near = false;        // the section has come near the screen
  #drawn = {};          // panel -> the shape key it was computed for
  #requests = { sinks: 0, paged: 0, splitK: 0 };
  #sinks = { sinks: SERVING.sinks.sinks, window: SERVING.sinks.window, sinkLogit: SERVING.sinks.sinkLogit.value };
  #paged = { blockSize: SERVING.paged.blockSize, prompt: SERVING.paged.prompt, sequences: SERVING.paged.sequences, maxLength: SERVING.paged.maxLength };
  #splitK = { chunks: SERVING.splitK.chunks, head: 0 };
  #observer = null;

  /** root: where to draw; call(method, args): the core, as the page's CoreClient offers it. */
  constructor(root, { call }) {
    this.#root = root;
    this.#call = call;
    this.#build();
    if (typeof IntersectionObserver === 'function') {
      this.#observer = new IntersectionObserver((entries) => {
        if (!entries.some((e) => e.isIntersecting)) return;
        this.#observer.disconnect();
        this.#near = true;
        this.#refresh();
      }, { rootMargin: '50% 0px' });
      this.#observer.observe(root);
    } else {
      this.#near = true;
    }
  }

  #build() {
    const e = this.#els, S = SERVING.sinks, P = SERVING.paged, K = SERVING.splitK;
    const sinks = choiceField('serving-sinks', 'Sink tokens kept', S.sinkChoices, this.#sinks.sinks, (v) => { this.#sinks.sinks = v; this.#computeSinks(); });
    const windowField = choiceField('serving-window', 'Window (recent tokens)', S.windowChoices, this.#sinks.window, (v) => { this.#sinks.window = v; this.#computeSinks(); });
    const L = S.sinkLogit;
    e.sinkLogit = el('input', { type: 'range', id: 'serving-sink-logit', name: 'serving-sink-logit', min: L.min, max: L.max, step: L.step, value: L.value,
      'aria-describedby': 'serving-sink-logit-value' });
    e.sinkLogitValue = el('output', { id: 'serving-sink-logit-value', for: 'serving-sink-logit' }, String(L.value));
    e.sinkLogit.addEventListener('input', () => {
      this.#sinks.sinkLogit = Number(e.sinkLogit.value);
      e.sinkLogitValue.textContent = e.sinkLogit.value;
      this.#computeSinks();
    });
    e.map = el('div', { class: 'sink-map-box', id: 'sinks-map' }, el('p', { class: 'fine' }, 'computing…'));
    e.mapCaption = el('p', { class: 'fine', id: 'sinks-map-caption' });
    e.memory = el('div', { id: 'sinks-memory' });
    e.memoryCaption = el('p', { class: 'fine', id: 'sinks-memory-caption' });
    e.nothing = el('div', { id: 'sinks-nothing' });
    e.nothingSummary = el('p', { class: 'fine', id: 'sinks-nothing-summary' });
    e.sinksQa = question(S.question, 'serving-qa-sinks');
    const legend = el('div', { class: 'legend' }, 'kept: weight 0', el('span', { class: 'ramp', role: 'presentation' }), '1',
      el('span', { class: 'swatch evicted-swatch', role: 'presentation' }), 'evicted', el('span', { class: 'sink-key' }, 'sink positions in bold'));

    const paged = (name) => (v) => { this.#paged[name] = v; this.#computePaged(); };
    const pagedFields = [
      choiceField('serving-block-size', 'Block size', P.blockSizeChoices, this.#paged.blockSize, paged('blockSize'), (b) => `${b} tokens`),
      choiceField('serving-prompt', 'Shared prompt', P.promptChoices, this.#paged.prompt, paged('prompt'), (t) => `${t} tokens`),
      choiceField('serving-sequences', 'Requests', P.sequenceChoices, this.#paged.sequences, paged('sequences')),
      choiceField('serving-max-length', 'Contiguous: reserved each', P.maxLengthChoices, this.#paged.maxLength, paged('maxLength'), (t) => `${t.toLocaleString('en-US')} tokens`),
    ];
    e.blocks = el('div', { id: 'paged-blocks' }, el('p', { class: 'fine' }, 'computing…'));
    e.blocksCaption = el('p', { class: 'fine', id: 'paged-caption' });
    e.counts = el('p', { id: 'paged-counts' });
    e.pagedMemory = el('div', { id: 'paged-memory' });
    e.pagedMemoryCaption = el('p', { class: 'fine', id: 'paged-memory-caption' });
    e.pagedCheck = el('p', { class: 'fine', id: 'paged-check' });
    e.pagedQa = question(P.question, 'serving-qa-paged');
    const blockLegend = el('div', { class: 'legend' }, el('span', { class: 'block-key shared' }, '#'), 'shared by every request',
      el('span', { class: 'block-key' }, '#'), 'its own');

    const chunks = choiceField('serving-chunks', 'Chunks', K.chunkChoices, this.#splitK.chunks, (v) => { this.#splitK.chunks = v; this.#computeSplitK(); },
      (c) => `${c} chunks of ${K.tokens / c} keys`);
    e.head = el('select', { name: 'serving-head', onchange: (ev) => { this.#splitK.head = Number(ev.target.value); this.#computeSplitK(); } });
    e.shares = el('div', { id: 'splitk-shares' });
    e.table = el('div', { id: 'splitk-table' }, el('p', { class: 'fine' }, 'computing…'));
    e.delta = el('p', { id: 'splitk-delta' });
    e.splitKQa = question(K.question, 'serving-qa-splitk');
    e.mla = el('p', { class: 'fine', id: 'serving-mla', hidden: true });

    const panel = (id, ...children) => el('div', { class: 'view wide', id: `serving-${id}`, part: `view view-serving-${id}` }, ...children);
    e.panels = {
      sinks: panel('sinks',
        el('h3', {}, S.title),
        el('p', { class: 'fine' }, S.text),
        el('div', { class: 'serving-controls' }, sinks.field, windowField.field),
        e.map, legend, e.mapCaption,
        el('h4', {}, 'Memory as the text grows'), e.memory, e.memoryCaption,
        el('h4', {}, 'A learned sink logit (gpt-oss)'),
        el('p', { class: 'fine' }, S.sinkLogitText),
        el('label', { class: 'field slider' }, el('span', {}, 'Sink logit, every head'), e.sinkLogit, e.sinkLogitValue),
        e.nothing, e.nothingSummary,
        e.sinksQa.node),
      paged: panel('paged',
        el('h3', {}, P.title),
        el('p', { class: 'fine' }, P.text),
        el('div', { class: 'serving-controls' }, pagedFields.map((f) => f.field)),
        e.blocksCaption, e.blocks, blockLegend, e.counts,
        e.pagedMemory, e.pagedMemoryCaption, e.pagedCheck,
        e.pagedQa.node),
      splitK: panel('splitk',
        el('h3', {}, K.title),
        el('p', { class: 'fine' }, K.text),
        el('div', { class: 'serving-controls' }, chunks.field, el('label', { class: 'field' }, el('span', {}, 'Query head drawn'), e.head)),
        e.shares, e.table, e.delta,
        e.splitKQa.node),
    };
    mount(this.#root, el('p', {}, SERVING.intro), e.mla, e.panels.sinks, e.panels.paged, e.panels.splitK);
  }

  /** A snapshot was drawn: recompute the panels if the shape they use changed. */
  update(snapshot) {
    const s = snapshot.state;
    this.#shape = { h: s.h, g: s.g, d: s.d, dtype: EXACT_DTYPES.includes(s.dtype) ? s.dtype : 'f16', mla: snapshot.mla };
    const e = this.#els;
    e.mla.hidden = !snapshot.mla;
    if (snapshot.mla) e.mla.textContent = SERVING.mlaNote(snapshot.mla);
    if (e.head.options.length !== s.h) {
      if (this.#splitK.head >= s.h) this.#splitK.head = 0;
      mount(e.head, Array.from({ length: s.h }, (_, i) => el('option', { value: i, selected: i === this.#splitK.head }, `query head ${i}`)));
    }
    this.#refresh();
  }

  #key() { const s = this.#shape; return `${s.h}/${s.g}/${s.d}/${s.dtype}`; }

  #refresh() {
    if (!this.#near || !this.#shape) return;
    if (this.#drawn.sinks !== this.#key()) this.#computeSinks();
    if (this.#drawn.paged !== this.#key()) this.#computePaged();
    if (this.#drawn.splitK !== this.#key()) this.#computeSplitK();
  }

  /** Asks the core for a panel's facts at the current shape; draws the newest answer, or says what was refused in `box`. */
  async #ask(panel, method, args, errorBox, draw) {
    if (!this.#near || !this.#shape) return;
    const mine = ++this.#requests[panel], key = this.#key(), { h, g, d, dtype } = this.#shape;
    try {
      const facts = await this.#call(method, { h, g, d, dtype, ...args });
      if (mine !== this.#requests[panel]) return;  // a newer request is on its way
      this.#drawn[panel] = key;
      draw(facts);
      const box = this.#els.panels[panel];  // what the tests wait for: the shape drawn, and how many drawings
      box.dataset.shape = key;
      box.dataset.draws = Number(box.dataset.draws ?? 0) + 1;
    } catch (err) {
      if (mine === this.#requests[panel]) mount(errorBox, el('p', { class: 'error' }, `The core refused: ${err.message}`));
    }
  }

  #computeSinks() {
    const S = SERVING.sinks;
    this.#ask('sinks', 'servingSinks', { ...this.#sinks, tokens: S.tokens, multiples: S.multiples }, this.#els.map, (x) => this.#drawSinks(x));
  }

  #computePaged() {
    const { sequences, ...rest } = this.#paged;
    this.#ask('paged', 'servingPaged', { ...rest, continuations: SERVING.paged.continuations.slice(0, sequences) }, this.#els.blocks, (x) => this.#drawPaged(x));
  }

  #computeSplitK() {
    this.#ask('splitK', 'servingSplitK', { ...this.#splitK, tokens: SERVING.splitK.tokens }, this.#els.table, (x) => this.#drawSplitK(x));
  }

  #drawSinks(x) {
    const e = this.#els, S = SERVING.sinks;
    mount(e.map, visibilityMap(x));
    e.mapCaption.textContent = S.heatmapCaption(x);
    mount(e.memory, cacheBars(x.memory.flatMap((m) => [
      { label: `plain, ${m.seen} tokens`, bytes: m.plain, tone: 'plain' },
      { label: `streaming, ${m.seen} seen`, bytes: m.streaming, factor: m.plain > m.streaming ? m.plain / m.streaming : undefined },
    ]), { caption: 'Streaming cache against a plain cache' }));
    e.memoryCaption.textContent = S.memoryCaption(x);
    const shown = Math.min(SHOWN_HEADS, x.nHeads);
    mount(e.nothing, cacheBars(Array.from({ length: shown }, (_, i) => ({ label: `head ${i}: nothing`, bytes: x.nothing[i] })),
      { caption: 'Attention mass on nothing, per head', format: formatPercent, max: 1 }));
    e.nothingSummary.textContent = S.sinkSummary(x, FMT);
    e.sinksQa.line.data = S.question.live(x, FMT);
  }

  #drawPaged(x) {
    const e = this.#els, P = SERVING.paged, B = x.blockSize;
    const holders = new Map();  // physical block -> how many tables hold it
    for (const s of x.sequences) for (const b of s.table) holders.set(b, (holders.get(b) ?? 0) + 1);
    mount(e.blocks, el('div', { class: 'block-tables' }, x.sequences.map((s, i) => el('div', { class: 'block-row', 'data-seq': s.id, 'data-length': s.length, 'data-table': s.table.join(',') },
      el('span', { class: 'block-row-label' }, `request ${i + 1}: ${x.prompt} + ${s.length - x.prompt} tokens`),
      el('ol', { class: 'blocks', 'aria-label': `request ${i + 1}: blocks ${s.table.join(', ')}` }, s.table.map((b, j) => {
        const tokens = Math.min(B, s.length - j * B), fill = el('span', { class: 'block-fill' });
        fill.style.width = `${(100 * tokens) / B}%`;
        return el('li', { class: `block${holders.get(b) > 1 ? ' shared' : ''}`, 'data-block': b, 'data-tokens': tokens,
          title: `block ${b}: ${tokens} of ${B} tokens${holders.get(b) > 1 ? `, shared by ${holders.get(b)} requests` : ''}` }, fill, el('span', { class: 'block-id' }, `#${b}`));
      }))))));
    e.blocksCaption.textContent = P.tableCaption(x);
    e.counts.textContent = P.counts(x, FMT);
    Object.assign(e.counts.dataset, { used: x.stats.usedBlocks, shared: x.stats.sharedBlocks, alone: x.alone.usedBlocks, empty: x.emptySlots, contiguousEmpty: x.contiguousEmpty });
    const n = x.sequences.length;
    mount(e.pagedMemory, cacheBars([
      { label: 'paged, prompt shared', bytes: x.stats.usedBlocks * x.blockBytes, note: `${x.emptySlots} empty slots, in the last blocks` },
      { label: 'paged, prompt copied', bytes: x.alone.usedBlocks * x.blockBytes },
      { label: `contiguous, ${x.maxLength.toLocaleString('en-US')} each`, bytes: n * x.maxLength * x.tokenBytes, tone: 'plain', note: `${x.contiguousEmpty.toLocaleString('en-US')} empty slots` },
    ], { caption: 'Paged against contiguous memory' }));
    e.pagedMemoryCaption.textContent = P.memoryCaption(x);
    e.pagedCheck.textContent = P.check(x);
    e.pagedCheck.dataset.maxDelta = x.maxDelta;
    e.pagedQa.line.data = P.question.live(x, FMT);
  }

  #drawSplitK(x) {
    const e = this.#els, K = SERVING.splitK, dims = Math.min(K.dims, x.headDim);
    mount(e.shares, cacheBars(x.parts.map((p) => ({ label: `keys ${p.from}–${p.to}`, bytes: p.share })),
      { caption: 'Each chunk’s weight in the merge', format: formatPercent, max: 1 }));
    const outs = (v) => Array.from(v.subarray(0, dims), (n) => el('td', {}, n.toFixed(4)));
    const dataOut = (v) => Array.from(v.subarray(0, dims)).join(',');
    const rows = [
      ...x.parts.map((p) => el('tr', { 'data-chunk': `${p.from}-${p.to}`, 'data-max': p.max, 'data-sum': p.sum, 'data-out': dataOut(p.out) },
        el('th', { scope: 'row' }, `keys ${p.from}–${p.to}`), el('td', {}, p.max.toFixed(3)), el('td', {}, p.sum.toFixed(3)),
        el('td', {}, formatPercent(p.share)), outs(p.out))),
      el('tr', { 'data-row': 'merged', 'data-out': dataOut(x.merged) }, el('th', { scope: 'row' }, 'merged'),
        el('td', {}, `M ${x.M.toFixed(3)}`), el('td', {}, `L ${x.L.toFixed(3)}`), el('td', {}, formatPercent(1)), outs(x.merged)),
      el('tr', { 'data-row': 'unsplit', 'data-out': dataOut(x.unsplit) }, el('th', { scope: 'row' }, 'unsplit'),
        el('td', {}, '–'), el('td', {}, '–'), el('td', {}, '–'), outs(x.unsplit)),
    ];
    mount(e.table, scrollTable('Split-K chunks', K.tableCaption(x), el('table', { class: 'models splitk' },
      el('thead', {}, el('tr', {}, ['keys', 'max m', 'sum ℓ', 'weight', ...Array.from({ length: dims }, (_, i) => `out[${i}]`)]
        .map((h) => el('th', { scope: 'col' }, h)))),
      el('tbody', {}, rows))));
    e.delta.textContent = K.delta(x);
    e.delta.dataset.maxDelta = x.maxDelta;
    e.splitKQa.line.data = K.question.live(x, FMT);
  }

  destroy() { this.#observer?.disconnect(); }
}
