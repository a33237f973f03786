// The shared services every feature receives from the composition root (extension.ts).
import * as vscode from 'vscode';
import { EngineError } from './engine/engineError';
import { LocalEngine } from './engine/localEngine';
import { createLog } from './log';
import { DownloadActivity } from './models/downloadActivity';
import { Settings } from './settings';
import { StatusBar } from './statusBar';

export interface ExtensionServices {
  readonly context: vscode.ExtensionContext;
  readonly log: vscode.LogOutputChannel;
  readonly settings: Settings;
  /** The local engine host: the generation backend of chat and explain, and of completions by default. */
  readonly engine: LocalEngine;
  readonly statusBar: StatusBar;
  /** Whether a model download runs in this window (the chat's empty state follows it). */
  readonly downloads: DownloadActivity;
}

/** Settings that decide which model runs and how: changing one unloads the current model. */
const MODEL_SETTINGS = ['modelPath', 'executionProvider', 'threads'] as const;

/**
 * A local engine for the model in `modelPath()`, with the rules every local model shares: nothing
 * loads in Restricted Mode, and the provider, threads and idle time come from the settings.
 */
export function localEngineFor(context: vscode.ExtensionContext, settings: Settings, log: vscode.LogOutputChannel, modelPath: () => string): LocalEngine {
  return new LocalEngine({
    hostScript: context.asAbsolutePath('dist/engineHost.js'),
    log,
    idleUnloadMs: () => settings.get('idleUnloadMinutes') * 60_000,
    resolveLoadOptions: () => {
      if (!vscode.workspace.isTrusted) {
        throw new EngineError('untrusted', 'R1 Local does not load a model in Restricted Mode: trust this workspace first.');
      }
      const path = modelPath();
      if (!path) {
        throw new EngineError('no_model', 'No model yet: run "R1 Local: Download Model…" or "R1 Local: Select Model Folder…".');
      }
      const threads = settings.get('threads');
      return { modelPath: path, executionProvider: settings.get('executionProvider'), threads: threads > 0 ? threads : undefined };
    },
  });
}

export function createServices(context: vscode.ExtensionContext): ExtensionServices {
  const log = createLog();
  const settings = new Settings(log);
  const engine = localEngineFor(context, settings, log, () => settings.get('modelPath'));
  const statusBar = new StatusBar(engine, settings);
  const downloads = new DownloadActivity();
  context.subscriptions.push(
    log,
    settings,
    statusBar,
    downloads,
    { dispose: () => void engine.dispose() },
    settings.onDidChange((keys) => {
      // The loaded model's info goes with it, so the next request is built for the new model.
      if (MODEL_SETTINGS.some((k) => keys.has(k)) && engine.hostPid !== undefined) {
        log.info('model settings changed: unloading; the new model loads on next use');
        void engine.unload();
      }
    }),
  );
  return { context, log, settings, engine, statusBar, downloads };
}
