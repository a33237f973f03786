// The status bar item: model state at a glance; a click opens the R1 Local menu.
import { existsSync } from 'node:fs';
import * as vscode from 'vscode';
import { DisposableStore } from './core/disposables';
import type { GenerationBackend } from './core/generationBackend';
import type { Settings } from './settings';
import { describeStatus } from './core/statusView';

export class StatusBar implements vscode.Disposable {
  private readonly item = vscode.window.createStatusBarItem('r1Local.status', vscode.StatusBarAlignment.Right, 100);
  private readonly subscriptions = new DisposableStore();
  private downloadPercent: number | undefined;
  private completion: { running: boolean; loadingModel?: boolean; lastLatencyMs?: number } | undefined;

  constructor(
    private readonly engine: Pick<GenerationBackend, 'state' | 'onDidChangeState'>,
    private readonly settings: Settings,
  ) {
    this.item.name = 'R1 Local';
    this.item.command = 'r1Local.showMenu';
    this.subscriptions.add(engine.onDidChangeState(() => this.update()));
    this.subscriptions.add(settings.onDidChange(() => this.update()));
    this.subscriptions.add(vscode.workspace.onDidGrantWorkspaceTrust(() => this.update()));
    this.update();
    this.item.show();
  }

  /** For the model download: a percentage while it runs, undefined when it ended. */
  setDownloadProgress(percent: number | undefined): void {
    this.downloadPercent = percent;
    this.update();
  }

  /** For inline completions: whether one is running or waiting for its model, and the latency of the last one. */
  setCompletionActivity(activity: { running: boolean; loadingModel?: boolean; lastLatencyMs?: number }): void {
    this.completion = activity;
    this.update();
  }

  private update(): void {
    const modelPath = this.settings.get('modelPath');
    const view = describeStatus({
      engine: this.engine.state,
      downloadPercent: this.downloadPercent,
      modelConfigured: modelPath !== '' && existsSync(modelPath),
      trusted: vscode.workspace.isTrusted,
      completionsEnabled: this.settings.get('completions.enabled'),
      completion: this.completion,
    });
    this.item.text = view.text;
    this.item.tooltip = view.tooltip;
    this.item.backgroundColor = view.error ? new vscode.ThemeColor('statusBarItem.errorBackground') : undefined;
  }

  dispose(): void {
    this.subscriptions.dispose();
    this.item.dispose();
  }
}
