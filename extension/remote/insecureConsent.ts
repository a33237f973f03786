// Asks, once per endpoint, before code goes over plain http to another machine: the answer (Allow or
// Cancel) is remembered in globalState per origin, and a question already on screen is shared by
// every request that needs it (completions arrive on each keystroke). The rule is in core/remote/endpoint.ts.
import * as vscode from 'vscode';
import { insecureDecision, type EndpointFacts, type InsecureAnswer } from '../core/remote/endpoint';
import { RemoteFailure } from '../core/remote/remoteFailure';

const ANSWERS_KEY = 'r1Local.remote.insecureAnswers';

export class InsecureConsent {
  private readonly asking = new Map<string, Promise<InsecureAnswer>>();

  constructor(private readonly globalState: vscode.Memento) {}

  /** Resolves when sending to the endpoint is allowed; throws `insecure_declined` when it is not. */
  async ensure(facts: EndpointFacts): Promise<void> {
    const decision = insecureDecision(facts, this.answers());
    if (decision === 'send') return;
    if (decision === 'ask') {
      let question = this.asking.get(facts.origin);
      if (!question) {
        question = this.ask(facts).finally(() => this.asking.delete(facts.origin));
        this.asking.set(facts.origin, question);
      }
      if ((await question) === 'allow') return;
    }
    throw new RemoteFailure({ code: 'insecure_declined', message: `sending code to ${facts.origin} over plain http was declined` });
  }

  /** Forgets the answer for an origin, so the next request asks again ("Ask Again…"). */
  async forget(origin: string): Promise<void> {
    const answers = { ...this.answers() };
    delete answers[origin];
    await this.globalState.update(ANSWERS_KEY, answers);
  }

  private answers(): Record<string, InsecureAnswer> {
    const stored = this.globalState.get<unknown>(ANSWERS_KEY);
    if (!stored || typeof stored !== 'object') return {};
    return Object.fromEntries(Object.entries(stored).filter((e): e is [string, InsecureAnswer] => e[1] === 'allow' || e[1] === 'deny'));
  }

  private async ask(facts: EndpointFacts): Promise<InsecureAnswer> {
    const allow = 'Allow';
    const choice = await vscode.window.showWarningMessage(
      `Send code to ${facts.origin}?`,
      {
        modal: true,
        detail: `r1Local.remote.endpoint uses plain http to another machine: your code, your questions and the API key cross the network unencrypted. Use https if the server offers it. This is asked once for ${facts.origin}.`,
      },
      allow,
    );
    const answer: InsecureAnswer = choice === allow ? 'allow' : 'deny';
    await this.globalState.update(ANSWERS_KEY, { ...this.answers(), [facts.origin]: answer });
    return answer;
  }
}
