// The schedule: the thread chosen at each step, the one serializable unit of work.
// Text form: thread indices separated by '.', a run of one thread written as "i*n",
// e.g. "0*3.1.0*2" = threads 0,0,0,1,0,0.

export function encodeSchedule(tids: readonly number[]): string {
  const parts: string[] = [];
  for (let i = 0; i < tids.length; ) {
    let j = i;
    while (j < tids.length && tids[j] === tids[i]) j++;
    parts.push(j - i > 1 ? `${tids[i]}*${j - i}` : `${tids[i]}`);
    i = j;
  }
  return parts.join('.');
}

export class ScheduleSyntaxError extends Error {}

export function decodeSchedule(text: string): number[] {
  const out: number[] = [];
  const s = text.trim();
  if (s === '') return out;
  for (const part of s.split('.')) {
    const m = /^(\d+)(?:\*(\d+))?$/.exec(part);
    if (!m) throw new ScheduleSyntaxError(`bad schedule element "${part}" (expected "thread" or "thread*count")`);
    const n = m[2] === undefined ? 1 : Number(m[2]);
    for (let i = 0; i < n; i++) out.push(Number(m[1]));
  }
  return out;
}
