// What the status bar item shows for a given state, as a pure function (tested without VS Code).
import type { RuntimePath } from '../../engine/types';
import type { BackendState } from './generationBackend';
import { describeRemoteStatus } from './remote/remoteStatus';

export interface StatusInput {
  engine: BackendState;
  /** Set while a model download runs. */
  downloadPercent?: number;
  /** A model folder is configured (and, as far as we know, present). */
  modelConfigured: boolean;
  trusted: boolean;
  completionsEnabled: boolean;
  /**
   * Inline completions: whether one is running or waiting for its model to load (a separate
   * completion model has no engine state here), and the latency of the last one shown.
   */
  completion?: { running: boolean; loadingModel?: boolean; lastLatencyMs?: number };
}

export interface StatusView {
  text: string;
  tooltip: string;
  /** Shown with the error background. */
  error: boolean;
}

/** Which graph runs and how its KV cache is fed, in one sentence for the tooltip. */
export function runtimeSentence(runtime: RuntimePath | undefined): string {
  if (!runtime) return '';
  if (runtime.graph === 'rewritten' && runtime.kvCache === 'in-place' && !runtime.reason) return ' Fast path: rewritten graph, KV cache read in place.';
  const path = runtime.graph === 'rewritten' ? 'the rewritten graph' : 'the graph as exported';
  return ` Running ${path}, KV cache ${runtime.kvCache === 'in-place' ? 'read in place' : 'fetched every step'}${runtime.reason ? `: ${runtime.reason}` : ''}.`;
}

export function describeStatus(input: StatusInput): StatusView {
  const lastLatency = input.completion?.lastLatencyMs;
  const latency = lastLatency !== undefined ? ` (last one in ${lastLatency} ms)` : '';
  const completions = input.completionsEnabled ? `Inline completions on${latency}.` : 'Inline completions off.';
  const view = (text: string, tooltip: string, error = false): StatusView => ({ text, tooltip: `${tooltip}\n${completions} Click for actions.`, error });
  if (input.downloadPercent !== undefined) {
    return view(`$(cloud-download) R1 ${Math.floor(input.downloadPercent)}%`, `R1 Local: downloading the model (${input.downloadPercent.toFixed(1)}%).`);
  }
  const e = input.engine;
  if (e.kind === 'remote') {
    const remote = describeRemoteStatus(e, input.completion);
    return view(remote.text, remote.tooltip, remote.error);
  }
  if (input.completion?.running && (e.kind === 'ready' || e.kind === 'generating')) {
    return view('$(sync~spin) R1 completing', `R1 Local: an inline completion is running on ${e.model.executionProvider}.`);
  }
  if (input.completion?.loadingModel && e.kind !== 'error' && e.kind !== 'unavailable') {
    return view('$(sync~spin) R1 loading', 'R1 Local: loading the completion model; the suggestion follows.');
  }
  switch (e.kind) {
    case 'unavailable':
      return view('$(error) R1', `R1 Local: the engine stopped after repeated crashes. ${e.reason}`, true);
    case 'error':
      return view('$(error) R1', `R1 Local: ${e.reason}`, true);
    case 'restarting':
      return view('$(sync~spin) R1', `R1 Local: restarting the engine (${e.reason}).`);
    case 'starting':
    case 'loading':
      return view('$(sync~spin) R1 loading', 'R1 Local: loading the model.');
    case 'generating': {
      const speed = e.tokensPerSecond !== undefined ? `${e.tokensPerSecond.toFixed(1)} tok/s` : 'generating';
      return view(`$(pulse) R1 ${speed}`, `R1 Local: generating on ${e.model.executionProvider}.`);
    }
    case 'ready': {
      const memory = e.rssBytes !== undefined ? `, engine process ${(e.rssBytes / 2 ** 30).toFixed(2)} GB` : '';
      const shared = e.sharedWith !== undefined && e.sharedWith > 1 ? `, shared with ${e.sharedWith} windows` : '';
      return view(`$(check) R1 ${e.model.executionProvider}`, `R1 Local: model ready on ${e.model.executionProvider} (${e.model.threads} thread${e.model.threads === 1 ? '' : 's'}${memory}${shared}).${runtimeSentence(e.model.runtime)}`);
    }
    case 'stopped':
      if (!input.trusted) return view('$(shield) R1', 'R1 Local: Restricted Mode. Trust this workspace to load a model.');
      if (!input.modelConfigured) return view('$(circle-slash) R1 no model', 'R1 Local: no model installed. Download one or select a model folder.');
      // Say so in words: a bare hollow circle read as "something is off" right after a download.
      return view('$(circle-outline) R1 idle', 'R1 Local: model installed, not loaded yet; it loads on first use.');
  }
}
