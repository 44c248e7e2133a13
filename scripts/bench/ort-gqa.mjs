// ort-gqa.mjs - onnxruntime-web's com.microsoft GroupQueryAttention on the benchmark's decode
// step. The one-node ONNX graph is encoded here by hand (protobuf), so nothing is downloaded:
//   inputs  query (1,1,H·d), key and value (1,1,G·d): the new token; past_key and past_value
//           (1,G,T-1,d) BNSH: the cache; seqlens_k [T-1]; total_sequence_length T
//   outputs output (1,1,H·d), present_key, present_value
// Used only by the benchmark (a devDependency); single-threaded like every other entry.

// ---- a minimal protobuf writer ------------------------------------------------------------------
const varint = (n) => {
  const out = [];
  let v = BigInt(n);
  do { let b = Number(v & 0x7fn); v >>= 7n; if (v) b |= 0x80; out.push(b); } while (v);
  return out;
};
const key = (field, wire) => varint((field << 3) | wire);
const bytes = (field, payload) => [...key(field, 2), ...varint(payload.length), ...payload];
const str = (field, s) => bytes(field, [...new TextEncoder().encode(s)]);
const int = (field, n) => [...key(field, 0), ...varint(n)];

// ONNX field numbers (onnx/onnx.proto3)
const FLOAT = 1, INT32 = 6, ATTR_INT = 2;
const dim = (n) => bytes(1, int(1, n));                                  // TensorShapeProto.Dimension.dim_value
const tensorType = (elem, dims) => bytes(1, [...int(1, elem), ...(dims ? bytes(2, dims.flatMap(dim)) : [])]);
const valueInfo = (name, elem, dims) => [...str(1, name), ...bytes(2, tensorType(elem, dims))];
const attrInt = (name, v) => [...str(1, name), ...int(3, v), ...int(20, ATTR_INT)];

function gqaModel({ H, G, d, T }) {
  const inputs = [
    valueInfo('query', FLOAT, [1, 1, H * d]), valueInfo('key', FLOAT, [1, 1, G * d]), valueInfo('value', FLOAT, [1, 1, G * d]),
    valueInfo('past_key', FLOAT, [1, G, T - 1, d]), valueInfo('past_value', FLOAT, [1, G, T - 1, d]),
    valueInfo('seqlens_k', INT32, [1]), valueInfo('total_sequence_length', INT32, []),
  ];
  const names = ['query', 'key', 'value', 'past_key', 'past_value', 'seqlens_k', 'total_sequence_length'];
  const node = [
    ...names.flatMap((n) => str(1, n)), ...['output', 'present_key', 'present_value'].flatMap((n) => str(2, n)),
    ...str(3, 'gqa'), ...str(4, 'GroupQueryAttention'),
    ...bytes(5, attrInt('num_heads', H)), ...bytes(5, attrInt('kv_num_heads', G)), ...str(7, 'com.microsoft'),
  ];
  const graph = [
    ...bytes(1, node), ...str(2, 'decode_step'),
    ...inputs.flatMap((v) => bytes(11, v)),
    ...bytes(12, valueInfo('output', FLOAT)), ...bytes(12, valueInfo('present_key', FLOAT)), ...bytes(12, valueInfo('present_value', FLOAT)),
  ];
  const model = [
    ...int(1, 8), ...str(2, 'gqa-playground'),
    ...bytes(7, graph),
    ...bytes(8, [...str(1, ''), ...int(2, 17)]), ...bytes(8, [...str(1, 'com.microsoft'), ...int(2, 1)]),
  ];
  return Uint8Array.from(model);
}

/** (T, G, d) rows [0, T-1) -> (1, G, T-1, d) */
function toBnsh(x, { G, d, T }) {
  const out = new Float32Array(G * (T - 1) * d);
  for (let t = 0; t < T - 1; t++) {
    for (let g = 0; g < G; g++) out.set(x.subarray((t * G + g) * d, (t * G + g + 1) * d), (g * (T - 1) + t) * d);
  }
  return out;
}

export async function createOrtGqa() {
  const ort = await import('onnxruntime-web');
  ort.env.wasm.numThreads = 1;
  ort.env.logLevel = 'error';
  return {
    version: ort.env.versions?.web ?? 'unknown',
    /** Median ms of session.run for one decode step, and its output (H·d floats). */
    async run({ q, k, v }, shape) {
      const { H, G, d, T } = shape;
      const session = await ort.InferenceSession.create(gqaModel(shape), { executionProviders: ['wasm'], graphOptimizationLevel: 'disabled' });
      try {
        const last = (T - 1) * G * d;
        const feeds = {
          query: new ort.Tensor('float32', q, [1, 1, H * d]),
          key: new ort.Tensor('float32', k.slice(last, last + G * d), [1, 1, G * d]),
          value: new ort.Tensor('float32', v.slice(last, last + G * d), [1, 1, G * d]),
          past_key: new ort.Tensor('float32', toBnsh(k, shape), [1, G, T - 1, d]),
          past_value: new ort.Tensor('float32', toBnsh(v, shape), [1, G, T - 1, d]),
          seqlens_k: new ort.Tensor('int32', Int32Array.from([T - 1]), [1]),
          total_sequence_length: new ort.Tensor('int32', Int32Array.from([T]), []),
        };
        let out = null;
        for (let i = 0; i < 3; i++) out = (await session.run(feeds)).output.data;
        const times = [];
        const start = performance.now();
        while (times.length < 5 || (times.length < 41 && performance.now() - start < 400)) {
          const t0 = performance.now();
          await session.run(feeds);
          times.push(performance.now() - t0);
        }
        times.sort((a, b) => a - b);
        return { ms: times[times.length >> 1], out: Float32Array.from(out) };
      } finally {
        await session.release();
      }
    },
  };
}
