// Webview entry point (bundled to dist/webview.js as an iife). The VS Code API object lives only in
// this closure: it is never put on `window`, where injected content could reach it.
import { startChatApp, type WebviewApi } from './app';
import { registerToolkit } from './toolkit';

declare function acquireVsCodeApi(): WebviewApi;

void registerToolkit();
const app = startChatApp(acquireVsCodeApi(), document.body);
app.view.focusInput();
