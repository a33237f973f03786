// What the local engine reports as its state: the lifecycle plus live telemetry, derived on read
// so the two can never disagree.
import type { ModelInfo } from '../../engine/types';
import type { BackendCapabilities, BackendState } from '../core/generationBackend';
import type { Lifecycle } from './lifecycle';
import type { TelemetrySnapshot } from './telemetry';

export function engineState(lifecycle: Lifecycle, telemetry: TelemetrySnapshot): BackendState {
  const { phase } = lifecycle;
  switch (phase.kind) {
    case 'none':
    case 'stopping':
      return { kind: 'stopped' };
    case 'starting':
      return { kind: 'starting' };
    case 'restarting':
      return { kind: 'restarting', reason: phase.reason, delayMs: phase.delayMs };
    case 'gaveUp':
      return { kind: 'unavailable', reason: phase.reason };
    case 'running': {
      const { model } = phase;
      if (model.kind === 'none') return { kind: 'starting' };
      if (model.kind === 'loading') return { kind: 'loading', modelPath: model.modelPath };
      if (model.kind === 'failed') return { kind: 'error', reason: model.reason };
      if (telemetry.generating) return { kind: 'generating', model: model.info, tokensPerSecond: telemetry.tokensPerSecond };
      return { kind: 'ready', model: model.info, rssBytes: telemetry.rssBytes, sharedWith: telemetry.sharedWith };
    }
  }
}

/**
 * What a local model can do. Only Qwen2.5-Coder models were trained for fill-in-the-middle: R1
 * distills carry the FIM tokens because their tokenizer is Qwen's, and given them they produce
 * noise. The engine host counts tokens with the model's own tokenizer (`countTokens`).
 */
export function localCapabilities(info: ModelInfo): BackendCapabilities {
  const coder = /coder/i.test(info.modelName ?? '');
  return {
    modelName: info.modelName ?? info.modelPath,
    fim: coder ? info.fimTokens : undefined,
    reasoning: !coder,
    tokenCount: true,
  };
}
