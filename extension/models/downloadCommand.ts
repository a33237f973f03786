// "R1 Local: Download Model…": pick a model, fetch it into
// `globalStorage/models/<repo>/<revision>/<variant>/` with a cancellable progress notification
// (file, bytes, speed, time left), then point the settings at it. The transfer itself is the
// engine's download module (the same code as `r1-local download`); Node's http/https modules carry
// VS Code's proxy settings inside the extension host.

import { join } from 'node:path';
import * as vscode from 'vscode';
import { DownloadError, LOCK_FILE, checkModelFolder, computeClassFor, defaultVariantFor, downloadModel, formatBytes, modelFolderFor, type ModelSource } from '../../engine/download';
import type { ModelRole } from '../../engine/download';
import type { ExtensionServices } from '../services';
import { refuseIfUntrusted } from '../trust';
import { DownloadNotification } from './downloadNotification';
import { type HubSettings, modelChoices } from './modelChoices';

/** The hub settings; an empty variant means the fastest one for the provider that will run it. */
export function hubSettings(s: ExtensionServices): HubSettings {
  const repo = s.settings.get('hub.repo');
  return {
    endpoint: s.settings.get('hub.endpoint'),
    repo,
    revision: s.settings.get('hub.revision'),
    variant: s.settings.get('hub.variant') || defaultVariantFor(repo, computeClassFor(s.settings.get('executionProvider'), process.platform)),
  };
}

/** What a caller (a test, a keybinding, another command) may pass to skip the quick pick. */
export interface DownloadModelArgs {
  repo: string;
  endpoint?: string;
  revision?: string;
  variant?: string;
  role?: ModelRole;
}

function argsSource(s: ExtensionServices, args: unknown): { source: ModelSource; role: ModelRole } | undefined {
  const a = args as Partial<DownloadModelArgs> | undefined;
  if (!a || typeof a !== 'object' || typeof a.repo !== 'string') return undefined;
  const hub = hubSettings(s);
  const text = (v: unknown, fallback: string) => (typeof v === 'string' && v.length > 0 ? v : fallback);
  return {
    source: { endpoint: text(a.endpoint, hub.endpoint), repo: a.repo, revision: text(a.revision, hub.revision), variant: text(a.variant, defaultVariantFor(a.repo, computeClassFor(s.settings.get('executionProvider'), process.platform))) },
    role: a.role === 'completion' ? 'completion' : 'chat',
  };
}

/**
 * The command: download the model named in `args`, or let the user choose (the configured model
 * first). Resolves to the model folder when it is ready.
 */
export async function downloadModelCommand(s: ExtensionServices, args?: unknown): Promise<string | undefined> {
  if (refuseIfUntrusted('Downloading a model')) return undefined;
  const given = argsSource(s, args);
  if (given) return downloadAndUse(s, given.source, given.role);
  const pick = await vscode.window.showQuickPick(modelChoices(hubSettings(s)), {
    title: 'R1 Local: Download Model',
    placeHolder: 'Which model? It is stored once and then used offline.',
    matchOnDescription: true,
    matchOnDetail: true,
  });
  if (!pick) return undefined;
  return downloadAndUse(s, pick.source, pick.role);
}

/**
 * Downloads `source` (into `modelDir`, or its storage folder) and, when it verifies, makes it the
 * chat or completion model. Resolves to the folder, or undefined when it failed or was cancelled.
 */
export function downloadAndUse(s: ExtensionServices, source: ModelSource, role: ModelRole, modelDir?: string): Promise<string | undefined> {
  // Tracked until the settings name the new model, so the chat never flashes "no model" in between.
  return s.downloads.track(() => downloadVerifyAndSelect(s, source, role, modelDir));
}

async function downloadVerifyAndSelect(s: ExtensionServices, source: ModelSource, role: ModelRole, modelDir?: string): Promise<string | undefined> {
  let dir: string;
  try {
    dir = modelDir ?? modelFolderFor(s.context.globalStorageUri.fsPath, source.repo, source.revision, source.variant);
  } catch (error) {
    void vscode.window.showErrorMessage(`R1 Local: ${(error as Error).message}`);
    return undefined;
  }
  s.log.info(`download: ${source.repo}@${source.revision} (${source.variant}) from ${source.endpoint} into ${dir}`);
  try {
    const result = await vscode.window.withProgress(
      { location: vscode.ProgressLocation.Notification, title: `R1 Local: downloading ${source.repo} (${source.variant})`, cancellable: true },
      async (progress, token) => {
        const controller = new AbortController();
        const cancel = token.onCancellationRequested(() => controller.abort());
        const notification = new DownloadNotification();
        try {
          return await downloadModel({
            source,
            modelDir: dir,
            // One lock for all models: one download at a time across VS Code windows.
            lockPath: join(s.context.globalStorageUri.fsPath, 'models', LOCK_FILE),
            token: process.env.HF_TOKEN || undefined,
            signal: controller.signal,
            onEvent: (event) => {
              if (event.type === 'resolved') s.log.info(`download: commit ${event.commit}, ${formatBytes(event.bytesToFetch)} to fetch of ${formatBytes(event.totalBytes)}`);
              if (event.type === 'retry') s.log.warn(`download: retry ${event.attempt} of ${event.path} in ${event.delayMs} ms: ${event.reason}`);
              if (event.type === 'restart') s.log.warn(`download: ${event.path} restarts from zero: ${event.reason}`);
              if (event.type === 'quarantined') s.log.warn(`download: ${event.path} failed verification; moved to ${event.quarantinePath}`);
              const update = notification.update(event);
              if (update) progress.report(update);
              if (event.type === 'progress') s.statusBar.setDownloadProgress((event.doneBytes * 100) / Math.max(1, event.totalBytes));
            },
          });
        } finally {
          cancel.dispose();
          s.statusBar.setDownloadProgress(undefined);
        }
      },
    );
    s.log.info(`download: complete, ${formatBytes(result.fetchedBytes)} fetched, commit ${result.manifest.commit}`);
  } catch (error) {
    reportDownloadFailure(s, error, source, role, dir);
    return undefined;
  }
  const check = await checkModelFolder(dir);
  if (check.status !== 'ok') {
    s.log.error(`download: the downloaded folder does not load: ${check.message}`);
    void vscode.window.showErrorMessage(`R1 Local: the downloaded model cannot be used: ${check.message}`, 'Show Log').then((choice) => {
      if (choice === 'Show Log') void vscode.commands.executeCommand('r1Local.showLog');
    });
    return undefined;
  }
  await s.settings.update(role === 'completion' ? 'completions.modelPath' : 'modelPath', dir);
  // The next thing a user wants after the first download is to try it: offer the chat.
  const next = role === 'completion' ? [] : ['Open Chat'];
  void vscode.window
    .showInformationMessage(`R1 Local: ${source.repo} (${source.variant}) is ready${role === 'completion' ? ' for inline completions' : ''}.`, ...next)
    .then((choice) => {
      if (choice === 'Open Chat') void vscode.commands.executeCommand('r1Local.openChat');
    });
  return dir;
}

function reportFailure(s: ExtensionServices, message: string, retry: () => void): void {
  void vscode.window.showErrorMessage(`R1 Local: ${message}`, 'Retry', 'Show Log').then((choice) => {
    if (choice === 'Retry') retry();
    else if (choice === 'Show Log') s.log.show();
  });
}

function reportDownloadFailure(s: ExtensionServices, error: unknown, source: ModelSource, role: ModelRole, dir: string): void {
  const retry = () => void downloadAndUse(s, source, role, dir);
  if (!(error instanceof DownloadError)) {
    s.log.error(`download failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`);
    reportFailure(s, `the download failed: ${error instanceof Error ? error.message : String(error)}`, retry);
    return;
  }
  s.log.error(`download failed [${error.code}]: ${error.message}`);
  switch (error.code) {
    case 'aborted':
      void vscode.window.showInformationMessage('R1 Local: download cancelled. Run "Download Model…" again to resume where it stopped.');
      return;
    case 'bad-input':
      void vscode.window.showErrorMessage(`R1 Local: ${error.message} (settings r1Local.hub.*)`, 'Open Settings').then((choice) => {
        if (choice) void vscode.commands.executeCommand('workbench.action.openSettings', 'r1Local.hub');
      });
      return;
    default:
      reportFailure(s, error.message, retry);
  }
}
