// The one thing the completion pipeline needs from the engine: a cancellable stream of events.
// The extension's engine client provides it (its VS Code CancellationToken is made from the
// signal at the edge); tests provide fakes or a client of a real engine host.
import type { GenerationEvent, GenerationRequest } from '../../engine/types';

export interface CompletionEngine {
  generate(request: GenerationRequest, signal: AbortSignal): AsyncIterable<GenerationEvent>;
}
