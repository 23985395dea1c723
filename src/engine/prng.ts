// A small seeded generator (mulberry32), so that random searches are reproducible.
export function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** A uniformly chosen set bit of mask (which is not 0). */
export function randomBit(mask: number, random: () => number): number {
  let k = Math.floor(random() * popcount(mask));
  for (let m = mask; ; m &= m - 1) {
    if (k-- === 0) return 31 - Math.clz32(m & -m);
  }
}

export function popcount(m: number): number {
  let n = 0;
  for (; m; m &= m - 1) n++;
  return n;
}
