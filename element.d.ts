// Types for `import 'gqa-playground/element'` (dist/gqa-playground.js): the <gqa-playground>
// custom element. Importing the module defines the element.

export type SectionName = 'walkthrough' | 'controls' | 'heads' | 'cache' | 'budget' | 'bench' | 'quality' | 'serving' | 'lesson' | 'qa';
export type Theme = 'auto' | 'light' | 'dark';
export type Dtype = 'f32' | 'f16' | 'bf16' | 'fp8' | 'int8' | 'int4';

/** What the element shows: query heads h, K/V heads g, head_dim d, tokens t, layers l, batch b. */
export interface PlaygroundState {
  h: number;
  g: number;
  d: number;
  t: number;
  l: number;
  b: number;
  dtype: Dtype;
  /** A catalog model id, or '' for custom settings. */
  model: string;
  /** Walkthrough step, 1 to 6. */
  step: number;
  theme: Theme;
  /** Serving the model (the budget section): an accelerator id, how many (tensor parallel), the weights' dtype. */
  device: string;
  gpus: number;
  wdtype: Dtype;
  /** Paged-KV block (tokens), and the shared prompt's tokens, stored once for the batch. */
  block: number;
  prefix: number;
  /** A model imported from a config.json: its record (base64url of its JSON), or ''. */
  record: string;
}

export interface PlaygroundEventDetail {
  state: PlaygroundState;
}

/**
 * <gqa-playground heads kv-heads head-dim seq layers batch dtype model step sections theme
 * device gpus weight-dtype block shared-prefix record>.
 * Reading a property gives the value in use; writing one checks it (a TypeError or RangeError
 * naming the property, the value and what was expected) and sets the attribute.
 */
export class GqaPlaygroundElement extends HTMLElement {
  heads: number;
  kvHeads: number;
  headDim: number;
  seq: number;
  layers: number;
  batch: number;
  dtype: Dtype;
  model: string;
  step: number;
  theme: Theme;
  device: string;
  gpus: number;
  weightDtype: Dtype;
  block: number;
  sharedPrefix: number;
  record: string;
  /** The sections shown, in page order; set a string ('heads cache') or an array. */
  get sections(): SectionName[];
  set sections(value: string | readonly SectionName[] | null);
  /** A copy of the state in use. */
  readonly state: PlaygroundState;
  /** Resolves with the element after its first drawing with the core's numbers. */
  readonly ready: Promise<GqaPlaygroundElement>;
  addEventListener<K extends keyof GqaPlaygroundEventMap>(type: K, listener: (this: GqaPlaygroundElement, ev: GqaPlaygroundEventMap[K]) => unknown, options?: boolean | AddEventListenerOptions): void;
  addEventListener(type: string, listener: EventListenerOrEventListenerObject, options?: boolean | AddEventListenerOptions): void;
}

export interface GqaPlaygroundEventMap extends HTMLElementEventMap {
  /** After every drawing with the core's numbers. */
  'gqa-render': CustomEvent<PlaygroundEventDetail>;
  /** After the reader changed something inside the element (its form, its walkthrough). */
  'gqa-change': CustomEvent<PlaygroundEventDetail & { source: string }>;
}

declare global {
  interface HTMLElementTagNameMap {
    'gqa-playground': GqaPlaygroundElement;
  }
}
