// `r1-local serve`: the engine behind an OpenAI-compatible HTTP API (engine/serve/), so teammates'
// editors (R1 Local's openai-compatible backend, or any OpenAI client) can use one machine's model.
import { parseArgs } from 'node:util';
import { Engine } from '../engine';
import { bindRefusal } from '../serve/auth';
import { DEFAULT_MAX_BODY_BYTES } from '../serve/readBody';
import { ApiServer } from '../serve/server';
import { EXIT_INTERRUPTED, EXIT_OK, UsageError, type CliCommand } from './command';
import { intOption, providerOption, requiredString } from './options';

const USAGE = `usage: r1-local serve --model DIR [--host 127.0.0.1] [--port 8080] [--api-key KEY] [--max-queue N]
         [--max-tokens N] [--served-model-name NAME] [--max-body-bytes N] [--drain-timeout SECONDS]
         [--ep auto|cpu|cuda|dml|coreml|webgpu] [--threads N] [--as-exported]
  Serves GET /v1/models, POST /v1/chat/completions and POST /v1/completions; prints
  "listening on http://HOST:PORT" once the model is loaded. One request generates at a time;
  --max-queue more may wait (default 8; 0: none wait), any beyond get 429. --max-tokens caps
  max_tokens (default: what fits in the context). Binding to an address other than loopback needs
  an API key: --api-key KEY, or R1_LOCAL_API_KEY in the environment (which keeps it out of the
  process list). Limits: headers within 10 s, a whole request within 60 s, at most 64 connections;
  a stream whose client stops reading for 30 s is cut. SIGINT/SIGTERM stop accepting, let running
  requests finish (--drain-timeout, default 30) and exit.`;

async function run(args: string[]): Promise<number> {
  let values;
  try {
    values = parseArgs({
      args,
      options: {
        model: { type: 'string' },
        host: { type: 'string', default: '127.0.0.1' },
        port: { type: 'string', default: '8080' },
        'api-key': { type: 'string' },
        'max-queue': { type: 'string' },
        'max-tokens': { type: 'string' },
        'served-model-name': { type: 'string' },
        'max-body-bytes': { type: 'string' },
        'drain-timeout': { type: 'string' },
        ep: { type: 'string' },
        threads: { type: 'string' },
        'as-exported': { type: 'boolean', default: false },
      },
      strict: true,
      allowPositionals: false,
    }).values;
  } catch (err) {
    throw new UsageError((err as Error).message);
  }
  const modelPath = requiredString(values, 'model');
  const host = values.host;
  const port = intOption(values, 'port', 0)!;
  if (port > 65535) throw new UsageError(`--port must be at most 65535, got ${port}.`);
  const apiKey = values['api-key'] ?? (process.env.R1_LOCAL_API_KEY || undefined);
  if (apiKey !== undefined && apiKey.trim() === '') throw new UsageError('--api-key must not be empty.');
  const refusal = bindRefusal(host, apiKey);
  if (refusal) throw new UsageError(refusal);
  const executionProvider = providerOption(values);
  const threads = intOption(values, 'threads', 1);
  const rewriteGraph = values['as-exported'] !== true;

  const server = await ApiServer.start({
    host,
    port,
    apiKey,
    maxQueue: intOption(values, 'max-queue', 0) ?? 8,
    maxTokensCap: intOption(values, 'max-tokens', 1),
    maxBodyBytes: intOption(values, 'max-body-bytes', 1024) ?? DEFAULT_MAX_BODY_BYTES,
    modelName: values['served-model-name'],
    drainTimeoutMs: (intOption(values, 'drain-timeout', 0) ?? 30) * 1000,
    load: { modelPath, executionProvider, threads },
    loadEngine: async (options) => {
      const engine = await Engine.load({ ...options, rewriteGraph });
      const { runtime, fallbackReason, executionProvider: ep } = engine.info;
      if (runtime.reason) process.stderr.write(`note: graph ${runtime.graph}, KV cache ${runtime.kvCache}: ${runtime.reason}\n`);
      if (fallbackReason) process.stderr.write(`note: running on ${ep}: ${fallbackReason}\n`);
      return engine;
    },
  });
  process.stderr.write(`serving ${server.modelId}${apiKey ? ' (API key required)' : ''}\n`);
  process.stdout.write(`listening on ${server.url}\n`);

  const signal = await new Promise<NodeJS.Signals>((resolve) => {
    process.once('SIGINT', () => resolve('SIGINT'));
    process.once('SIGTERM', () => resolve('SIGTERM'));
  });
  process.stderr.write(`${signal}: draining (a second signal exits at once)\n`);
  const forced = new Promise<number>((resolve) => {
    const now = () => resolve(EXIT_INTERRUPTED);
    process.once('SIGINT', now);
    process.once('SIGTERM', now);
  });
  const code = await Promise.race([server.drain().then(() => EXIT_OK), forced]);
  if (code !== EXIT_OK) process.exit(code);
  return code;
}

export const command: CliCommand = { summary: 'serve the model over an OpenAI-compatible HTTP API', usage: USAGE, run };
