// The choices "Download Model…" offers: the model the settings name first, then every catalogue
// variant with its role and approximate size. Pure (no `vscode`), so it is unit-tested in Node.

import { CATALOGUE, approximateVariantBytes, filesForVariant, findCatalogueModel, formatBytes } from '../../engine/download';
import type { ModelRole, ModelSource } from '../../engine/download';

export interface ModelChoice {
  label: string;
  description: string;
  detail?: string;
  source: ModelSource;
  role: ModelRole;
}

export interface HubSettings {
  endpoint: string;
  repo: string;
  revision: string;
  variant: string;
}

export function modelChoices(settings: HubSettings): ModelChoice[] {
  const configured = configuredChoice(settings);
  const choices: ModelChoice[] = [configured];
  for (const model of CATALOGUE) {
    for (const variant of model.variants) {
      if (model.repo === settings.repo && variant.id === settings.variant) continue;
      const approx = approximateVariantBytes(variant.files);
      choices.push({
        label: `${model.displayName} — ${variant.id}`,
        description: `${model.role === 'completion' ? 'completion model' : 'chat model'}, about ${formatBytes(approx)}`,
        detail: `${model.repo} · ${variant.description}`,
        source: { endpoint: settings.endpoint, repo: model.repo, revision: settings.revision || 'main', variant: variant.id },
        role: model.role,
      });
    }
  }
  return choices;
}

function configuredChoice(settings: HubSettings): ModelChoice {
  const model = findCatalogueModel(settings.repo);
  let size = '';
  try {
    const approx = approximateVariantBytes(filesForVariant(settings.repo, settings.variant));
    if (approx > 0) size = `, about ${formatBytes(approx)}`;
  } catch {
    size = ' (unknown variant: the download will say which exist)';
  }
  return {
    label: `$(star-full) ${settings.repo} — ${settings.variant}`,
    description: `from your settings${size}`,
    detail: `${settings.endpoint} @ ${settings.revision}`,
    source: { ...settings },
    role: model?.role ?? 'chat',
  };
}
