// A counterexample as a Mermaid sequence diagram: threads and the objects they touch as
// participants, one message per step, the violation as a note at the end.
import type { CheckResult, Trace } from '../engine/index.js';

const id = (s: string): string => s.replace(/[^A-Za-z0-9_]/g, '_');
const label = (s: string): string => s.replace(/[;#]/g, ' ').replace(/\s+/g, ' ').trim();

export function traceToMermaid(trace: Trace, note?: string): string {
  const objects: string[] = [];
  for (const e of trace.events) if (!objects.includes(e.object)) objects.push(e.object);
  const out = ['sequenceDiagram'];
  for (const t of trace.threads) out.push(`  participant ${id(`t_${t}`)} as ${label(t)}`);
  for (const o of objects) out.push(`  participant ${id(`o_${o}`)} as ${label(o)}`);
  const frames = new Map<string, string>();
  for (const e of trace.events) {
    const where = e.frames[e.frames.length - 1] ?? '';
    if (frames.get(e.thread) !== where && where) {
      out.push(`  Note over ${id(`t_${e.thread}`)}: ${label(where)}`);
    }
    frames.set(e.thread, where);
    const value = e.value === undefined ? '' : ` = ${label(typeof e.value === 'string' ? e.value : JSON.stringify(e.value))}`;
    out.push(`  ${id(`t_${e.thread}`)}->>${id(`o_${e.object}`)}: ${e.step}. ${label(e.what ?? e.op)}${value}`);
  }
  if (note) out.push(`  Note over ${id(`t_${trace.threads[0]}`)},${id(`t_${trace.threads[trace.threads.length - 1]}`)}: ${label(note)}`);
  return out.join('\n') + '\n';
}

export function renderMermaid(r: CheckResult): string {
  if (!r.violation) return `sequenceDiagram\n  Note over ${id(r.model)}: ${label(`${r.model}: ${r.verdict}`)}\n`;
  return traceToMermaid(r.violation.trace, `${r.violation.kind}: ${r.violation.message}`);
}
