// Per-layer layouts and config.json import through the JS API: every catalog model against what
// modelFromConfig makes of its published config (tests/fixtures/configs/), per-kind sums against
// BigInt arithmetic done here, records usable wherever an id is, and hostile configs.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, readdirSync } from 'node:fs';
import { loadCore } from 'gqa-playground';

const core = await loadCore();
const FIXTURES = new URL('../fixtures/configs/', import.meta.url);
const fixture = (id) => readFileSync(new URL(`${id}.json`, FIXTURES), 'utf8');
// <id>.json; DeepSeek's inference-format files (<id>.deepseek-inference-config.json) are not config.json files
const fixtureIds = readdirSync(FIXTURES).filter((f) => /^[a-z0-9.-]+\.json$/.test(f) && !f.endsWith('-config.json')).map((f) => f.slice(0, -5));

/** What a config.json determines: everything but the catalog's id, name, family, params and source. */
const CONFIG_FIELDS = ['layers', 'nHeads', 'nKvHeads', 'headDim', 'maxContext', 'attention', 'kvFactor', 'layerPattern', 'layout', 'mla', 'linear'];
const configPart = (m) => Object.fromEntries(CONFIG_FIELDS.map((k) => [k, m[k]]));

/**
 * Fixtures that are not the whole published file, and the one edit each needs (SOURCES.md says why):
 * TensorRT-LLM's Maverick test config cut num_hidden_layers from 48 to 2 (its comment says so) and the
 * copy kept here leaves the key out.
 */
const PATCHES = { 'llama-4-maverick': (c) => ({ ...c, text_config: { ...c.text_config, num_hidden_layers: 48 } }) };
/** Catalog models whose config.json no fixture holds (SOURCES.md: 'missing'); their sources cite where the figures come from. */
const NO_FIXTURE = ['llama-4-scout'];

test('every catalog model equals what modelFromConfig makes of its published config.json', () => {
  const models = core.models();
  assert.ok(models.length >= 45);
  let checked = 0;
  for (const m of models) {
    if (!fixtureIds.includes(m.id)) {
      assert.ok(NO_FIXTURE.includes(m.id), `${m.id}: no fixture, and not listed as missing`);
      assert.match(m.source, /no fixture/, m.id);
      continue;
    }
    const patch = PATCHES[m.id];
    const text = patch ? JSON.stringify(patch(JSON.parse(fixture(m.id)))) : fixture(m.id);
    assert.deepEqual(configPart(core.modelFromConfig(text)), configPart(m), m.id);
    checked++;
  }
  assert.ok(checked >= 45, `${checked} models checked against their config.json`);
  // every fixture is a catalog model
  for (const id of fixtureIds) assert.ok(models.some((m) => m.id === id), id);
});

test('Llama 4 Scout, the one model without a whole config.json: its base model\'s file, cut short in the copy kept, agrees where it goes', () => {
  // not JSON (the copy stops inside text_config): read the keys it has as text
  const text = readFileSync(new URL('llama-4-scout.partial-fragment.txt', FIXTURES), 'utf8');
  const value = (key) => Number(text.match(new RegExp(`"${key}": (\\d+)`))?.[1]);
  const m = core.model('llama-4-scout');
  assert.deepEqual([value('num_hidden_layers'), value('num_attention_heads'), value('num_key_value_heads'), value('head_dim'), value('attention_chunk_size')],
    [m.layers, m.nHeads, m.nKvHeads, m.headDim, m.layout.find((g) => g.kind === 'chunked').chunk]);
  assert.match(text, /"no_rope_layers": \[\]/, 'an empty list: HF\'s default, every 4th layer global');
  // the base model states 262,144 positions; the catalog's 10,485,760 is the Instruct model's, and says so
  assert.equal(value('max_position_embeddings'), 262144);
  assert.match(m.source, /Instruct config\.json.*262144/);
});

test('the subtle layouts say which layers: Gemma 2, Gemma 3, gpt-oss, Llama 4, Qwen3-Next', () => {
  const groups = (id) => Object.fromEntries(core.model(id).layout.map((g) => [g.kind, g]));
  const even = (n) => Array.from({ length: n }, (_, i) => 2 * i);
  assert.deepEqual(groups('gemma-2-2b').sliding.layerIndices, even(13));
  assert.equal(groups('gemma-2-27b').sliding.window, 4096);
  assert.deepEqual(groups('gemma-3-27b').full.layerIndices, [5, 11, 17, 23, 29, 35, 41, 47, 53, 59]);
  assert.deepEqual([groups('gemma-3-1b').sliding.window, groups('gemma-3-12b').sliding.window], [512, 1024]);
  assert.deepEqual(groups('gpt-oss-120b').sliding.layerIndices, even(18));
  assert.equal(groups('gpt-oss-20b').sliding.window, 128);
  assert.deepEqual(groups('llama-4-scout').full.layerIndices, Array.from({ length: 12 }, (_, i) => 4 * i + 3));
  assert.equal(groups('llama-4-maverick').chunked.chunk, 8192);
  assert.deepEqual(groups('qwen3-next-80b-a3b').full.layerIndices, Array.from({ length: 12 }, (_, i) => 4 * i + 3));
  assert.equal(groups('qwen3-next-80b-a3b').linear.stateElements, 32 * 128 * 128 + (2 * 16 * 128 + 32 * 128) * 3);
  assert.deepEqual(core.model('llama-3.1-70b').layout, [{ kind: 'full', layers: 80, nKvHeads: 8, headDim: 128 }]);
  assert.deepEqual(core.model('kimi-k2').layout, [{ kind: 'mla', layers: 61, nKvHeads: 1, headDim: 576 }]);
  assert.equal(core.model('mistral-nemo-12b').headDim, 128, 'head_dim as stated, not 5120 / 32');
});

test('modelKvCache sums each layer kind exactly (BigInt here) and keeps the MHA/MQA what-ifs per layer', () => {
  const T = 131072n;
  // Gemma 3 27B: 10 full layers keep 128K tokens, 52 sliding keep 1024; 2·16·128·2 B per layer per token
  const lt = 2n * 16n * 128n * 2n;
  const g = core.modelKvCache({ model: 'gemma-3-27b', tokens: 131072, batch: 2 });
  assert.deepEqual(g.byKind.map((k) => [k.kind, k.layers, k.cachedTokens, k.perSequence]),
    [['full', 10, 131072, Number(10n * lt * T)], ['sliding', 52, 1024, Number(52n * lt * 1024n)]]);
  assert.equal(g.perSequence, Number(10n * lt * T + 52n * lt * 1024n));  // 11,173,625,856 B = 10.4 GiB
  assert.equal(g.total, 2 * g.perSequence);
  assert.equal(g.uncapped.perSequence, Number(62n * lt * T));             // the uniform formula: 62 GiB, 5.96x
  const rows = Object.fromEntries(g.variants.map((v) => [v.row, v.total]));
  assert.equal(rows.mha, 2 * g.total);   // G = 32 in every attention layer, windows kept
  assert.equal(rows.mqa, g.total / 16);  // G = 1
  // Qwen3-Next: 12 full layers (2 KV heads of 256) + 36 Gated DeltaNet states of 548,864 numbers
  const q = core.modelKvCache({ model: 'qwen3-next-80b-a3b', tokens: 262144, dtype: 'f32' });
  assert.equal(q.perSequence, Number(12n * 2n * 2n * 256n * 4n * 262144n + 36n * 548864n * 4n));
  assert.deepEqual(q.byKind.map((k) => [k.kind, k.perToken]), [['full', 12 * 2 * 2 * 256 * 4], ['linear', 0]]);
  // Llama 4 Scout at 1M: 12 global layers keep it all, 36 chunked keep 8192
  const s = core.modelKvCache({ model: 'llama-4-scout', tokens: 1048576 });
  assert.equal(s.perSequence, Number(4096n * (12n * 1048576n + 36n * 8192n)));
  // DeepSeek-V2: a 576-wide latent per layer
  assert.equal(core.modelKvCache({ model: 'deepseek-v2', tokens: 1 }).perToken, 60 * 576 * 2);
  // Llama 3.1 70B is uniform: one group, the same as the 2·L·G·d·T formula
  const l = core.modelKvCache({ model: 'llama-3.1-70b', tokens: 131072 });
  assert.equal(l.total, core.kvCacheBytes({ layers: 80, nKvHeads: 8, headDim: 128, tokens: 131072 }));
  assert.equal(l.total, l.uncapped.total);
});

test('a model record is usable wherever an id is; edited records are checked field by field', () => {
  const text = fixture('gemma-3-12b');
  const fromText = core.modelFromConfig(text);
  assert.deepEqual(core.modelFromConfig(JSON.parse(text)), fromText, 'an object and its text give one record');
  assert.equal(fromText.params, null, 'a config.json states no parameter count');
  const byId = core.modelKvCache({ model: 'gemma-3-12b', tokens: 65536, batch: 3, dtype: 'fp8', nKvHeads: 4 });
  const byRecord = core.modelKvCache({ model: fromText, tokens: 65536, batch: 3, dtype: 'fp8', nKvHeads: 4 });
  assert.deepEqual({ ...byRecord, model: null }, { ...byId, model: null });
  const catalogRecord = core.model('gemma-3-12b');
  assert.deepEqual(core.modelKvCache({ model: catalogRecord, tokens: 8192 }).total, core.modelKvCache({ model: 'gemma-3-12b', tokens: 8192 }).total);
  // the solver needs a parameter count
  assert.throws(() => core.solveBudget({ model: fromText, device: 'h100-80gb' }), /params \(0\) of config-gemma3 is unknown/);
  const withParams = core.modelFromConfig(text, { params: 11.77e9, id: 'my-gemma' });
  assert.deepEqual([withParams.id, withParams.params, withParams.activeParams], ['my-gemma', 11.77e9, 11.77e9]);
  const a = core.solveBudget({ model: withParams, device: 'h100-80gb', tokens: 32768 });
  const b = core.solveBudget({ model: 'gemma-3-12b', device: 'h100-80gb', tokens: 32768 });
  assert.deepEqual([a.maxContext, a.maxBatch, a.kvBytesPerSequence], [b.maxContext, b.maxBatch, b.kvBytesPerSequence]);
  // records edited out of agreement with their layout are refused, naming the field
  assert.throws(() => core.modelKvCache({ model: { ...catalogRecord, nKvHeads: 4 }, tokens: 1 }),
    { name: 'TypeError', message: 'model.layout[0].nKvHeads (8) must be 4, as the model\'s other fields say' });
  assert.throws(() => core.modelKvCache({ model: { ...catalogRecord, layerPattern: 'SQ' }, tokens: 1 }), /model\.layerPattern\[1\] \('Q'\) must be one of/);
  assert.throws(() => core.modelKvCache({ model: [], tokens: 1 }), TypeError);
  assert.throws(() => core.modelFromConfig(text, { params: 1, activeParams: 2 }), /activeParams \(2\) must be finite, with 0 <= activeParams <= params/);
  assert.throws(() => core.modelFromConfig(text, { bogus: 1 }), /unknown option "bogus"/);
});

test('hostile configs: a clear error naming the field, never a wrong model; the core stays usable', () => {
  const llama = JSON.parse(fixture('llama-3.1-8b'));
  const refuse = (config, pattern) => assert.throws(() => core.modelFromConfig(config), pattern);
  refuse({ ...llama, model_type: 'jamba' }, /config\.model_type \('jamba'\) is not an architecture this reader knows/);
  refuse({ ...llama, num_hidden_layers: undefined }, /config\.num_hidden_layers is missing/);
  refuse({ ...llama, num_hidden_layers: 1e12 }, /config\.num_hidden_layers \(1000000000000\) must be an integer from 1 to 4096/);
  refuse({ ...llama, num_key_value_heads: 7 }, /config\.num_key_value_heads \(7\) must divide config\.num_attention_heads \(32\)/);
  refuse({ ...llama, n_layer: 16 }, /config\.n_layer \(16\) contradicts config\.num_hidden_layers \(32\)/);
  refuse({ ...llama, head_dim: -1 }, /config\.head_dim \(-1\) must be an integer from 1 to 4096/);
  refuse({ ...llama, layer_types: ['sliding_attention'] }, /config\.layer_types has 1 entries/);
  refuse(`{"model_type": "llama", "__proto__": {"num_hidden_layers": 1}}`, /config\.__proto__: a key named '__proto__' is refused/);
  refuse(JSON.parse('{"__proto__": {"x": 1}, "model_type": "llama"}'), /config\.__proto__/);
  refuse('{"model_type": "llama", "model_type": "llama"}', /config\.model_type appears twice/);
  refuse('x'.repeat(10 * 1024 * 1024), { name: 'RangeError', message: 'config (10485760 characters) is over the limit of 1048576 bytes' });
  refuse(`{"model_type": "${'x'.repeat(70000)}"}`, /config\.model_type: a string is longer than 65536 bytes/);
  refuse('[['.repeat(40), /nested deeper than 32 levels/);
  refuse('{"model_type": "llama",}', /config is not valid JSON at byte 23 \(line 1, column 24\): expected a key/);
  refuse(42, TypeError);
  refuse(null, TypeError);
  const cyclic = { model_type: 'llama' };
  cyclic.self = cyclic;
  refuse(cyclic, /config \(Object\) cannot be written as JSON/);
  refuse({ model_type: 'llama', n: 1n }, /cannot be written as JSON/);
  // after every refusal the core still answers
  assert.equal(core.modelFromConfig(llama).layers, 32);
  assert.equal(core.modelKvCache({ model: 'llama-3.1-8b', tokens: 1 }).perToken, 131072);
});
