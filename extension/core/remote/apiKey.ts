// "R1 Local: Set Server API Key…" without VS Code: which secret the key is stored under, and the
// command's flow with the editor's input box, secret storage and log passed in. The key is kept per
// server origin, so a key typed for one server is never sent to another after the endpoint changes;
// it is never written to settings, the log or a message.
import type { Logger } from '../logger';
import { parseEndpoint } from './endpoint';

const SECRET_PREFIX = 'r1Local.remote.apiKey:';

/** The SecretStorage key of the API key for an origin (scheme://host:port). */
export function apiKeySecretName(origin: string): string {
  return `${SECRET_PREFIX}${origin}`;
}

export interface SecretStore {
  get(name: string): Thenable<string | undefined>;
  store(name: string, value: string): Thenable<void>;
  delete(name: string): Thenable<void>;
}

export interface SetApiKeyDeps {
  /** r1Local.remote.endpoint as configured. */
  endpoint: string;
  secrets: SecretStore;
  /** Asks for the key (a password box); undefined when the user cancels. */
  ask(prompt: string, hasKey: boolean): Thenable<string | undefined>;
  /** Tells the user what happened (never with the key). */
  notify(message: string): void;
  log: Logger;
}

export type SetApiKeyResult = 'set' | 'cleared' | 'cancelled' | 'bad_endpoint';

export async function setServerApiKey(deps: SetApiKeyDeps): Promise<SetApiKeyResult> {
  const parsed = parseEndpoint(deps.endpoint);
  if (!parsed.ok) {
    deps.notify(`R1 Local: ${parsed.reason}. Set the endpoint first, then the key.`);
    return 'bad_endpoint';
  }
  const { origin } = parsed.facts;
  const name = apiKeySecretName(origin);
  const hasKey = (await deps.secrets.get(name)) !== undefined;
  const typed = await deps.ask(`API key for ${origin} (sent as "Authorization: Bearer …"). Leave empty to remove the stored key.`, hasKey);
  if (typed === undefined) return 'cancelled';
  const key = typed.trim();
  if (key === '') {
    await deps.secrets.delete(name);
    deps.log.info(`remote: API key for ${origin} removed`);
    deps.notify(`R1 Local: the API key for ${origin} was removed.`);
    return 'cleared';
  }
  await deps.secrets.store(name, key);
  deps.log.info(`remote: API key for ${origin} stored`);
  deps.notify(`R1 Local: the API key for ${origin} is stored in the system keychain.`);
  return 'set';
}
