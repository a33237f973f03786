// Shows a remote failure of a chat, explain or vscode.lm request as a notice with the button that
// fixes it (core/remote/failureNotice.ts decides which); completion failures show only in the
// status bar. A notice already on screen is not stacked again by the same failure.
import * as vscode from 'vscode';
import type { Logger } from '../core/logger';
import { ACTION_LABELS, failureNotice, type RemoteAction } from '../core/remote/failureNotice';
import type { RemoteBackend, RemoteFailureEvent } from '../core/remote/remoteBackend';

export interface FailureActions {
  setApiKey(): Thenable<unknown>;
  pickModel(backend: RemoteBackend, offered: string[] | undefined): Thenable<unknown>;
  openSettings(): Thenable<unknown>;
  retry(): void;
  askAgain(): Thenable<unknown>;
  showLog(): void;
}

export class FailureReporter {
  private readonly open = new Set<string>();

  constructor(private readonly actions: FailureActions, private readonly log: Logger) {}

  report(backend: RemoteBackend, event: RemoteFailureEvent): void {
    const state = backend.state;
    if (state.kind !== 'remote') return;
    const notice = failureNotice(event.failure, { kind: event.kind, host: state.server.host, model: state.server.model });
    if (!notice.show || this.open.has(notice.message)) return;
    this.open.add(notice.message);
    const labels = notice.actions.map((a) => ACTION_LABELS[a]);
    void vscode.window.showErrorMessage(notice.message, ...labels).then(
      (choice) => {
        this.open.delete(notice.message);
        const action = notice.actions.find((a) => ACTION_LABELS[a] === choice);
        if (action) void this.run(action, backend, event);
      },
      () => this.open.delete(notice.message),
    );
  }

  private async run(action: RemoteAction, backend: RemoteBackend, event: RemoteFailureEvent): Promise<void> {
    try {
      switch (action) {
        case 'setApiKey':
          return void (await this.actions.setApiKey());
        case 'pickModel':
          return void (await this.actions.pickModel(backend, event.failure.availableModels));
        case 'openSettings':
          return void (await this.actions.openSettings());
        case 'retry':
          return this.actions.retry();
        case 'askAgain':
          return void (await this.actions.askAgain());
        case 'showLog':
          return this.actions.showLog();
      }
    } catch (e) {
      this.log.warn(`remote: "${ACTION_LABELS[action]}" failed: ${e instanceof Error ? e.message : String(e)}`);
    }
  }
}
