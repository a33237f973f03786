// What to tell the user about a failed remote request, and which button fixes it: one pure function
// from the failure's stable code, so each case is tested without VS Code. Completions never get a
// notice (typing would raise one per keystroke); the status bar shows their last error instead.
import type { RequestKind } from '../../../engine/types';
import { noticeText } from './noticeText';
import type { RemoteFailureInfo } from './remoteFailure';

export type RemoteAction =
  /** Run "R1 Local: Set Server API Key…". */
  | 'setApiKey'
  /** Pick one of the server's models for r1Local.remote.chatModel. */
  | 'pickModel'
  /** Open the settings at r1Local.remote.endpoint. */
  | 'openSettings'
  /** Send the failed chat or explain request again. */
  | 'retry'
  /** Forget the declined plain-http answer and ask again. */
  | 'askAgain'
  | 'showLog';

export const ACTION_LABELS: Record<RemoteAction, string> = {
  setApiKey: 'Set API Key…',
  pickModel: 'Choose Model…',
  openSettings: 'Open Settings',
  retry: 'Retry',
  askAgain: 'Ask Again…',
  showLog: 'Show Log',
};

export interface FailureNotice {
  message: string;
  actions: RemoteAction[];
  /** Whether a notice is shown at all (not for completions). */
  show: boolean;
}

export interface FailureContext {
  kind: RequestKind;
  /** Host (and port) of the endpoint, as the status bar shows it. */
  host: string;
  /** The model that was asked for, when known. */
  model?: string;
}

/** "in 30 s", "in 2 min" — rounded up, as a person would wait. */
export function retryAfterText(ms: number): string {
  const seconds = Math.max(1, Math.ceil(ms / 1000));
  return seconds < 120 ? `in ${seconds} s` : `in ${Math.ceil(seconds / 60)} min`;
}

/**
 * The notice for a failure. Every text a server or a setting supplies (its message, model names, the
 * host) goes through noticeText() here, the one place notices are written: VS Code renders links in them.
 */
export function failureNotice(failure: RemoteFailureInfo, context: FailureContext): FailureNotice {
  const host = noticeText(context.host, 100);
  const show = context.kind !== 'completion';
  const notice = (message: string, ...actions: RemoteAction[]): FailureNotice => ({ message: `R1 Local: ${message}`, actions, show });
  const detail = failure.message ? ` (${noticeText(failure.message)})` : '';
  switch (failure.code) {
    case 'unauthorized':
      return notice(`${host} refused the API key${failure.status ? ` (HTTP ${failure.status})` : ''}. Set the key the server expects.`, 'setApiKey');
    case 'model_not_found': {
      const model = context.model ? `"${noticeText(context.model, 100)}"` : 'the requested model';
      const offered = failure.availableModels ?? [];
      const listed = offered.length ? ` It offers: ${offered.slice(0, 5).map((m) => noticeText(m, 100)).join(', ')}${offered.length > 5 ? ', …' : ''}.` : '';
      return notice(`${host} has no model ${model}.${listed}`, 'pickModel', 'openSettings');
    }
    case 'no_models':
      return notice(`${host} lists no models. Load one on the server, or set r1Local.remote.chatModel.`, 'openSettings', 'retry');
    case 'connection_refused':
      return notice(`nothing answers at ${host} (connection refused). Is the server running, and is r1Local.remote.endpoint right?`, 'retry', 'openSettings');
    case 'dns':
      return notice(`the host name of ${host} does not resolve. Check r1Local.remote.endpoint and your network.`, 'openSettings', 'retry');
    case 'timeout':
      return notice(`${host} did not answer in time${detail}. A server still loading its model can take a while; r1Local.remote.timeoutMs sets the wait.`, 'retry', 'openSettings');
    case 'network':
      return notice(`the connection to ${host} failed${detail}.`, 'retry', 'openSettings');
    case 'rate_limited': {
      const when = failure.retryAfterMs !== undefined ? `Try again ${retryAfterText(failure.retryAfterMs)}.` : 'Try again in a moment.';
      return notice(`${host} is rate-limiting requests (HTTP 429). ${when}`, 'retry');
    }
    case 'server_error':
      return notice(`${host} failed while answering${failure.status ? ` (HTTP ${failure.status})` : ''}${detail}.`, 'retry', 'showLog');
    case 'bad_request':
      return notice(`${host} refused the request${failure.status ? ` (HTTP ${failure.status})` : ''}${detail}.`, 'showLog', 'openSettings');
    case 'incomplete':
      return notice(`the answer from ${host} stopped before it was finished${detail}. What arrived is kept and marked incomplete.`, 'retry');
    case 'insecure_declined':
      return notice(`sending code to ${host} over plain http was declined. Use https, or allow it.`, 'askAgain', 'openSettings');
    case 'redirected':
      return notice(`${host} redirected the request to another address, which is not followed. Set r1Local.remote.endpoint to the final URL.`, 'openSettings');
    case 'bad_endpoint':
      return notice(`${noticeText(failure.message)}.`, 'openSettings');
  }
}
