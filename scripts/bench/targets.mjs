// targets.mjs - issue #22's decode targets, counted over one `npm run bench` run (rows as
// scripts/bench.mjs makes them: { H, G, d, T, dtype, kind, impls: { name: { ms, memoryMs, ofSum,
// ofMemory, vsSimd?, regime } } }). Every target is judged at T >= 2048.

/** The shortest cache the targets are judged at. */
export const TARGET_MIN_T = 2048;

/** How the table marks a ratio the memory bound alone keeps under its target. */
export const NOT_ALLOWED = 'bound N×: the most the memory bound allows';

/** "12.3×", or "12.3× (bound 14.1×)" where even the memory bound of `best` stays under `target`. */
export function ratioCell(base, best, target) {
  if (!base) return '';
  const cell = `${(base.ms / best.ms).toFixed(1)}×`;
  const most = base.ms / best.memoryMs;
  return most < target ? `${cell} (bound ${most.toFixed(1)}×)` : cell;
}

/**
 * [met, counted] per target (vsOrt3x and vsJs20x: [met, counted, forbidden by the memory bound]):
 *   sum85        every step at >= 85 % of its sum bound (per build: simd, relaxed)
 *   memory80     MHA f32/f16 (memory-bound) at >= 80 % of the memory bound (per build)
 *   relaxedCompute    relaxed >= 1.25x SIMD128 on MQA and GQA-4, f32/f16 (compute-bound)
 *   relaxedElsewhere  relaxed not slower than SIMD128 on every other step
 *   vsOrt3x, vsJs20x  the best WASM build >= 3x onnxruntime-web, >= 20x plain JS (their f32 time)
 *   vsNative128  SIMD128 within 1.3x of native x86-64-v2; vsNativeFma: relaxed of native -mfma
 *   quantFaster  f16/int8 SIMD128 faster than f32 where the f32 step is memory-bound
 */
export function countTargets(rows) {
  const t = { sum85: { simd: [0, 0], relaxed: [0, 0] }, memory80: { simd: [0, 0], relaxed: [0, 0] },
    relaxedCompute: [0, 0], relaxedElsewhere: [0, 0], vsOrt3x: [0, 0, 0], vsJs20x: [0, 0, 0],
    vsNative128: [0, 0], vsNativeFma: [0, 0], quantFaster: [0, 0] };
  const count = (c, met) => { c[1]++; if (met) c[0]++; };
  for (const r of rows) {
    const simd = r.impls['wasm-simd'], relaxed = r.impls['wasm-relaxed'];
    if (r.T < TARGET_MIN_T || !simd) continue;
    const float = r.dtype === 'f32' || r.dtype === 'f16';
    const memoryBound = float && r.kind === 'MHA';
    const computeBound = float && (r.kind === 'MQA' || (r.kind === 'GQA' && r.G === 4));
    for (const [name, v] of [['simd', simd], ['relaxed', relaxed]]) {
      if (!v) continue;
      count(t.sum85[name], v.ofSum >= 0.85);
      if (memoryBound) count(t.memory80[name], v.ofMemory >= 0.8);
    }
    if (relaxed) {
      if (computeBound) count(t.relaxedCompute, relaxed.vsSimd >= 1.25);
      else count(t.relaxedElsewhere, relaxed.vsSimd >= 1);
    }
    const best = relaxed ?? simd;
    const f32 = rows.find((x) => x.d === r.d && x.T === r.T && x.G === r.G && x.dtype === 'f32')?.impls;
    for (const [key, base, times] of [['vsOrt3x', f32?.ort, 3], ['vsJs20x', f32?.js, 20]]) {
      if (!base) continue;
      if (base.ms / best.memoryMs < times) t[key][2]++;
      else count(t[key], base.ms / best.ms >= times);
    }
    if (r.impls['native-v2']) count(t.vsNative128, simd.ms <= 1.3 * r.impls['native-v2'].ms);
    if (relaxed && r.impls['native-fma']) count(t.vsNativeFma, relaxed.ms <= 1.3 * r.impls['native-fma'].ms);
    if (r.dtype !== 'f32' && f32?.['wasm-simd']?.regime === 'memory') count(t.quantFaster, simd.ms < f32['wasm-simd'].ms);
  }
  return t;
}
