// Registers inline completions: the provider for every text document, the engine they run on
// (the chat model's, or `r1Local.completions.modelPath`), the status bar hook and the log.
// Everything registered here is disposed with the extension.
import * as vscode from 'vscode';
import { EngineError } from '../engine/engineError';
import { localEngineFor, type ExtensionServices } from '../services';
import { CompletionActivityTracker } from '../core/completion/completionActivity';
import { CompletionBackendSelector } from '../core/completion/completionBackend';
import type { GenerationBackend } from '../core/generationBackend';
import { CompletionService, type CompletionStatus } from '../core/completion/completionService';
import { completionSettingsFrom } from '../core/completion/completionSettings';
import { LocalInlineCompletionProvider } from './inlineCompletionProvider';

/** Text documents of every language; not output panes, diff views of git objects or the like. */
const DOCUMENT_SELECTOR: vscode.DocumentSelector = [
  { scheme: 'file' },
  { scheme: 'untitled' },
  { scheme: 'vscode-notebook-cell' },
  { scheme: 'vscode-remote' },
  { scheme: 'vscode-vfs' },
];


/** Logs what the pipeline did; suggestion text never leaves trace level. */
function logStatus(log: vscode.LogOutputChannel, status: CompletionStatus, reported: Set<string>): void {
  switch (status.type) {
    case 'skipped':
      log.trace(`completion skipped: ${status.reason}`);
      break;
    case 'answered': {
      const stats = status.answer.stats;
      const prefill = stats ? `, prefilled ${stats.prefilledTokens}/${stats.promptTokens} tokens, first token ${Math.round(stats.ttftMs)} ms` : '';
      log.debug(`completion from ${status.answer.source} in ${Math.round(status.answer.latencyMs)} ms${prefill}`);
      log.trace(`completion text: ${JSON.stringify(status.answer.text)}`);
      break;
    }
    case 'error': {
      const error = status.error;
      // Superseded and busy are the scheduler doing its job; other failures are worth one warning each.
      if (error instanceof EngineError && (error.code === 'superseded' || error.code === 'busy' || error.code === 'cancelled')) {
        log.debug(`completion not served: ${error.code}`);
        break;
      }
      const text = error instanceof Error ? error.message : String(error);
      if (reported.has(text)) log.debug(`completion failed: ${text}`);
      else log.warn(`completion failed: ${text}`);
      reported.add(text);
      break;
    }
    case 'loading':
      log.debug(status.loading ? 'completion waits for the model to load' : 'completion model load settled');
      break;
    case 'running':
      break;
  }
}

/** Returns the completions' backend: the vscode.lm entry of a separate completion model generates through it. */
export function registerCompletions(services: ExtensionServices): GenerationBackend {
  const { context, settings, log, statusBar } = services;
  const backend = new CompletionBackendSelector(
    services.backend,
    (modelPath) => localEngineFor(context, settings, log, () => modelPath),
    // A remote server picks its completion model itself (r1Local.remote.completionModel).
    () => (settings.get('backend') === 'local' ? settings.get('completions.modelPath') : ''),
  );
  const service = new CompletionService({ backend, settings: () => completionSettingsFrom((key) => settings.get(key)) });
  const activity = new CompletionActivityTracker();
  const reported = new Set<string>();
  context.subscriptions.push(
    service.onDidChangeStatus((status) => {
      activity.observe(status);
      logStatus(log, status, reported);
    }),
    activity.onDidChange((state) => statusBar.setCompletionActivity(state)),
    vscode.languages.registerInlineCompletionItemProvider(DOCUMENT_SELECTOR, new LocalInlineCompletionProvider(service)),
    settings.onDidChange((keys) => {
      // Suggestions of another model must not be replayed from the cache.
      if (keys.has('modelPath') || keys.has('completions.modelPath') || [...keys].some((k) => k === 'backend' || k.startsWith('remote.'))) service.clearCache();
    }),
    service,
    activity,
    backend,
  );
  return backend;
}
