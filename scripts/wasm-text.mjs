// Encodes the wasm kernels' bytes as JS string text that gzip compresses about as well as the raw .wasm (see below).
/**
 * The alphabet: printable ASCII without `"`, `\` and `<` (so the text needs no escape in a string literal and never
 * spells `</script`), 92 chars. ALPHABET[0..89] stand for the 90 bytes the table lists (the most frequent ones in the
 * module); ALPHABET[90] and ALPHABET[91] start a 2-char escape for each other byte, in ascending order: the j-th is
 * ALPHABET[90 + floor(j / 92)] + ALPHABET[j % 92] (166 bytes ≤ 2 × 92). One char per byte with `\xNN` for the
 * unprintable ones (the earlier format) gzips 20 % larger, because a 4-char escape hides the byte from gzip's matches.
 */
export const ALPHABET = (() => {
  let s = "";
  for (let c = 0x20; c < 0x7f; c++) if (c !== 0x22 && c !== 0x5c && c !== 0x3c) s += String.fromCharCode(c);
  return s;
})();
export const DIRECT = ALPHABET.length - 2;

/** The DIRECT most frequent bytes of `bytes`, most frequent first (ties: the smaller byte first). */
export function directTable(bytes) {
  const count = new Array(256).fill(0);
  for (const b of bytes) count[b]++;
  return [...count.keys()].sort((a, b) => count[b] - count[a] || a - b).slice(0, DIRECT);
}

/** `bytes` as text over ALPHABET with `table` from directTable. */
export function encodeBytes(bytes, table) {
  const code = new Array(256);
  table.forEach((b, i) => {
    code[b] = ALPHABET[i];
  });
  let j = 0;
  for (let b = 0; b < 256; b++)
    if (code[b] === undefined) {
      code[b] = ALPHABET[DIRECT + Math.floor(j / ALPHABET.length)] + ALPHABET[j % ALPHABET.length];
      j++;
    }
  let out = "";
  for (const b of bytes) out += code[b];
  return out;
}
