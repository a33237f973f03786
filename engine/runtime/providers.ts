// Which execution providers to try, in order, for a requested one. Pure: the platform and the list
// of providers this onnxruntime-node build bundles are parameters, so every branch is testable here.
import type { ExecutionProviderName } from '../types';

export type ConcreteProvider = Exclude<ExecutionProviderName, 'auto'>;

export interface BackendInfo {
  name: string;
  bundled: boolean;
}

export interface ProviderPlan {
  /** Providers to try in order; always ends with cpu. */
  attempts: ConcreteProvider[];
  /** Providers skipped before trying, with why (not bundled for this platform). */
  skipped: { provider: ConcreteProvider; reason: string }[];
}

const AUTO_ORDER: Record<string, ConcreteProvider[]> = {
  win32: ['dml'],
  darwin: ['coreml'],
  linux: ['cuda', 'webgpu'],
};

export function planProviders(requested: ExecutionProviderName, platform: string, backends: readonly BackendInfo[]): ProviderPlan {
  const available = new Set(backends.filter((b) => b.bundled).map((b) => b.name));
  const wanted: ConcreteProvider[] = requested === 'auto' ? (AUTO_ORDER[platform] ?? []) : requested === 'cpu' ? [] : [requested];
  const attempts: ConcreteProvider[] = [];
  const skipped: ProviderPlan['skipped'] = [];
  for (const provider of wanted) {
    if (available.has(provider)) attempts.push(provider);
    else {
      const known = backends.some((b) => b.name === provider);
      skipped.push({
        provider,
        reason: known
          ? `${provider} is not installed with this onnxruntime-node (its libraries are downloaded separately)`
          : `${provider} is not available in onnxruntime-node on ${platform}`,
      });
    }
  }
  attempts.push('cpu');
  return { attempts, skipped };
}
