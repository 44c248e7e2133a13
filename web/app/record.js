// record.js - an imported model's record as it travels in the URL hash (and in an element's
// `record` attribute): base64url of the JSON of the fields the core reads back
// (model_config.h's model_from_record), without the long `source` text and the per-layer index
// lists, which the core derives again. Decoding only undoes the encoding: the record that comes
// back is untrusted, and the core checks it field by field before anything uses it.

/** The fields of a model record that the core reads, in a stable order. */
const FIELDS = ['id', 'name', 'family', 'layers', 'nHeads', 'nKvHeads', 'headDim', 'maxContext', 'params', 'activeParams',
  'layerPattern', 'layout', 'mla', 'linear'];
const GROUP_FIELDS = ['kind', 'layers', 'nKvHeads', 'headDim', 'window', 'chunk'];

const pick = (obj, keys) => Object.fromEntries(keys.filter((k) => obj[k] !== undefined && obj[k] !== null).map((k) => [k, obj[k]]));

/** record -> 'eyJpZCI6...' (URL-safe, no padding). */
export function encodeRecord(record) {
  const compact = { ...pick(record, FIELDS), layout: record.layout.map((g) => pick(g, GROUP_FIELDS)) };
  const bytes = new TextEncoder().encode(JSON.stringify(compact));
  let binary = '';
  for (const b of bytes) binary += String.fromCharCode(b);
  return btoa(binary).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
}

/** 'eyJpZCI6...' -> the JSON text it carries, or a RangeError naming the field. */
export function decodeRecord(text, field = 'record') {
  try {
    const binary = atob(text.replace(/-/g, '+').replace(/_/g, '/'));
    return new TextDecoder('utf-8', { fatal: true }).decode(Uint8Array.from(binary, (c) => c.charCodeAt(0)));
  } catch {
    throw new RangeError(`${field} ("${text.slice(0, 24)}…") is not a model record: expected base64url of its JSON, as the Share dialog writes it`);
  }
}
