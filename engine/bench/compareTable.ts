// The side-by-side table of bench:compare: each figure of our engine (per export style) next to
// llama.cpp's, with the ratio ours/llama.cpp and whether the target of the performance issue is met.
// Pure functions over BenchResult lists (medians across the alternating runs), so they are testable.
import { median, type BenchResult } from './benchResult';

export interface EngineRuns {
  label: string;
  runs: BenchResult[];
}

export interface CompareRow {
  figure: string;
  unit: string;
  /** True when a smaller value is better (times, memory). */
  lowerIsBetter: boolean;
  peer: number;
  ours: { label: string; value: number; ratio: number }[];
  /** The target for ours/peer, when it sets one. */
  target?: { ratio: number; kind: 'min' | 'max' };
}

export interface CompareReport {
  peerLabel: string;
  rows: CompareRow[];
  /** Per engine: how many runs, and how many were flagged noisy. */
  noise: { label: string; runs: number; noisy: number; otherCpuCores: number }[];
  /** Prompt-lookup figures of our engine, medians over the runs that have one. */
  lookup: { label: string; runs: number; plainTokPerS: number; lookupTokPerS: number; acceptedTokens: number; tokens: number; identicalRuns: number }[];
}

type Figure = { figure: string; unit: string; lowerIsBetter: boolean; pick: (r: BenchResult) => number | undefined; target?: CompareRow['target'] };

function figures(contexts: number[], promptTokens: number): Figure[] {
  const list: Figure[] = [
    { figure: 'load', unit: 'ms', lowerIsBetter: true, pick: (r) => r.loadMs },
    { figure: `prefill ${promptTokens} tok`, unit: 'tok/s', lowerIsBetter: false, pick: (r) => r.prefillTokPerS, target: { ratio: 1.0, kind: 'min' } },
    { figure: 'time to first token', unit: 'ms', lowerIsBetter: true, pick: (r) => r.ttftMs },
  ];
  for (const c of contexts) {
    const target = c === 512 || c === 4096 ? ({ ratio: 1.0, kind: 'min' } as const) : undefined;
    list.push({ figure: `decode @ ${c} ctx`, unit: 'tok/s', lowerIsBetter: false, pick: (r) => r.decode.find((d) => d.context === c)?.tokPerS, target });
  }
  list.push(
    { figure: 'warm completion (+16 tok)', unit: 'ms', lowerIsBetter: true, pick: (r) => r.warmCompletionMs },
    { figure: 'peak RSS', unit: 'MB', lowerIsBetter: true, pick: (r) => r.peakRssMB, target: { ratio: 1.1, kind: 'max' } },
  );
  return list;
}

function medianOf(runs: BenchResult[], pick: Figure['pick']): number {
  return median(runs.map(pick).filter((v): v is number => typeof v === 'number' && Number.isFinite(v)));
}

export function buildCompareReport(peer: EngineRuns, ours: EngineRuns[], contexts: number[], promptTokens: number): CompareReport {
  const rows = figures(contexts, promptTokens).map((f): CompareRow => {
    const p = medianOf(peer.runs, f.pick);
    return {
      figure: f.figure,
      unit: f.unit,
      lowerIsBetter: f.lowerIsBetter,
      peer: p,
      ours: ours.map((o) => {
        const value = medianOf(o.runs, f.pick);
        return { label: o.label, value, ratio: value / p };
      }),
      target: f.target,
    };
  });
  const noise = [peer, ...ours].map((e) => ({
    label: e.label,
    runs: e.runs.length,
    noisy: e.runs.filter((r) => r.noisy).length,
    otherCpuCores: median(e.runs.map((r) => r.otherCpuCores)),
  }));
  const lookup = ours.map((o) => {
    const figs = o.runs.map((r) => r.promptLookup).filter((f): f is NonNullable<typeof f> => f !== undefined);
    return {
      label: o.label,
      runs: figs.length,
      plainTokPerS: median(figs.map((f) => f.plainTokPerS)),
      lookupTokPerS: median(figs.map((f) => f.lookupTokPerS)),
      acceptedTokens: median(figs.map((f) => f.acceptedTokens)),
      tokens: median(figs.map((f) => f.tokens)),
      identicalRuns: figs.filter((f) => f.identical).length,
    };
  });
  return { peerLabel: peer.label, rows, noise, lookup };
}

export function targetMet(row: CompareRow, ratio: number): boolean | undefined {
  if (!row.target || !Number.isFinite(ratio)) return undefined;
  return row.target.kind === 'min' ? ratio >= row.target.ratio : ratio <= row.target.ratio;
}

function fmt(value: number, unit: string): string {
  if (!Number.isFinite(value)) return 'n/a';
  if (unit === 'ms' && value >= 1000) return `${(value / 1000).toFixed(2)} s`;
  return `${value.toFixed(unit === 'tok/s' ? 1 : 0)} ${unit}`;
}

export function compareMarkdown(report: CompareReport): string {
  const oursLabels = report.rows[0]?.ours.map((o) => o.label) ?? [];
  const header = ['figure', report.peerLabel, ...oursLabels.flatMap((l) => [l, `ratio ${l}/${report.peerLabel}`])];
  const lines = [`| ${header.join(' | ')} |`, `|${header.map(() => '---').join('|')}|`];
  for (const row of report.rows) {
    const cells = [`${row.figure}${row.lowerIsBetter ? ' (lower is better)' : ''}`, fmt(row.peer, row.unit)];
    for (const o of row.ours) {
      const met = targetMet(row, o.ratio);
      const goal = row.target ? ` (target ${row.target.kind === 'min' ? '≥' : '≤'} ${row.target.ratio.toFixed(1)}: ${met ? 'met' : 'not met'})` : '';
      cells.push(fmt(o.value, row.unit), `${Number.isFinite(o.ratio) ? o.ratio.toFixed(2) : 'n/a'}×${goal}`);
    }
    lines.push(`| ${cells.join(' | ')} |`);
  }
  const lookups = report.lookup.filter((l) => l.runs > 0);
  if (lookups.length > 0) {
    lines.push('', 'Prompt-lookup decoding on an explain-style prompt (the prompt, its greedy continuation, the prompt again), ours only:', '');
    for (const l of lookups) {
      lines.push(`- ${l.label}: ${l.plainTokPerS.toFixed(1)} → ${l.lookupTokPerS.toFixed(1)} tok/s (${(l.lookupTokPerS / l.plainTokPerS).toFixed(2)}×, target ≥ 1.5), ${l.acceptedTokens} of ${l.tokens} tokens from drafts, identical output in ${l.identicalRuns} of ${l.runs} runs`);
    }
  }
  lines.push('', 'Noise (CPU used by other processes while each engine ran; a run is noisy above 0.25 cores):', '');
  for (const n of report.noise) lines.push(`- ${n.label}: ${n.noisy} of ${n.runs} runs noisy, median ${n.otherCpuCores.toFixed(2)} other cores`);
  return lines.join('\n');
}
