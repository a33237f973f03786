// The webview's controller: restores the saved state, renders it, applies what the extension posts,
// forwards what the user does, and saves the state so VS Code can re-create the view when shown again.
import { ChatView, type ChatViewActions } from './chatView';
import type { HostToWebview, WebviewToHost } from '../engine/common/chat/protocol';
import { CHAT_PROTOCOL_VERSION } from '../engine/common/chat/protocolVersion';
import { type LocalAction, type ViewState, isBusy, reduceHostMessage, reduceLocal, restoreViewState } from './state';

/** The part of VS Code's webview API we use (the object `acquireVsCodeApi()` returns). */
export interface WebviewApi {
  postMessage(message: WebviewToHost): void;
  getState(): unknown;
  setState(state: ViewState): void;
}

export interface ChatAppOptions {
  /** Coalesces renders; defaults to one per animation frame so a burst of tokens costs one layout. */
  schedule?: (callback: () => void) => void;
  /** The live "Thinking…" timer's period. */
  tickMs?: number;
}

export interface ChatApp {
  readonly view: ChatView;
  getState(): ViewState;
  dispose(): void;
}

const HOST_MESSAGE_TYPES = new Set<HostToWebview['type']>(['snapshot', 'turnStarted', 'delta', 'turnFinished', 'model']);

export function startChatApp(api: WebviewApi, container: HTMLElement, options: ChatAppOptions = {}): ChatApp {
  const schedule = options.schedule ?? ((callback) => requestAnimationFrame(callback));
  let state = restoreViewState(api.getState());
  let renderPending = false;

  const post = (message: WebviewToHost) => api.postMessage(message);
  const requestRender = () => {
    if (renderPending) return;
    renderPending = true;
    schedule(() => {
      renderPending = false;
      view.render(state);
      api.setState(state);
      updateTimer();
    });
  };
  const local = (action: LocalAction) => {
    state = reduceLocal(state, action);
    requestRender();
  };

  const actions: ChatViewActions = {
    send: (text, budget) => post({ v: CHAT_PROTOCOL_VERSION, type: 'send', text, budget }),
    stop: () => post({ v: CHAT_PROTOCOL_VERSION, type: 'stop' }),
    newChat: () => post({ v: CHAT_PROTOCOL_VERSION, type: 'newChat' }),
    openConversation: (id) => post({ v: CHAT_PROTOCOL_VERSION, type: 'openConversation', id }),
    setBudget: (budget) => {
      local({ type: 'setBudget', budget });
      post({ v: CHAT_PROTOCOL_VERSION, type: 'setBudget', budget });
    },
    toggleReasoning: (turnId, expanded) => {
      local({ type: 'toggleReasoning', turnId, expanded });
      post({ v: CHAT_PROTOCOL_VERSION, type: 'toggleReasoning', turnId, expanded });
    },
    draft: (text) => local({ type: 'draft', text }),
    copyCode: (code) => post({ v: CHAT_PROTOCOL_VERSION, type: 'copyCode', code }),
    insertCode: (code) => post({ v: CHAT_PROTOCOL_VERSION, type: 'insertCode', code }),
    openLink: (url) => post({ v: CHAT_PROTOCOL_VERSION, type: 'openLink', url }),
    runCommand: (command) => post({ v: CHAT_PROTOCOL_VERSION, type: 'runCommand', command }),
  };

  const view = new ChatView(container, actions);
  view.render(state);

  let timer: ReturnType<typeof setInterval> | undefined;
  function updateTimer(): void {
    const busy = isBusy(state);
    if (busy && timer === undefined) timer = setInterval(() => view.tick(), options.tickMs ?? 500);
    if (!busy && timer !== undefined) {
      clearInterval(timer);
      timer = undefined;
    }
  }

  const onMessage = (event: MessageEvent) => {
    const message = event.data as HostToWebview | undefined;
    if (typeof message !== 'object' || message === null || message.v !== CHAT_PROTOCOL_VERSION || !HOST_MESSAGE_TYPES.has(message.type)) return;
    state = reduceHostMessage(state, message);
    requestRender();
  };
  window.addEventListener('message', onMessage);
  // Only now may the extension post: our listener is in place.
  post({ v: CHAT_PROTOCOL_VERSION, type: 'ready' });

  return {
    view,
    getState: () => state,
    dispose() {
      window.removeEventListener('message', onMessage);
      if (timer !== undefined) clearInterval(timer);
    },
  };
}
