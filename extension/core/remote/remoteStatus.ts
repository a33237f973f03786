// The status bar for a remote backend: which server and model answer, in the item's text; the
// endpoint, the API and the last error in its tooltip. Pure, like statusView.ts, which calls it.
import type { BackendState } from '../generationBackend';

export interface RemoteStatusView {
  text: string;
  tooltip: string;
  error: boolean;
}

/** The host without its port: the item's text is short, the tooltip has the whole endpoint. */
function shortHost(host: string): string {
  return host.startsWith('[') ? host.slice(0, host.indexOf(']') + 1) : host.replace(/:\d+$/, '');
}

export function describeRemoteStatus(
  state: Extract<BackendState, { kind: 'remote' }>,
  completion: { running: boolean; loadingModel?: boolean } | undefined,
): RemoteStatusView {
  const { server, phase, lastError } = state;
  const name = server.model ? `${shortHost(server.host)} · ${server.model}` : shortHost(server.host);
  const model = server.model ? `Model: ${server.model}.` : "Model: the server's first, chosen on first use.";
  const lines = [`R1 Local: a ${server.backendName} server answers, at ${server.endpoint} (${server.api} API).`, model];
  if (lastError) lines.push(`Last error: ${lastError}`);
  const tooltip = lines.join('\n');
  if (phase === 'connecting' || completion?.loadingModel) return { text: `$(sync~spin) R1 ${name}`, tooltip, error: false };
  if (phase === 'generating' || completion?.running) return { text: `$(cloud-upload) R1 ${name}`, tooltip, error: false };
  if (lastError) return { text: `$(error) R1 ${name}`, tooltip, error: true };
  return { text: `$(cloud) R1 ${name}`, tooltip, error: false };
}
