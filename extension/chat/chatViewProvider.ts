// The chat side panel (`r1Local.chatView`). Sets up a locked-down webview — scripts only ours, no
// command URIs, local files only from dist/ and media/ — and connects it to the controller.
// VS Code may destroy the webview when the view is hidden and resolve it again when shown; the
// webview then restores from its saved state and asks for a fresh snapshot with `ready`.
import * as vscode from 'vscode';
import type { HostToWebview } from '../../engine/common/chat/protocol';
import { DisposableStore } from '../core/disposables';
import type { ChatController } from '../core/chat/chatController';
import { chatHtml } from '../core/chat/chatHtml';

export class ChatViewProvider implements vscode.WebviewViewProvider, vscode.Disposable {
  static readonly viewType = 'r1Local.chatView';
  private readonly subscriptions = new DisposableStore();

  constructor(private readonly extensionUri: vscode.Uri, private readonly controller: ChatController) {}

  resolveWebviewView(view: vscode.WebviewView): void {
    this.subscriptions.clear();
    const dist = vscode.Uri.joinPath(this.extensionUri, 'dist');
    const media = vscode.Uri.joinPath(this.extensionUri, 'media');
    const webview = view.webview;
    webview.options = { enableScripts: true, enableCommandUris: false, enableForms: false, localResourceRoots: [dist, media] };
    webview.html = chatHtml({
      cspSource: webview.cspSource,
      scriptUri: webview.asWebviewUri(vscode.Uri.joinPath(dist, 'webview.js')).toString(),
      styleUri: webview.asWebviewUri(vscode.Uri.joinPath(media, 'chat.css')).toString(),
    });
    this.controller.attach((message: HostToWebview) => void webview.postMessage(message));
    this.subscriptions.add(webview.onDidReceiveMessage((message: unknown) => void this.controller.handleMessage(message)));
    this.subscriptions.add(
      view.onDidChangeVisibility(() => {
        if (view.visible) this.controller.resync();
      }),
    );
    this.subscriptions.add(
      view.onDidDispose(() => {
        this.controller.detach();
        this.subscriptions.clear();
      }),
    );
  }

  dispose(): void {
    this.subscriptions.dispose();
  }
}
