// `--endpoint URL` and its companions for chat and explain: the options that send the question to
// an OpenAI-compatible server (or Ollama's native API) instead of loading a model here.
import type { RemoteApi, RemoteEndpointConfig } from '../remote/remoteTypes';
import { UsageError } from './command';
import { intOption } from './options';

type Values = Record<string, string | boolean | string[] | boolean[] | undefined>;

export const REMOTE_OPTIONS = {
  endpoint: { type: 'string' },
  'remote-model': { type: 'string' },
  'remote-api': { type: 'string' },
  'api-key': { type: 'string' },
  'timeout-ms': { type: 'string' },
  json: { type: 'boolean', default: false },
} as const;

export const REMOTE_USAGE = `       r1-local %s --endpoint URL [--remote-model NAME] [--remote-api openai|ollama] [--api-key KEY] [--timeout-ms N] [--json] …
         (the key may come from R1_LOCAL_API_KEY instead; without --remote-model the server's first model answers)`;

export const DEFAULT_TIMEOUT_MS = 60_000;
const APIS: readonly RemoteApi[] = ['openai', 'ollama'];

/** The endpoint to ask, or undefined to run the local model. Remote-only flags without --endpoint are a usage error. */
export function remoteConfig(values: Values, env: NodeJS.ProcessEnv = process.env): RemoteEndpointConfig | undefined {
  const raw = values.endpoint;
  if (raw === undefined) {
    const stray = ['remote-model', 'remote-api', 'api-key', 'timeout-ms'].find((name) => values[name] !== undefined) ?? (values.json === true ? 'json' : undefined);
    if (stray) throw new UsageError(`--${stray} needs --endpoint URL.`);
    return undefined;
  }
  if (values.model !== undefined) throw new UsageError('--model (a local model) and --endpoint (a server) exclude each other.');
  if (typeof raw !== 'string') throw new UsageError('--endpoint needs a URL.');
  const api = values['remote-api'] ?? 'openai';
  if (!APIS.includes(api as RemoteApi)) throw new UsageError(`--remote-api must be one of ${APIS.join(', ')}, got ${JSON.stringify(api)}.`);
  const model = values['remote-model'];
  const key = values['api-key'] ?? env.R1_LOCAL_API_KEY;
  return {
    baseUrl: endpointUrl(raw),
    api: api as RemoteApi,
    ...(typeof key === 'string' && key.length > 0 ? { apiKey: key } : {}),
    chatModel: typeof model === 'string' ? model : '',
    completionModel: '',
    fim: 'auto',
    firstByteTimeoutMs: intOption(values, 'timeout-ms', 1) ?? DEFAULT_TIMEOUT_MS,
  };
}

/** http(s) only; a bare origin (`http://host:8000`) gets the `/v1` every supported server serves under. */
export function endpointUrl(raw: string): string {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new UsageError(`--endpoint must be a URL like http://127.0.0.1:8000/v1, got ${JSON.stringify(raw)}.`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new UsageError(`--endpoint must be http:// or https://, got ${JSON.stringify(raw)}.`);
  const base = url.href.replace(/\/+$/, '');
  return url.pathname === '/' ? `${base}/v1` : base;
}
