// Asks before code goes over plain http to another machine (the modal below); what is remembered,
// and for how long, is core/remote/consentMemory.ts's: an Allow per origin, a Cancel or dismissal
// for this window only. The rule is in core/remote/endpoint.ts.
import * as vscode from 'vscode';
import { ConsentMemory } from '../core/remote/consentMemory';
import type { EndpointFacts } from '../core/remote/endpoint';

export class InsecureConsent extends ConsentMemory {
  constructor(globalState: vscode.Memento) {
    super(globalState, async (facts: EndpointFacts) => {
      const allow = 'Allow';
      const choice = await vscode.window.showWarningMessage(
        `Send code to ${facts.origin}?`,
        {
          modal: true,
          detail: `r1Local.remote.endpoint uses plain http to another machine: your code, your questions and the API key cross the network unencrypted. Use https if the server offers it. An Allow is remembered for ${facts.origin}; otherwise this is asked again in the next window.`,
        },
        allow,
      );
      return choice === allow;
    });
  }
}
