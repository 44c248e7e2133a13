// dtypes.js - the memory model's storage types as a constant, for code that runs before any
// core is loaded (the CLI's help text) and for the package's MEMORY_DTYPES export. The core's
// own list (core.info.dtypes.memory, from cpp/sizing/memory_model.cpp) is what every check uses;
// tests/js/memory-model.test.mjs fails if this copy ever differs from it.

/** Storage types the memory model knows (the KV cache object itself stores f32, f16, int8). */
export const MEMORY_DTYPES = Object.freeze(['f32', 'f16', 'bf16', 'fp8', 'int8', 'int4']);
