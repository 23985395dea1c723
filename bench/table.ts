// Plain-text tables for the benchmark reports.

export const fmt = (n: number): string => Math.round(n).toLocaleString('en-US');

/** The first `left` columns are text (left-aligned); the rest are figures (right-aligned). */
export function table(head: string[], rows: string[][], left = 2): string {
  const w = head.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
  const line = (r: string[]) => r.map((c, i) => (i < left ? c.padEnd(w[i]) : c.padStart(w[i]))).join('  ');
  return [line(head), w.map((n) => '-'.repeat(n)).join('  '), ...rows.map(line)].join('\n');
}
