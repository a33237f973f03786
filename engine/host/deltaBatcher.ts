// Deltas of a request produced within a short window go out as one message: a fast model makes
// thousands of steps a second, and the extension host should not wake for each. Anything else about
// a request (its done event, an error) is sent only after that request's held deltas.
import type { GenerationEvent } from '../types';
import type { HostMessage } from './protocol';

type Delta = Extract<GenerationEvent, { type: 'delta' }>;

export class DeltaBatcher {
  private readonly held = new Map<number, Delta>();
  private timer: NodeJS.Timeout | undefined;

  /** `windowMs` 0 sends every event at once. */
  constructor(
    private readonly windowMs: number,
    private readonly send: (message: HostMessage) => void,
  ) {}

  /** Sends or holds an event of request `id`; a non-delta first releases what is held. */
  event(id: number, event: GenerationEvent): void {
    if (event.type !== 'delta' || this.windowMs <= 0) {
      this.flush(id);
      this.send({ type: 'event', id, event });
      return;
    }
    const held = this.held.get(id);
    if (held && held.channel === event.channel) {
      held.text += event.text;
      held.tokenIds.push(...event.tokenIds);
    } else {
      this.flush(id);
      this.held.set(id, { ...event, tokenIds: [...event.tokenIds] });
    }
    this.timer ??= setTimeout(() => this.flushAll(), this.windowMs);
  }

  /** Sends request `id`'s held deltas; call before any other message about it. */
  flush(id: number): void {
    const held = this.held.get(id);
    if (!held) return;
    this.held.delete(id);
    this.send({ type: 'event', id, event: held });
  }

  private flushAll(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
    for (const id of [...this.held.keys()]) this.flush(id);
  }
}
