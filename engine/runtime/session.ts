// Creates the onnxruntime session on the best execution provider that actually works, falling back
// to the CPU provider, and says which one it got and why it is not the one asked for. Providers fail
// in different ways (missing libraries, no GPU adapter, unsupported ops), so each is tried for real.
import * as ort from 'onnxruntime-node';
import { ModelLoadError } from '../model/modelLoadError';
import { createCpuSession, type SavedCopy } from './prepackedWeights';
import { planProviders, type ConcreteProvider } from './providers';
import type { ExecutionProviderName, WeightsPath } from '../types';

export interface SessionOptions {
  requested: ExecutionProviderName;
  threads: number;
  /** On the CPU provider, map the pre-packed weights an earlier load saved, or save them (prepackedWeights.ts). Default true. */
  prepackedWeights?: boolean;
}

export interface CreatedSession {
  session: ort.InferenceSession;
  provider: ConcreteProvider;
  /** Set when the session runs on another provider than the first one wanted. */
  fallbackReason?: string;
  /** How the CPU provider holds its pre-packed weights; absent on other providers. */
  weights?: WeightsPath;
  /** The copy of the pre-packed weights this load saved, to be verified before later loads map it. */
  savedCopy?: SavedCopy;
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
      const base = sessionOptions(provider, options.threads);
      const fallback = provider !== 'cpu' || options.requested === 'cpu' || reasons.length === 0 ? undefined : reasons.join('; ');
      if (provider === 'cpu') {
        const cpu = options.prepackedWeights === false ? { session: await ort.InferenceSession.create(onnxPath, base), weights: { mode: 'heap' as const, reason: 'saving them is turned off' } } : await createCpuSession(onnxPath, base);
        return { ...cpu, provider, fallbackReason: fallback };
      }
      return { session: await ort.InferenceSession.create(onnxPath, base), provider, fallbackReason: fallback };
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
