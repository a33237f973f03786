// Makes the remote backend for the current settings: endpoint and models from r1Local.remote.*, the
// API key from SecretStorage (per origin), consent for plain http, and the protocol client of
// engine/remote. The backend switch calls this again after any of them changes.
import type * as vscode from 'vscode';
import { createRemoteGenerator } from '../../engine/remote/remoteClient';
import type { Logger } from '../core/logger';
import { apiKeySecretName } from '../core/remote/apiKey';
import { RemoteBackend, type RemoteSettings } from '../core/remote/remoteBackend';
import type { Settings } from '../settings';
import type { InsecureConsent } from './insecureConsent';

export function remoteSettingsFrom(settings: Settings): RemoteSettings {
  return {
    endpoint: settings.get('remote.endpoint'),
    api: settings.get('remote.api'),
    chatModel: settings.get('remote.chatModel').trim(),
    completionModel: settings.get('remote.completionModel').trim(),
    fim: settings.get('remote.fim'),
    timeoutMs: settings.get('remote.timeoutMs'),
  };
}

export function createRemoteBackend(settings: Settings, secrets: vscode.SecretStorage, consent: InsecureConsent, log: Logger): RemoteBackend {
  return new RemoteBackend({
    settings: remoteSettingsFrom(settings),
    authorize: async (facts) => {
      await consent.ensure(facts);
      const apiKey = await secrets.get(apiKeySecretName(facts.origin));
      return { apiKey: apiKey || undefined };
    },
    createGenerator: createRemoteGenerator,
    log,
  });
}
