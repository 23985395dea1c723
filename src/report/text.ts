// Plain-text report of a check: verdict, what is wrong, the trace one step a line, stats.
import type { CheckResult, Estimate, Stats, Trace, TraceEvent } from '../engine/index.js';
import { plain, type Styler } from './style.js';
import { renderColumns, type ColumnOptions } from './columns.js';

export function verdictLine(r: CheckResult, s: Styler = plain): string {
  const v = r.verdict;
  const colour = v === 'holds' ? 'green' : v === 'incomplete' ? 'yellow' : 'red';
  let text: string = v === 'model-error' ? 'model error' : v;
  if (v === 'holds' && r.vacuous) text = 'holds (vacuous: a witness was never reached)';
  if (v === 'incomplete') text = `incomplete: ${describeIncomplete(r)}`;
  if (r.violation) text += ` (${r.violation.kind}: ${r.violation.property})`;
  return `${r.model}: ${s(colour, text)}`;
}

function describeIncomplete(r: CheckResult): string {
  switch (r.incomplete) {
    case 'max-executions': return 'execution budget reached';
    case 'step-bound': return 'an execution reached the step bound';
    case 'timeout': return 'time budget reached';
    case 'samples': return `holds up to ${r.stats.executions} samples`;
    default: return 'search cut short';
  }
}

export function statsLine(st: Stats): string {
  const kinds = [
    [st.complete, 'complete'], [st.deadlocked, 'deadlocked'], [st.violating, 'violating'],
    [st.bounded, 'bounded'], [st.sleepBlocked, 'sleep-blocked'],
  ].filter(([n]) => (n as number) > 0).map(([n, k]) => `${n} ${k}`);
  const rate = st.wallMs > 0 ? `, ${Math.round(st.transitions / (st.wallMs / 1000)).toLocaleString('en-US')} transitions/s` : '';
  return `${st.executions.toLocaleString('en-US')} executions (${kinds.join(', ') || 'none'}), ` +
    `${st.transitions.toLocaleString('en-US')} transitions, ${st.wallMs} ms${rate}, peak ${st.peakRssMb} MB`;
}

/** An estimated count: two significant digits, a power of ten past a thousand million million. */
export function approxCount(n: number): string {
  if (n >= 1e15) return n.toExponential(1);
  const unit = n >= 100 ? 10 ** (Math.floor(Math.log10(n)) - 1) : 1;
  return (Math.round(n / unit) * unit).toLocaleString('en-US');
}

/** The executions run beside the estimate made before the search. */
export function estimateLine(executions: number, e: Estimate): string {
  const error = e.relativeError === null ? '' : ` ± ${Math.round(e.relativeError * 100)}%`;
  const none = e.executions === 0 ? ', none reaching an execution' : '';
  return `executions: ${executions.toLocaleString('en-US')} (estimated ~${approxCount(e.executions)}${error} before the search, ` +
    `${e.probes} probe${e.probes === 1 ? '' : 's'}${none})`;
}

export function stepLine(e: TraceEvent): string {
  const where = e.frames.length ? `${e.frames.join(' > ')}: ` : '';
  const value = e.value === undefined ? '' : ` = ${typeof e.value === 'string' ? e.value : JSON.stringify(e.value)}`;
  const what = e.what ? ` [${e.what}]` : '';
  return `${where}${e.op} ${e.object}${what}${value}`;
}

export function traceLines(t: Trace): string[] {
  const w = Math.max(...t.threads.map((n) => n.length));
  const sw = String(Math.max(0, t.events.length - 1)).length;
  return t.events.map((e) => `  ${String(e.step).padStart(sw)}  ${e.thread.padEnd(w)}  ${stepLine(e)}`);
}

/** The report: verdict, what is wrong, the counterexample in CPU columns, witnesses, stats. */
export function renderText(r: CheckResult, s: Styler = plain, columns: ColumnOptions = {}): string {
  const out = [verdictLine(r, s)];
  const v = r.violation;
  if (v) {
    out.push(`  ${v.message}`);
    for (const c of r.cycles ?? []) out.push(`  also: ${c.message}`);
    const m = r.minimization;
    const size = m ? `${m.preemptions} preemption${m.preemptions === 1 ? "" : "s"}, ${m.steps} steps${m.exact ? ' (fewest preemptions)' : ' (minimization cut by its budget)'}` : `${v.trace.events.length} steps`;
    out.push('', `counterexample: ${size}`, `replay (every step): mmcheck replay ${v.trace.schedule} --model ${r.model}`, '');
    out.push(renderColumns(v.trace, { ...columns, blocked: v.blocked, markLast: v.kind !== 'deadlock' }).trimEnd());
  }
  if (r.witnesses.length) {
    out.push('', 'witnesses:');
    for (const w of r.witnesses) out.push(`  ${w.executions > 0 ? s('green', 'reached') : s('yellow', 'never  ')}  ${w.name} (${w.executions} executions)`);
  }
  for (const n of r.notes ?? []) out.push(`note: ${n}`);
  out.push('', `${r.strategy}: ${statsLine(r.stats)}`);
  if (r.estimate) out.push(estimateLine(r.stats.executions, r.estimate));
  return out.join('\n') + '\n';
}
