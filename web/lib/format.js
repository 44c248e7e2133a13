// format.js - numbers for people: bytes in binary units, counts, rates. Shared by page and CLI.

const UNITS = ['B', 'KiB', 'MiB', 'GiB', 'TiB', 'PiB', 'EiB'];

/** 327680 -> "320 KiB", 2748779069440 -> "2.50 TiB" (3 significant digits, whole numbers kept). */
export function formatBytes(bytes) {
  if (!Number.isFinite(bytes)) return String(bytes);
  let v = Math.abs(bytes), u = 0;
  while (v >= 1024 && u < UNITS.length - 1) { v /= 1024; u++; }
  const digits = u === 0 || Number.isInteger(v) ? 0 : v < 10 ? 2 : v < 100 ? 1 : 0;
  return `${bytes < 0 ? '-' : ''}${v.toFixed(digits)} ${UNITS[u]}`;
}

/** Decimal gigabytes, as accelerator memory is quoted: 2748779069440 -> "2.75 TB". */
export function formatDecimalBytes(bytes) {
  const units = ['B', 'kB', 'MB', 'GB', 'TB', 'PB'];
  let v = Math.abs(bytes), u = 0;
  while (v >= 1000 && u < units.length - 1) { v /= 1000; u++; }
  return `${bytes < 0 ? '-' : ''}${v.toFixed(u === 0 ? 0 : v < 10 ? 2 : v < 100 ? 1 : 0)} ${units[u]}`;
}

/** 70.6e9 -> "70.6 B", 124e6 -> "124 M". */
export function formatCount(n) {
  for (const [div, suffix] of [[1e12, 'T'], [1e9, 'B'], [1e6, 'M'], [1e3, 'k']]) {
    if (Math.abs(n) >= div) return `${+(n / div).toPrecision(3)} ${suffix}`;
  }
  return String(n);
}

/** 4 -> "4×", 2.8125 -> "2.81×". */
export function formatFactor(x) {
  return `${Number.isInteger(x) ? x : +x.toPrecision(3)}×`;
}

/** A fraction as a percentage with one decimal, always: 0.996 -> "99.6%" (never rounded to 100%). */
export function formatPercent(x) {
  return `${(100 * x).toFixed(1)}%`;
}

/** Seconds in the unit that reads best: 0.0123 -> "12.3 ms". */
/** An accuracy difference in percentage points, one decimal: 0.264 → "26.4" (never "-0.0"). */
export function formatPoints(gap) {
  return (Math.round(1000 * gap) / 10 || 0).toFixed(1);
}

export function formatSeconds(s) {
  if (s >= 1) return `${+s.toPrecision(3)} s`;
  if (s >= 1e-3) return `${+(s * 1e3).toPrecision(3)} ms`;
  return `${+(s * 1e6).toPrecision(3)} µs`;
}

/**
 * How the page names an attention kind the core computed ('MHA' | 'GQA' | 'MQA' | 'MLA'): GQA with its
 * number of K/V heads, 'GQA' and 4 -> "GQA-4"; the others as they are.
 */
export function kindLabel(kind, nKvHeads) {
  return kind === 'GQA' ? `GQA-${nKvHeads}` : kind;
}

const KERNEL_LABELS = {
  relaxed: 'WebAssembly relaxed SIMD (fused multiply-add)',
  simd128: 'WebAssembly SIMD',
  scalar: 'scalar WebAssembly',
};

/** The core's kernels in words, for a page, from core.info.isa: 'simd128' -> "WebAssembly SIMD". */
export function kernelLabel(isa) {
  return KERNEL_LABELS[isa] ?? isa;
}

/** Left-aligned first column, right-aligned others, for terminal tables. */
export function textTable(header, rows) {
  const all = [header, ...rows].map((r) => r.map(String));
  const widths = header.map((_, c) => Math.max(...all.map((r) => r[c].length)));
  const line = (r) => r.map((cell, c) => (c === 0 ? cell.padEnd(widths[c]) : cell.padStart(widths[c]))).join('  ');
  return [line(all[0]), widths.map((w) => '-'.repeat(w)).join('  '), ...all.slice(1).map(line)].join('\n');
}
