// Where a remote endpoint points, and the one rule about sending code there: plain http to another
// machine crosses a network in clear text (the code, the question, the API key), so the user is
// asked once per endpoint; loopback never leaves the machine and is never asked about.
import { isLoopbackHost } from '../../../engine/common/net/loopback';

export interface EndpointFacts {
  /** scheme://host[:port], the key under which an answer or an API key is remembered. */
  origin: string;
  /** Host and, when not the scheme's default, port: what the status bar shows. */
  host: string;
  secure: boolean;
  loopback: boolean;
}

/** The endpoint's facts, or a reason it is not a usable base URL. */
export function parseEndpoint(endpoint: string): { ok: true; facts: EndpointFacts } | { ok: false; reason: string } {
  let url: URL;
  try {
    url = new URL(endpoint.trim());
  } catch {
    return { ok: false, reason: `r1Local.remote.endpoint is not a URL: "${endpoint}"` };
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    return { ok: false, reason: `r1Local.remote.endpoint must start with http:// or https:// (got ${url.protocol})` };
  }
  if (url.username || url.password) {
    // Credentials in a setting would sit in plain text in settings.json and in logs.
    return { ok: false, reason: 'r1Local.remote.endpoint must not contain a user name or password: use "R1 Local: Set Server API Key…"' };
  }
  return { ok: true, facts: { origin: url.origin, host: url.host, secure: url.protocol === 'https:', loopback: isLoopbackHost(url.hostname) } };
}

/** Whether sending to this endpoint needs the user's consent first. */
export function needsInsecureConsent(facts: EndpointFacts): boolean {
  return !facts.secure && !facts.loopback;
}

export type InsecureAnswer = 'allow' | 'deny';

/**
 * The decision for an endpoint given what was remembered: go ahead, refuse (declined before), or
 * ask. Answers are remembered per origin, so another port or host is asked about again.
 */
export function insecureDecision(facts: EndpointFacts, remembered: Readonly<Record<string, InsecureAnswer>>): 'send' | 'refuse' | 'ask' {
  if (!needsInsecureConsent(facts)) return 'send';
  const answer = remembered[facts.origin];
  if (answer === 'allow') return 'send';
  if (answer === 'deny') return 'refuse';
  return 'ask';
}
