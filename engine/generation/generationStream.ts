// The one shape of "generate this request": a stream of events that ends when the signal aborts.
// The engine, the engine host's runner and every extension backend share it, so a consumer never
// cares which of them it is talking to.
import type { GenerationEvent, GenerationRequest } from '../types';

export interface GenerationStream {
  generate(request: GenerationRequest, signal: AbortSignal): AsyncIterable<GenerationEvent>;
}
