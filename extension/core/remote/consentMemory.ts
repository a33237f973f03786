// The plain-http question's memory (the rule is endpoint.ts's insecureDecision): only an Allow is
// saved, per origin, in the editor's global state. A Cancel or a dismissed question (Escape, a
// click elsewhere) is kept for this window only, so the requests that follow (completions come on
// every keystroke) do not ask again at once; the next window, or "Ask Again…", asks again. A
// question already on screen is shared by every request that needs it.
import { insecureDecision, type EndpointFacts, type InsecureAnswer } from './endpoint';
import { RemoteFailure } from './remoteFailure';

export const ANSWERS_KEY = 'r1Local.remote.insecureAnswers';

/** The part of vscode.Memento used here. */
export interface AnswerStore {
  get<T>(key: string): T | undefined;
  update(key: string, value: unknown): PromiseLike<void>;
}

export class ConsentMemory {
  private readonly asking = new Map<string, Promise<boolean>>();
  /** Origins declined in this window: not saved. */
  private readonly declined = new Set<string>();

  /** `ask` shows the question; true only for an explicit Allow. */
  constructor(
    private readonly store: AnswerStore,
    private readonly ask: (facts: EndpointFacts) => PromiseLike<boolean>,
  ) {}

  /** Resolves when sending to the endpoint is allowed; throws `insecure_declined` when it is not. */
  async ensure(facts: EndpointFacts): Promise<void> {
    const remembered: Record<string, InsecureAnswer> = { ...this.allowed() };
    if (this.declined.has(facts.origin)) remembered[facts.origin] = 'deny';
    const decision = insecureDecision(facts, remembered);
    if (decision === 'send') return;
    if (decision === 'ask') {
      let question = this.asking.get(facts.origin);
      if (!question) {
        question = this.question(facts).finally(() => this.asking.delete(facts.origin));
        this.asking.set(facts.origin, question);
      }
      if (await question) return;
    }
    throw new RemoteFailure({ code: 'insecure_declined', message: `sending code to ${facts.origin} over plain http was declined` });
  }

  /** Forgets the answer for an origin, so the next request asks again ("Ask Again…"). */
  async forget(origin: string): Promise<void> {
    this.declined.delete(origin);
    const answers = { ...this.allowed() };
    delete answers[origin];
    await this.store.update(ANSWERS_KEY, answers);
  }

  private async question(facts: EndpointFacts): Promise<boolean> {
    const allowed = await this.ask(facts);
    if (!allowed) {
      this.declined.add(facts.origin);
      return false;
    }
    await this.store.update(ANSWERS_KEY, { ...this.allowed(), [facts.origin]: 'allow' });
    return true;
  }

  /** The saved Allows (a 'deny' an earlier version saved is not an answer any more: it is asked again). */
  private allowed(): Record<string, 'allow'> {
    const stored = this.store.get<unknown>(ANSWERS_KEY);
    if (!stored || typeof stored !== 'object') return {};
    return Object.fromEntries(Object.entries(stored).filter((e): e is [string, 'allow'] => e[1] === 'allow'));
  }
}
