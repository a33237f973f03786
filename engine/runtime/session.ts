// Creates the onnxruntime session on the best execution provider that actually works, falling back
// to the CPU provider, and says which one it got and why it is not the one asked for. Providers fail
// in different ways (missing libraries, no GPU adapter, unsupported ops), so each is tried for real.
import * as ort from 'onnxruntime-node';
import { ModelLoadError } from '../model/modelLoadError';
import { planProviders, type ConcreteProvider } from './providers';
import type { ExecutionProviderName } from '../types';

export interface SessionOptions {
  requested: ExecutionProviderName;
  threads: number;
}

export interface CreatedSession {
  session: ort.InferenceSession;
  provider: ConcreteProvider;
  /** Set when the session runs on another provider than the first one wanted. */
  fallbackReason?: string;
}

/** First line of a native error, without the build path noise, short enough for a status bar. */
function summarize(err: unknown): string {
  const text = err instanceof Error ? err.message : String(err);
  const line = text.split('\n').find((l) => l.trim().length > 0) ?? text;
  const tail = line.replace(/^.*?\/onnxruntime_src\/\S+\s+/, '').trim();
  return tail.length > 300 ? `${tail.slice(0, 297)}...` : tail;
}

function sessionOptions(provider: ConcreteProvider, threads: number): ort.InferenceSession.SessionOptions {
  return {
    executionProviders: [provider],
    intraOpNumThreads: threads,
    // One request runs at a time and the graph is a single chain of layers: extra inter-op threads only compete.
    interOpNumThreads: 1,
    executionMode: 'sequential',
    graphOptimizationLevel: 'all',
    logSeverityLevel: 3,
  };
}

export function bundledBackends(): { name: string; bundled: boolean }[] {
  return ort.listSupportedBackends();
}

export async function createSession(onnxPath: string, options: SessionOptions): Promise<CreatedSession> {
  const plan = planProviders(options.requested, process.platform, bundledBackends());
  const reasons = plan.skipped.map((s) => s.reason);
  for (const provider of plan.attempts) {
    try {
      const session = await ort.InferenceSession.create(onnxPath, sessionOptions(provider, options.threads));
      const fallback = provider !== 'cpu' || options.requested === 'cpu' || reasons.length === 0 ? undefined : reasons.join('; ');
      return { session, provider, fallbackReason: fallback };
    } catch (err) {
      if (provider === 'cpu') {
        throw new ModelLoadError('session-failed', `onnxruntime could not load the model: ${summarize(err)}`);
      }
      reasons.push(`${provider} failed: ${summarize(err)}`);
    }
  }
  // planProviders always ends with cpu, which either returns or throws above.
  throw new Error('unreachable: the provider plan did not end with cpu');
}
