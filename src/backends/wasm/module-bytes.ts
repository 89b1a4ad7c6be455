// Decodes the embedded wasm kernels (text written by scripts/wasm-text.mjs) and rebuilds the relaxed-SIMD variant.

/** Printable ASCII without `"`, `\` and `<`, in code order: the alphabet of scripts/wasm-text.mjs. */
const ALPHABET_SIZE = 92;
/** The chars that stand for one byte each; the last two start a 2-char escape. */
const DIRECT = ALPHABET_SIZE - 2;

/** Position of each char code in the alphabet, -1 for a char outside it. */
function alphabetIndex(): Int8Array {
  const index = new Int8Array(128).fill(-1);
  for (let c = 0x20, i = 0; c < 0x7f; c++) if (c !== 0x22 && c !== 0x5c && c !== 0x3c) index[c] = i++;
  return index;
}

/**
 * The bytes `text` stands for: char k of the alphabet is `table[k]` for k < 90; the bytes not in `table`, in ascending
 * order, are 2-char escapes, the j-th being alphabet[90 + floor(j / 92)] + alphabet[j % 92].
 */
export function decodeWasmText(text: string, table: readonly number[]): Uint8Array {
  const index = alphabetIndex();
  const rest: number[] = [];
  const direct = new Set(table);
  for (let b = 0; b < 256; b++) if (!direct.has(b)) rest.push(b);
  const out = new Uint8Array(text.length);
  let n = 0;
  for (let i = 0; i < text.length; i++) {
    const k = index[text.charCodeAt(i)] ?? -1;
    if (k < 0) throw new Error(`wasm backend: the embedded module text has a char outside its alphabet at ${i}`);
    if (k < DIRECT) out[n++] = table[k]!;
    else out[n++] = rest[(k - DIRECT) * ALPHABET_SIZE + (index[text.charCodeAt(++i)] ?? 0)]!;
  }
  return out.subarray(0, n);
}

/** base[0, at) + insert + base[at + remove, end): the relaxed-SIMD module from the SIMD128 one. */
export function applyPatch(base: Uint8Array, at: number, remove: number, insert: Uint8Array): Uint8Array {
  const out = new Uint8Array(base.length - remove + insert.length);
  out.set(base.subarray(0, at), 0);
  out.set(insert, at);
  out.set(base.subarray(at + remove), at + insert.length);
  return out;
}
