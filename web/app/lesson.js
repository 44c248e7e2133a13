// lesson.js - the lesson as data: walkthrough steps, theory, equations, pitfalls and interview
// Q&A. Text only; every figure next to it comes from the core at run time through the
// `live(snapshot, fmt)` functions, which turn the worker's computed snapshot into a sentence.
import { formatPercent, formatPoints, kindLabel } from '../lib/format.js';
import { sweepGrid } from '../lib/quality-experiment.js';

export const WALKTHROUGH = [
  {
    title: 'Multi-head attention (MHA)',
    heads: 8, kvHeads: 8,
    text: 'Eight query heads, and every one of them brings its own key and value head. During decoding all ' +
      'eight K/V heads are written to the cache for every token, so the cache grows by 2 × 8 head vectors ' +
      'per token per layer. This is the baseline the other two designs shrink.',
  },
  {
    title: 'Multi-query attention (MQA)',
    heads: 8, kvHeads: 1,
    text: 'Keep the eight query heads, but let all of them read one shared key head and one shared value head. ' +
      'The queries still ask eight different questions; they just look them up in the same place. The cache ' +
      'holds one K/V head per token instead of eight.',
  },
  {
    title: 'Grouped-query attention (GQA)',
    heads: 8, kvHeads: 2,
    text: 'The middle road: split the eight query heads into two groups of four, and give each group its own ' +
      'K/V head. Two cabinets instead of eight (MHA) or one (MQA). With G groups, query head h reads K/V head ' +
      '⌊h·G/H⌋.',
  },
  {
    title: 'Each query head attends with its group’s K/V',
    heads: 8, kvHeads: 2, example: true,
    text: 'Here the core runs causal attention on a six-token example. Heads 0–3 score their queries against ' +
      'the same keys (group 0) and mix the same values; heads 4–7 use group 1. The patterns differ because the ' +
      'queries differ, even though the keys they are compared with are shared.',
  },
  {
    title: 'Compare the caches',
    heads: 8, kvHeads: 2, compare: true,
    text: 'Fewer K/V heads, smaller cache, and a smaller cache means fewer bytes to read for every generated ' +
      'token. Decoding is limited by those bytes, which is why GQA and MQA decode faster. This step draws your ' +
      'current settings: your query heads grouped onto your K/V heads, and the cache of MHA, your G and MQA.',
  },
  {
    title: 'Multi-head latent attention (MLA)',
    heads: 128, kvHeads: 1, mla: true,
    text: 'GQA shares K/V heads; MLA (DeepSeek-V2/V3, Kimi K2) shares further. Each token caches one latent ' +
      'vector c plus a small rotary key that every head uses, and each head rebuilds its own keys and values ' +
      'from c with two up-projections, W_uk and W_uv. The core runs it both ways: rebuilding every head’s K ' +
      'and V, and absorbed, with W_uk folded into the query and W_uv applied after the softmax. Absorbed, ' +
      'every head reads the same latent rows: it is MQA over the latent, then an up-projection per head. ' +
      'The bars are per token, all layers, at DeepSeek-V3’s published widths.',
  },
];

/**
 * The MLA step's shapes: DeepSeek-V3's published attention widths (deepseek-ai/DeepSeek-V3
 * config.json; its layers and heads come from the core's catalog), and a small example the core
 * runs both ways. Inputs, not figures: every number the
 * step shows is computed from them by the core.
 */
export const MLA_STEP = {
  model: { id: 'deepseek-v3', gqaKvHeads: 8 },
  example: { nHeads: 8, kvLoraRank: 24, qkRopeHeadDim: 4, qkNopeHeadDim: 8, vHeadDim: 8 },
};

/** The walkthrough's way on, after its last step, where the page has the Explore section. */
export const WALKTHROUGH_NEXT = 'Next: your own settings and real models, in Explore →';

export const THEORY = [
  {
    title: 'What attention stores',
    text: 'In an autoregressive transformer each new token attends to every earlier token. Recomputing the keys ' +
      'and values of the whole prefix at every step would be wasteful, so they are kept: the KV cache. Its size ' +
      'is set by how many K/V heads each layer has, not by how many query heads.',
  },
  {
    title: 'The mental model: researchers and filing cabinets',
    text: 'Think of each query head as a researcher with their own question, and each K/V head as a filing ' +
      'cabinet of notes about the tokens so far. MHA gives every researcher a private cabinet. MQA makes all of ' +
      'them share a single cabinet. GQA gives each team of researchers one cabinet. The number of cabinets is G; ' +
      'the memory you pay for during generation is the cabinets, not the researchers.',
  },
  {
    title: 'One integer, three names',
    text: 'MHA, GQA and MQA are one algorithm with one parameter, the number of K/V heads G. G = H is MHA, ' +
      'G = 1 is MQA, anything that divides H in between is GQA. The core runs all three through the same code ' +
      'path; so do llama.cpp and most inference engines.',
  },
];

/** KaTeX sources; rendered with the KaTeX build served from this site. */
export const EQUATIONS = [
  { label: 'Multi-head attention, head h', tex: String.raw`\mathrm{head}_h = \mathrm{softmax}\!\left(\frac{Q_h K_h^{\top}}{\sqrt{d}} + M\right) V_h` },
  { label: 'Grouped: query head h reads K/V head g(h)', tex: String.raw`\mathrm{head}_h = \mathrm{softmax}\!\left(\frac{Q_h K_{g(h)}^{\top}}{\sqrt{d}} + M\right) V_{g(h)},\qquad g(h) = \left\lfloor \frac{h\,G}{H} \right\rfloor` },
  { label: 'KV-cache bytes', tex: String.raw`\text{bytes} = 2 \cdot L \cdot G \cdot d \cdot T \cdot B \cdot \text{bytes per element}` },
  { label: 'Reduction against MHA', tex: String.raw`\frac{\text{bytes}_{\mathrm{MHA}}}{\text{bytes}_{\mathrm{GQA}}} = \frac{H}{G}` },
];

export const PYTORCH_EQUIVALENT = `# q: (B, H, T, d)   k, v: (B, G, T, d)   H % G == 0
def grouped_attention(q, k, v, causal=True):
    H, G = q.shape[1], k.shape[1]
    scores = torch.einsum("bgmqd,bgkd->bgmqk",
                          q.view(q.shape[0], G, H // G, *q.shape[2:]), k)  # no copies of k
    scores = scores / q.shape[-1] ** 0.5
    if causal:
        T, S = scores.shape[-2:]
        mask = torch.ones(T, S, dtype=torch.bool).tril(S - T)   # bottom-right aligned
        scores = scores.masked_fill(~mask, float("-inf"))
    out = torch.einsum("bgmqk,bgkd->bgmqd", scores.softmax(-1), v)
    return out.reshape(q.shape)`;

export const PITFALLS = [
  { title: 'H must be divisible by G', text: 'Each K/V head serves H/G query heads. With H = 8 and G = 3 the groups cannot be equal; the core refuses it with a clear error rather than guess.' },
  { title: '`repeat_kv` materialises copies', text: 'A common reference implementation expands K and V to H heads with repeat_interleave before a standard MHA kernel. The result is right, but it copies the cache H/G times on every step and gives back the bandwidth GQA saved. Index the shared head instead, as the decode kernel here does.' },
  { title: 'GQA does not cut prefill FLOPs', text: 'Every query head still computes a score with every key: the multiply-adds of attention are 2·H·T·d per token whatever G is. GQA shrinks the K/V projections and the cache, and that helps decoding, which is bound by memory traffic, not compute.' },
  { title: 'Tensor parallelism above G replicates K/V', text: 'Splitting heads over t devices gives each G/t K/V heads. Once t exceeds G there is nothing left to split: each K/V head is copied to t/G devices, and the per-device cache stops shrinking.' },
  { title: 'head_dim comes from the config, not hidden / heads', text: 'Gemma-7B has hidden size 3072 and 16 heads, but head_dim 256, not 192. Calculators that derive it get the cache wrong by a third.' },
  { title: 'G = H is MHA, not MQA', text: 'MQA means a single K/V head (G = 1). A model with as many K/V heads as query heads is plain multi-head attention, whatever its config calls the field.' },
];

/**
 * Interview questions. `live(s, f, lab)` returns the computed line shown next to the answer, from
 * the snapshot `s` and, for the answers about quality, the quality lab's results `lab` ({ conversion:
 * { similarity, points } | null, runs: the trained models, G descending, or [], sweep: the load
 * sweep's { steps, seed, rows } or null }); `figure` names a live figure from the quality lab shown
 * with it ('quality': the sweep's chart, else the training curves, else the conversion curve;
 * 'conversion') where the lab is on the page.
 */
export const QUESTIONS = [
  {
    q: 'What problem do MQA and GQA solve?',
    a: 'The size of the KV cache during generation. Every token appends K and V for every K/V head in every layer, and ' +
      'every new token reads all of it back. Fewer K/V heads shrink both the memory held and the bytes moved per step.',
    live: (s, f) => `cache ${f.factor(s.cache.mha.bytes / s.cache.current.bytes)} smaller here: ${f.bytes(s.cache.mha.perToken)} → ${f.bytes(s.cache.current.perToken)} per token (${s.state.l} layers, ${s.state.dtype})`,
  },
  {
    q: 'How does GQA relate to MHA and MQA?',
    a: 'It interpolates between them with one integer G. G = H gives MHA, G = 1 gives MQA. Computing GQA gives exactly what ' +
      'MHA gives when each K/V head is copied to every query head of its group: GQA is MHA whose key and value heads are tied ' +
      'within each group. So one kernel serves all three, and the cache holds G heads instead of H. What the tying costs in ' +
      'quality does not follow from this equality; it has to be measured (see “What is the downside of MQA?”).',
    live: (s) => `GQA (G = ${s.state.g}) and MHA on its K/V copied to all ${s.state.h} query heads, ${s.example.tokens.length} tokens: ` +
      (s.facts.equalsMha === 0 ? 'the same output, bit for bit (max |Δ| = 0)' : `outputs differ by at most ${s.facts.equalsMha.toExponential(1)} (float rounding)`),
  },
  {
    q: 'What stays the same: queries or keys/values?',
    a: 'The queries. Every head keeps its own query projection, so the model still asks H different questions. Only the ' +
      'key and value projections, and the cache they fill, are shared within a group.',
    live: (s, f) => `query parameters unchanged: ${f.count(s.facts.params.current.query)}; K/V parameters ${f.count(s.facts.params.mha.keyValue)} → ${f.count(s.facts.params.current.keyValue)} (d_model = ${s.state.h * s.state.d})`,
  },
  {
    q: 'What is the downside of MQA?',
    a: 'Capacity. One K/V head has to serve every query head, so the model can store less distinct information per token; ' +
      'MQA models lose some quality and were reported to train less stably. Ainslie et al. (2023) report that GQA keeps most ' +
      'of MHA’s quality with most of MQA’s savings.',
    figure: 'quality',
    live: (s, f, lab) => mqaCost(lab, f),
  },
  {
    q: 'Why is decoding memory-bound?',
    a: 'Generating one token does little arithmetic per byte: each cached key and value is read once and used for a few ' +
      'multiply-adds. Accelerators can do hundreds of operations per byte they load, so the step waits on memory.',
    live: (s, f) => `one step at T = ${s.state.t}: ${f.bytes(s.facts.decode.current.kvBytes)} of K/V read for ${f.count(s.facts.decode.current.multiplyAdds)} multiply-adds, ${s.facts.decode.current.intensity.toFixed(2)} multiply-adds per byte (MHA: ${s.facts.decode.mha.intensity.toFixed(2)})`,
  },
  {
    q: 'How much does GQA save for Llama-3.1-70B at 128K context?',
    a: 'Llama-3.1-70B has 64 query heads and 8 K/V heads over 80 layers with head_dim 128. At its full 131,072-token ' +
      'context in fp16, the cache for one sequence is 8× smaller than MHA would need.',
    live: (s, f) => `one 131,072-token sequence, fp16: ${f.bytes(s.facts.llama70b.mha)} with MHA → ${f.bytes(s.facts.llama70b.gqa)} with GQA-8 (${f.factor(s.facts.llama70b.mha / s.facts.llama70b.gqa)})`,
  },
  {
    q: 'Can an MHA checkpoint be converted to GQA?',
    a: 'Yes. The GQA paper (Ainslie et al., 2023) mean-pools the key and value heads of each group into one head, then ' +
      'continues pre-training for about 5% of the original steps ("uptraining"). Mean-pooling beat keeping one head of each group.',
    figure: 'conversion',
    live: (s, f) => `here: ${s.state.h / s.state.g} K/V heads averaged into each of ${s.state.g} groups; K/V weights ${f.count(s.facts.params.mha.keyValue)} → ${f.count(s.facts.params.current.keyValue)}`,
  },
  {
    q: 'Why does GQA let one server take more users at once?',
    a: 'Once the weights are loaded, the memory left holds the KV caches of the sequences in flight, and each sequence’s ' +
      'cache grows with the number of K/V heads. Cutting them from H to G fits about H/G times as many sequences. Throughput ' +
      'rises with them, because a decode step reads the weights once for the whole batch: more sequences share that read.',
    live: (s, f) => {
      const b = s.facts.serving70b, row = (name) => b.variants.find((v) => v.row === name);
      const tps = (v) => `≈ ${Math.round(v.tokensPerSecond).toLocaleString('en-US')} tokens/s`;
      const mha = row('mha'), gqa = row('published'), mqa = row('mqa');
      return `${b.name} on ${b.gpus} × ${b.device}, ${b.weightDtype} weights, ${b.kvDtype} cache, ${b.tokens.toLocaleString('en-US')} tokens per sequence: ` +
        `MHA (${mha.nKvHeads} K/V heads) fits ${mha.maxBatch} sequences (${tps(mha)} in all); its ${kindLabel(gqa.attention, gqa.nKvHeads)} fits ${gqa.maxBatch} (${tps(gqa)}); ` +
        `MQA fits ${mqa.maxBatch} (${tps(mqa)}). The core’s budget solver; the rates are its roofline estimate.`;
    },
  },
  {
    q: 'How does GQA interact with tensor parallelism?',
    a: 'Heads are split across devices. With G K/V heads and t devices, each device holds G/t of them while t ≤ G. Past that ' +
      'the K/V heads must be replicated, so MQA gains nothing from splitting its cache, and GQA stops gaining at t = G.',
    live: (s, f) => s.facts.tp.map((r) => `t = ${r.tp}: ${r.headsPerDevice} K/V head${r.headsPerDevice > 1 ? 's' : ''} per device${r.replication > 1 ? `, each copied ${r.replication}×` : ''}`).join('; '),
  },
  {
    q: 'What does MLA change?',
    a: 'Multi-head latent attention (DeepSeek-V2/V3) caches one compressed latent vector per token per layer instead of ' +
      'K and V per head, and rebuilds the heads’ keys and values from it with learned up-projections. A server never ' +
      'rebuilds them: it folds the key up-projection into the query and applies the value up-projection after the ' +
      'softmax, so every head reads the same latent rows, MQA over a wider row. It cuts the cache further than GQA, ' +
      'and pays in multiply-adds per byte read: each head scores the whole latent row.',
    live: (s, f) => {
      const { model: m, latent, mha, reductionVsMha } = s.facts.mla, w = m.mla;
      return `${m.name} caches ${m.headDim} numbers per token per layer (latent ${w.kvLoraRank} + RoPE key ${w.qkRopeHeadDim}): ${f.bytes(latent)} per token ` +
        `vs ${f.bytes(mha)} for full K/V on its ${m.nHeads} heads (keys ${w.qkNopeHeadDim} + ${w.qkRopeHeadDim} RoPE wide, values ${w.vHeadDim}), ${f.factor(reductionVsMha)} smaller; ` +
        `the core’s explicit and absorbed paths differ by at most ${s.walk.mla.maxDelta.toExponential(1)} on its example`;
    },
  },
  {
    q: 'Why do sliding-window layers cap the cache?',
    a: 'A sliding-window layer lets each token attend only to the last W tokens, so keys and values older than W are never ' +
      'read again and a server drops them: the layer keeps a ring of W tokens whatever the context. Its cache stops growing at ' +
      'T = W; only the layers with full (global) attention keep growing with T. A formula that multiplies every layer by T ' +
      'counts tokens those layers threw away.',
    live: (s, f) => {
      const g = s.facts.layouts['gemma-3-27b'], local = g.groups.find((x) => x.kind === 'sliding'), global = g.groups.find((x) => x.kind === 'full');
      return `${g.name}, one ${g.tokens.toLocaleString('en-US')}-token sequence, ${s.state.dtype}: its ${local.layers} sliding layers keep ` +
        `${local.cachedTokens.toLocaleString('en-US')} tokens each (${f.bytes(local.total)} in all), its ${global.layers} global layers ` +
        `${global.cachedTokens.toLocaleString('en-US')} each (${f.bytes(global.total)})`;
    },
  },
  {
    q: 'How do Gemma 3 and gpt-oss mix local and global layers, and what does it save at 128K?',
    a: 'Gemma 3 puts five sliding-window layers (1,024 tokens) before every global one; gpt-oss alternates a 128-token ' +
      'window with full attention, layer by layer. The local layers model nearby text cheaply, the few global layers carry ' +
      'long-range information, and at long context the global layers hold nearly all of the cache. A uniform formula ' +
      '(2·L·G·d·T) treats every layer as global.',
    live: (s, f) => ['gemma-3-27b', 'gpt-oss-120b'].map((id) => {
      const g = s.facts.layouts[id], kinds = g.groups.map((x) => `${x.layers} ${x.kind}${x.span ? ` (${x.span.toLocaleString('en-US')})` : ''}`).join(' + ');
      return `${g.name} (${kinds}) at ${g.tokens.toLocaleString('en-US')} tokens, ${s.state.dtype}: ${f.bytes(g.layout)} per sequence, ` +
        `not the uniform formula’s ${f.bytes(g.uniform)}, ${f.factor(g.uniform / g.layout)} less`;
    }).join('; '),
  },
  {
    q: 'What does a linear-attention layer keep instead of a KV cache?',
    a: 'A fixed-size state. A Gated DeltaNet layer (Qwen3-Next, three layers of every four) folds each new token’s key and ' +
      'value into one key-by-value matrix per head, decayed and corrected as it goes, plus the last few inputs of a short ' +
      'convolution. Reading it costs the same at token 10 and at token 200,000, and nothing is appended: the state is the ' +
      'same size at every context. It remembers less exactly than attention, which is why every fourth layer keeps full attention.',
    live: (s, f) => {
      const g = s.facts.layouts['qwen3-next-80b-a3b'], lin = g.groups.find((x) => x.kind === 'linear'), full = g.groups.find((x) => x.kind === 'full');
      return `${g.name}, ${s.state.dtype}: each of its ${lin.layers} linear layers keeps ${f.count(lin.stateElements)} numbers per sequence ` +
        `(${f.bytes(lin.total)} in all, at any context); its ${full.layers} full layers hold ${f.bytes(full.total)} at ` +
        `${g.tokens.toLocaleString('en-US')} tokens; the uniform formula would say ${f.bytes(g.uniform)} (${f.factor(g.uniform / g.layout)} too much)`;
    },
  },
];

/**
 * What one K/V head costs, as the quality lab measured it: once its load sweep has run, the recall
 * gap between G = H and G = 1 at the hardest load (and at the lightest); until then the conversion
 * error of mean-pooling the lab's layer to G = 1, and what would measure the rest.
 */
function mqaCost(lab, f) {
  const gaps = lab?.sweep ? sweepGrid(lab.sweep.rows).gaps : null;
  if (gaps) {
    const first = gaps[0], last = gaps.at(-1);
    return `the quality lab’s load sweep, ${lab.sweep.steps} steps per model: at ${last.pairs} pairs per sequence, held-out recall is ` +
      `${f.percent(last.high.accuracy)} with G = ${last.high.nKvHeads} (${last.high.kind}) and ${f.percent(last.low.accuracy)} with ` +
      `G = ${last.low.nKvHeads} (${last.low.kind}), a gap of ${formatPoints(last.gap)} points` +
      (gaps.length > 1 ? ` (${formatPoints(first.gap)} points at ${first.pairs} pairs)` : '');
  }
  if (!lab?.conversion) return 'measuring: the quality lab’s conversion experiment is being computed…';
  const { similarity, points } = lab.conversion;
  const mha = points.reduce((a, b) => (b.nKvHeads > a.nKvHeads ? b : a)), mqa = points.find((p) => p.nKvHeads === 1);
  const trained = lab.runs?.length > 1 && lab.runs.at(-1).nKvHeads === 1 ? lab.runs : null;  // all of them, G = H to 1
  const first = trained?.[0], last = trained?.at(-1);
  return `the quality lab’s layer of ${mha.nKvHeads} heads, its K/V heads mean-pooled into one (G = 1, MQA): output moved by ` +
    `${f.percent(mqa.mean)}; all ${mha.nKvHeads} kept (G = ${mha.nKvHeads}, MHA): ${f.percent(mha.mean)} (head similarity ${similarity.toFixed(2)})` +
    (trained ? `; trained from scratch for ${first.evals.at(-1).step} steps, recall is ${f.percent(first.final.accuracy)} with G = ${first.nKvHeads} ` +
      `(${first.kind}) and ${f.percent(last.final.accuracy)} with G = ${last.nKvHeads} (${last.kind})` : '') +
    '. The recall gap under load is measured by the lab’s load sweep: run it to see it here.';
}

/** The small example sequence the heatmaps use. */
export const EXAMPLE_TOKENS = ['The', 'cat', 'sat', 'on', 'the', 'mat'];

/**
 * The quality lab ("What does it cost?"). Functions receive the computed results; every figure
 * in the text comes from them.
 */
export const QUALITY = {
  intro: 'The savings above are arithmetic. The price is not: it depends on what the heads would have learned. ' +
    'These two experiments put a number on it, computed here by the same core, in a background worker.',
  conversionTitle: 'Converting a trained MHA layer',
  conversion: (o) => `Take one attention layer with ${o.nHeads} heads and pool its key and value heads into fewer. How much the output ` +
    'moves depends on how alike the heads already were, so the layer here is synthetic with a knob for exactly that: ' +
    'each head’s K and V weights are a shared part plus a private part, and the slider sets the shared fraction. ' +
    `Three ways to get G heads out of ${o.nHeads}: average each group (mean-pool, what the GQA paper does), keep the first head of ` +
    'each group, or start the K/V weights from scratch. The error is how far the attention output moves from the ' +
    'original MHA output on inputs the layer has not seen (relative, 0 = identical).',
  conversionSummary: (p, s) => `At similarity ${s.toFixed(2)}, going to G = ${p.nKvHeads} moves the output by ` +
    `${pct(p.mean)} with mean-pooling, ${pct(p.first)} keeping the first head and ${pct(p.random)} from a fresh start. ` +
    (p.mean < p.first && p.first < p.random ? 'Mean-pool < first head < random: the paper’s ordering.' : 'This is not the paper’s ordering (mean-pool < first head < random); the similarity setting decides.'),
  trainingTitle: 'Training a tiny model per G',
  training: (o, gs) => `A one-layer transformer (d_model ${o.dModel}, ${o.nHeads} query heads of ${o.headDim}, an MLP of ${o.dFf}) ` +
    `learns associative recall: each sequence shows ${o.pairs} key→value pairs drawn from ${o.keyVocab} keys and ${o.valueVocab} values, ` +
    `then asks for the values of ${o.queries} of the keys. To answer, the K/V heads must keep ${o.pairs} pairs apart and carry ` +
    `their values back, which is what sharing them makes harder. ${gs.length} models, G = ${gs.join(', ')}, ` +
    `start from the same weights (except K/V), see the same batches for the same steps, and are scored on the same held-out sequences. ` +
    `Forward and backward passes are hand-written C++, optimised with Adam; the run is deterministic.`,
  trainingSummary: (runs, threshold) => {
    const mha = runs[0], mqa = runs.at(-1);
    const reach = (r) => r.evals.find((e) => e.accuracy >= threshold)?.step;
    const say = (r) => (reach(r) !== undefined ? `reached ${pct(threshold)} recall at step ${reach(r)}` : `did not reach ${pct(threshold)} recall`);
    return `${mha.kind} (G = ${mha.nKvHeads}) ${say(mha)} and ends at ${formatPercent(mha.final.accuracy)}; ${mqa.kind} (G = ${mqa.nKvHeads}) ${say(mqa)} and ends at ` +
      `${formatPercent(mqa.final.accuracy)}. Same data, same steps: the gap is what one shared K/V head costs this model at this budget.`;
  },
  uptrainingTitle: 'Uptraining: MHA → GQA/MQA without starting over',
  uptraining: (u) => `The GQA paper’s recipe on the trained MHA model: mean-pool its K/V heads to G, then train ` +
    `${u.steps} more steps (${pct(u.steps / u.from)} of the original ${u.from}). “Before” is right after pooling, “after” ` +
    'once uptrained; the last column is the model trained from scratch with that G for the full run.',
  uptrainingSummary: (u, chance) => {
    const rows = u.rows;  // G descending
    const kept = rows.every((r, i) => i === 0 || r.before.accuracy <= rows[i - 1].before.accuracy);
    return rows.map((r) => `G = ${r.nKvHeads}: ${formatPercent(r.before.accuracy)} → ${formatPercent(r.after.accuracy)}`).join('; ') +
      ` (chance is ${formatPercent(chance)}). ` + (kept
      ? 'The more heads each pooled head stands in for, the less of the trained model survives the pooling: ' +
        'these heads learned different keys, and their average is a head none of them was. The few uptraining steps ' +
        'recover part of it; the paper’s large models had far more steps in their 5 %.'
      : 'Here the pooling did not hurt monotonically with fewer heads; the seed and this short run decide the details.');
  },
  sweepTitle: 'Where capacity binds: a load sweep',
  sweep: (o, cells) => `The question above asked how fast each G learns. This one asks what each G can hold: a narrower ` +
    `model (d_model ${o.dModel}, ${o.nHeads} query heads of ${o.headDim}, so one K/V head carries ${o.headDim} numbers of key and ` +
    `${o.headDim} of value per token for all ${o.nHeads} query heads) is trained ${o.steps} steps on recall tasks of rising load: ` +
    `${o.loads.join(', ')} key→value pairs per sequence, keys and values drawn from ${o.keyVocab}, ${o.queries} queries each. ` +
    `Every G that divides ${o.nHeads} is trained at every load from the same weights (outside K/V) on the same data, ${cells} models ` +
    'spread over the cores of this machine, and scored on held-out sequences.',
  sweepPending: (cells, workers) => `Press “Run the sweep” to train the ${cells} models on ${workers} worker${workers === 1 ? '' : 's'} ` +
    '(one per core of this machine); it takes from several seconds to about a minute, depending on the machine.',
  sweepSummary: (grid) => {
    const { gaps, high, low, loads, cell } = grid;
    const first = gaps[0], last = gaps.at(-1);
    const name = (r) => `G = ${r.nKvHeads} (${r.kind})`;
    const widens = gaps.every((g, i) => i === 0 || g.gap >= gaps[i - 1].gap);
    const hardest = loads.at(-1), gs = grid.gs.filter((g) => cell(hardest, g)).sort((a, b) => b - a);
    const inverted = gs.slice(1).find((g, i) => cell(hardest, g).accuracy > cell(hardest, gs[i]).accuracy);
    const lead = `At ${last.pairs} pairs, ${name(last.high)} recalls ${formatPercent(last.high.accuracy)} of the held-out queries and ` +
      `${name(last.low)} ${formatPercent(last.low.accuracy)}: ${formatPoints(last.gap)} points apart` +
      (gaps.length > 1 ? `; at ${first.pairs} pairs the gap is ${formatPoints(first.gap)} points. ` : '. ');
    const trend = gaps.length < 2 ? ''
      : widens && last.gap > first.gap ? `The gap widens with every step up in load: as the pairs outgrow what one shared K/V head carries, sharing costs recall, not just time. `
        : last.gap > first.gap ? 'The gap is wider at the hardest load than at the lightest, though not at every step in between. '
          : `This run does not show the expected ordering: the gap between G = ${high} and G = ${low} does not widen with load. `;
    const order = inverted === undefined ? `At ${hardest} pairs, fewer K/V heads never recalled more.`
      : `At ${hardest} pairs the ordering by G is not monotone: G = ${inverted} recalled more than G = ${gs[gs.indexOf(inverted) - 1]}.`;
    return lead + trend + order;
  },
  attentionTitle: 'What the heads attend to',
  attention: (pairs, sequence) => `Held-out sequence ${sequence + 1} at ${pairs} pairs, run through the trained models: every query head’s ` +
    'attention weights at the query positions, MHA and MQA side by side.',
  attentionNote: (o) => `Each map: rows are the ${o.queries} queries, columns the ${o.seqLen} positions (the ${o.pairs} pairs, a line, ` +
    `then the queries; a query sees itself and what came before). The pair holding the key a row asks for shows red where the head ` +
    `gives it under ${o.visible} of its weight; weight there turns it yellow. Hover a row for its pair.`,
  attentionSummary: (models) => {
    const share = (m) => m.row.keyHits / m.row.headReads;
    const say = (m) => `${m.label}: its heads put their largest weight on the asked pair ${formatPercent(share(m))} of the time over the ` +
      `${m.row.asked.toLocaleString('en-US')} held-out queries (${m.hits} of ${m.reads} in this sequence), and it recalls ${formatPercent(m.row.accuracy)}`;
    const [a, b] = models;
    const why = share(b) >= share(a) && b.row.accuracy < a.row.accuracy
      ? `So ${b.label.split(' (')[0]}’s heads find the pair at least as often, since they all read one K/V head, and still answer worse: ` +
        'what that one head carries back, not finding the key, is what runs out.'
      : share(b) < share(a) && b.row.accuracy < a.row.accuracy
        ? `${b.label.split(' (')[0]}’s heads find the pair less often, and it answers worse.`
        : `Here ${b.label.split(' (')[0]} does not answer worse than ${a.label.split(' (')[0]}; the heads’ aim alone does not separate them.`;
    return `${say(a)}. ${say(b)}. ${why}`;
  },
  pending: (gs) => `Press “Train” to run the ${gs.length} models; it takes a few seconds to a minute depending on this machine.`,
  noWorker: 'Training needs a Web Worker, which this embedding does not allow; open the full playground to run it.',
};

function pct(x) {
  return `${(100 * x).toFixed(x < 0.1 ? 1 : 0)}%`;
}


/**
 * "Serving the cache": what a server does with the cache once it is small, in three panels the core
 * computes (serving-facts.js). The numbers here are the panels' inputs (the example's length, the
 * controls' choices); `live(facts, f)` turns a panel's computed facts into its answer's line.
 */
export const SERVING = {
  intro: 'Fewer K/V heads make the cache smaller; a server still has to hold it as text grows, share it between ' +
    'requests and read it fast at batch 1. Three things servers do with it, run here by the same core at your H, G and head_dim.',
  mlaNote: (m) => `An MLA model caches one latent row per token (${m.kvLoraRank} + ${m.qkRopeHeadDim} = ${m.width} numbers) that every head reads, ` +
    `as a server runs it (absorbed): one ${m.width}-wide K/V head, which is what the panels serve.`,
  sinks: {
    title: 'Sinks and a window (StreamingLLM)',
    text: 'A streaming cache keeps the first few tokens (the sinks) and a window of the most recent ones; everything in ' +
      'between is evicted, so its memory never grows. The core runs one: the example’s tokens are appended one at a ' +
      'time and each token’s query attends over what the cache still holds. Each token’s value is a one-hot vector ' +
      'for its position, so the output row is the weights over the original positions, and an evicted token gets exactly 0.',
    tokens: 16,
    sinkChoices: [0, 1, 2, 4], sinks: 2,
    windowChoices: [2, 3, 4, 6, 8, 10], window: 6,
    sinkLogit: { min: -4, max: 8, step: 0.5, value: 2 },
    multiples: [1, 3, 10],
    heatmapCaption: (x) => `Query head 0 of ${x.nHeads}: row t is token t’s query, right after it was appended; every head sees the same keys. ` +
      `Cache capacity ${x.capacity} = ${x.sinks} sink${x.sinks === 1 ? '' : 's'} + a ${x.window}-token window.`,
    memoryCaption: (x) => `One layer, one sequence, your G and head_dim, ${x.dtype}: the streaming cache as the core holds it ` +
      `(its bytes) against a plain cache of every token seen (core.kvCacheBytes), at ${x.memory.map((m) => `${m.seen / x.capacity}×`).join(', ')} its capacity.`,
    sinkLogitText: 'gpt-oss learns one more logit per head with no value behind it: a head can put attention on “nothing” ' +
      'instead of on the first tokens. The slider sets that logit for every head; how much each head gives to it depends on its scores.',
    sinkSummary: (x, f) => `Over all ${x.nHeads} heads, the mass on nothing: least ${f.percent(Math.min(...x.nothing))}, ` +
      `mean ${f.percent(x.nothing.reduce((a, b) => a + b, 0) / x.nHeads)}, most ${f.percent(Math.max(...x.nothing))}.`,
    question: {
      q: 'What is an attention sink, and why does StreamingLLM keep the first tokens?',
      a: 'A softmax must put all of its weight somewhere. Trained models learn to park the weight they do not need on the ' +
        'first few tokens, which every later query can see: those tokens are attention sinks. A plain sliding window evicts ' +
        'them, every row loses that share, the weights on the remaining tokens grow, and the model’s outputs degrade. ' +
        'StreamingLLM (Xiao et al., 2023) keeps a few sink tokens plus a recent window, so the cache has a fixed size for any ' +
        'length of text. gpt-oss builds the sink in instead: a learned logit per head with no value behind it.',
      live: (x, f) => {
        const last = x.memory.at(-1);
        return `${x.sinks} sink${x.sinks === 1 ? '' : 's'} + a ${x.window}-token window: after ${last.seen} tokens the streaming cache keeps ${last.kept} ` +
          `and holds ${f.bytes(last.streaming)} against ${f.bytes(last.plain)} for every token (${f.factor(last.plain / last.streaming)} less, one layer); ` +
          `at a sink logit of ${x.sinkLogit}, the ${x.nHeads} heads give ${f.percent(Math.min(...x.nothing))} to ${f.percent(Math.max(...x.nothing))} of their attention to nothing`;
      },
    },
  },
  paged: {
    title: 'Paged blocks and a shared prompt (PagedAttention)',
    text: 'A paged cache keeps one pool of fixed-size blocks and gives each sequence a block table, as an operating system ' +
      'pages memory: a sequence takes a block only when it needs one, so it leaves at most one block partly empty. ' +
      'Here several requests share a system prompt: it is appended once, the sequence is forked per request (a fork ' +
      'shares every block and takes none), and each request appends its own turn. The first append into a shared, ' +
      'partly filled block copies it first (copy on write). The core runs it all in its paged cache.',
    blockSizeChoices: [4, 8, 16], blockSize: 8,
    promptChoices: [10, 20, 40], prompt: 20,
    continuations: [5, 11, 3, 8],
    sequenceChoices: [2, 3, 4], sequences: 3,
    maxLengthChoices: [64, 512, 4096], maxLength: 512,
    tableCaption: (x) => `Block tables of ${x.sequences.length} requests, blocks of ${x.blockSize} tokens, a pool of ${x.numBlocks}: ` +
      'each box a physical block (its number), filled as far as its tokens go.',
    counts: (x, f) => `Blocks in use: ${x.stats.usedBlocks} of ${x.numBlocks}, ${x.stats.sharedBlocks} of them shared by all ${x.sequences.length} requests. ` +
      `With each request storing its own copy of the prompt: ${x.alone.usedBlocks}. Sharing saves ${x.alone.usedBlocks - x.stats.usedBlocks} ` +
      `block${x.alone.usedBlocks - x.stats.usedBlocks === 1 ? '' : 's'} (${f.bytes((x.alone.usedBlocks - x.stats.usedBlocks) * x.blockBytes)} per layer).`,
    memoryCaption: (x) => `One layer, your G and head_dim, ${x.dtype} (core.kvCacheBytes). Contiguous allocation reserves each request’s ` +
      `maximum length, ${x.maxLength} tokens, up front.`,
    check: (x) => `Each request’s attention over its blocks against a plain cache of its own tokens, all ${x.nHeads} heads: ` +
      `max |Δ| = ${x.maxDelta === 0 ? '0' : x.maxDelta.toExponential(1)}.`,
    question: {
      q: 'How does paged attention cut waste and share prefixes?',
      a: 'A contiguous cache must reserve each request’s maximum length up front, because it cannot grow in place; most of ' +
        'that reservation stays empty, and requests that start with the same prompt each store their own copy. PagedAttention ' +
        '(Kwon et al., 2023; vLLM) stores the cache in fixed-size blocks addressed through a block table per sequence, so ' +
        'memory is taken a block at a time and a sequence wastes at most the unfilled part of its last block. Sequences with ' +
        'the same prefix point at the same physical blocks, reference-counted, and a shared block is copied only when one of ' +
        'them writes into it. More requests fit in the same memory, which is larger batches and more throughput.',
      live: (x, f) => {
        const held = x.stats.usedBlocks * x.blockBytes, contiguous = x.sequences.length * x.maxLength * x.tokenBytes;
        return `${x.sequences.length} requests on a ${x.prompt}-token prompt, blocks of ${x.blockSize}: ${x.stats.usedBlocks} blocks ` +
          `(${f.bytes(held)}) against ${x.alone.usedBlocks} without sharing; ${x.emptySlots} empty slots in their last blocks against ` +
          `${x.contiguousEmpty} left empty by reserving ${x.maxLength} tokens each (${f.bytes(contiguous)}, ${f.factor(contiguous / held)} the paged memory)`;
      },
    },
  },
  splitK: {
    title: 'One decode step, split along T (split-K, flash-decoding)',
    text: 'At batch 1 a decode step has one query row per head, too little work to fill a GPU if each head runs on one ' +
      'core. Split-K cuts the cache into chunks along T; each chunk computes its own softmax (its maximum score m, its sum ' +
      'ℓ = Σ e^(s − m) and its normalised output) independently, and a merge rescales them: with M the largest m, ' +
      'chunk c weighs ℓ_c·e^(m_c − M), and the output is the weighted mean of the chunks’ outputs. The core does exactly ' +
      'that (attendPartial on each chunk’s cache, then mergeAttention), beside the unsplit step.',
    tokens: 32,
    chunkChoices: [2, 4, 8], chunks: 4,
    dims: 4,
    tableCaption: (x) => `Query head ${x.head}, the last of ${x.tokens} tokens, ${x.chunks} chunks of ${x.per} keys: each chunk’s ` +
      `max m (of the scaled scores), sum ℓ, its weight in the merge ℓ·e^(m − M) / L and the first ${Math.min(4, x.headDim)} of its ${x.headDim} output numbers.`,
    delta: (x) => `Merged against unsplit, over all ${x.nHeads} heads × ${x.headDim} numbers: max |Δ| = ${x.maxDelta.toExponential(1)} ` +
      `(the outputs are up to ${x.largest.toFixed(2)}): the same step, up to float rounding.`,
    question: {
      q: 'How does flash-decoding parallelise one decode step when the batch is 1?',
      a: 'Batch and heads are the usual parallel dimensions, and at batch 1 there are too few of them: most of the GPU would ' +
        'wait while a few cores read the whole cache. Flash-decoding also splits the keys: each chunk of the cache goes to its ' +
        'own core, which returns its partial output with its softmax maximum and sum; a small merge rescales every chunk by ' +
        'e^(m_c − M) and weighs it by its sum. The result is the unsplit softmax exactly, not an approximation, because softmax ' +
        'over a union of key sets can be rebuilt from each set’s maximum and sum.',
      live: (x, f) => {
        const top = x.parts.reduce((a, b) => (b.share > a.share ? b : a));
        return `${x.chunks} chunks of ${x.per} keys at H = ${x.nHeads}, head_dim ${x.headDim}: merged vs unsplit max |Δ| = ${x.maxDelta.toExponential(1)}; ` +
          `for head ${x.head} the chunk of keys ${top.from}–${top.to} carries ${f.percent(top.share)} of the weight (M = ${x.M.toFixed(3)}, L = ${x.L.toFixed(3)})`;
      },
    },
  },
};
