// Sizes and addresses as people write them: 2G, 64M, 0x2F00F00000, 2M+4K. Plain numbers (exact
// up to 2^53), never 32-bit bitwise operators.

const UNITS: readonly [string, number][] = [['P', 2 ** 50], ['T', 2 ** 40], ['G', 2 ** 30], ['M', 2 ** 20], ['K', 2 ** 10]];

/** Input that is not a size or an address; the message is one line for the user. */
export class AlignInputError extends Error {}

function parse_term(term: string, what: string): number {
  const m = /^(0x[0-9a-f]+|\d+)([kmgtp])?(?:i?b)?$/i.exec(term.trim());
  if (!m) throw new AlignInputError(`${what}: "${term}" is not a size (examples: 4096, 0x1000, 64M, 2G, 2M+4K)`);
  const unit = m[2] ? UNITS.find(([u]) => u === m[2].toUpperCase())![1] : 1;
  return Number(m[1]) * unit;
}

/** Parses "2G", "0x2F00F00000", "2M+4K", "64M-4K" into bytes. */
export function parse_size(text: string, what = 'size'): number {
  const s = text.trim();
  const terms = s.match(/[+-]?[^+-]+/g);
  if (!terms || terms.join('') !== s) throw new AlignInputError(`${what}: "${text}" is not a size`);
  let n = 0;
  for (const t of terms) n += t.startsWith('-') ? -parse_term(t.slice(1), what) : parse_term(t.replace(/^\+/, ''), what);
  if (!Number.isSafeInteger(n) || n < 0) throw new AlignInputError(`${what}: "${text}" is out of range (0 .. 2^53)`);
  return n;
}

/** Bytes as the sum of binary units, exact: 2G, 188G+15M, 2M+4K; plain digits below a whole KiB. */
export function format_size(n: number): string {
  if (n % 1024 !== 0) return String(n);
  const parts: string[] = [];
  let rest = n;
  for (const [u, v] of UNITS) {
    const k = Math.floor(rest / v);
    if (k) parts.push(`${k}${u}`);
    rest -= k * v;
  }
  return parts.join('+') || '0';
}

export function hex(n: number): string {
  return n < 0 ? `-0x${(-n).toString(16)}` : `0x${n.toString(16)}`;
}

/** The largest power of two dividing n (n > 0): 2^ctz(n). */
export function lowest_set_bit(n: number): number {
  let p = 1;
  while (n % (p * 2) === 0) p *= 2;
  return p;
}
