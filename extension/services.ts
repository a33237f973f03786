// The shared services every feature receives from the composition root (extension.ts).
import * as vscode from 'vscode';
import { EngineError } from './engine/engineError';
import { LocalEngine } from './engine/localEngine';
import { sharedHost } from './engine/sharedHost';
import { BackendSwitch } from './core/remote/backendSwitch';
import type { RemoteBackend } from './core/remote/remoteBackend';
import { createLog } from './log';
import { DownloadActivity } from './models/downloadActivity';
import { InsecureConsent } from './remote/insecureConsent';
import { createRemoteBackend } from './remote/remoteBackendFactory';
import { Settings } from './settings';
import { StatusBar } from './statusBar';

export interface ExtensionServices {
  readonly context: vscode.ExtensionContext;
  readonly log: vscode.LogOutputChannel;
  readonly settings: Settings;
  /** The local engine host (restart, unload and diagnostics talk to it directly). */
  readonly engine: LocalEngine;
  /** What chat, explain, vscode.lm and completions generate with: the local engine or a remote server, per `r1Local.backend`. */
  readonly backend: BackendSwitch<RemoteBackend>;
  /** Plain-http consent per endpoint (the failure notices' "Ask Again…" forgets an answer). */
  readonly insecureConsent: InsecureConsent;
  readonly statusBar: StatusBar;
  /** Whether a model download runs in this window (the chat's empty state follows it). */
  readonly downloads: DownloadActivity;
}

/** Settings that decide which model runs and how: changing one unloads the current model. */
const MODEL_SETTINGS = ['modelPath', 'executionProvider', 'threads', 'engine.shared'] as const;

/** Settings a remote backend is made from: changing one makes the next request use a new one. */
const REMOTE_SETTINGS = ['backend', 'remote.endpoint', 'remote.api', 'remote.chatModel', 'remote.completionModel', 'remote.fim', 'remote.timeoutMs'] as const;

/**
 * A local engine for the model in `modelPath()`, with the rules every local model shares: nothing
 * loads in Restricted Mode, and the provider, threads and idle time come from the settings.
 */
export function localEngineFor(context: vscode.ExtensionContext, settings: Settings, log: vscode.LogOutputChannel, modelPath: () => string): LocalEngine {
  return new LocalEngine({
    hostScript: context.asAbsolutePath('dist/engineHost.js'),
    log,
    // One engine process per user, shared by every window (r1Local.engine.shared); the window's own
    // engine host when that is off or the shared one cannot be used (the log says why).
    spawn: sharedHost({
      hostScript: context.asAbsolutePath('dist/engineHost.js'),
      daemonScript: context.asAbsolutePath('dist/engineDaemon.js'),
      startTimeoutMs: 30_000,
      log,
      enabled: () => settings.get('engine.shared'),
    }),
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
  const insecureConsent = new InsecureConsent(context.globalState);
  const backend = new BackendSwitch(
    engine,
    () => createRemoteBackend(settings, context.secrets, insecureConsent, log),
    () => settings.get('backend'),
  );
  const statusBar = new StatusBar(backend, settings);
  const downloads = new DownloadActivity();
  context.subscriptions.push(
    log,
    settings,
    statusBar,
    downloads,
    backend,
    { dispose: () => void engine.dispose() },
    settings.onDidChange((keys) => {
      // The loaded model's info goes with it, so the next request is built for the new model.
      if (MODEL_SETTINGS.some((k) => keys.has(k)) && engine.hostPid !== undefined) {
        log.info('model settings changed: unloading; the new model loads on next use');
        void engine.unload();
      }
      if (REMOTE_SETTINGS.some((k) => keys.has(k))) backend.reconfigure();
    }),
    // The remote settings are restricted: trusting the workspace can change their effective values.
    vscode.workspace.onDidGrantWorkspaceTrust(() => backend.reconfigure()),
    context.secrets.onDidChange(() => backend.reconfigure()),
  );
  return { context, log, settings, engine, backend, insecureConsent, statusBar, downloads };
}
