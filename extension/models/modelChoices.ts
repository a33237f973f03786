// The choices "Download Model…" offers: the model the settings name first, then every catalogue
// variant with its role, approximate size and a short speed note; variants whose files nobody has
// confirmed say "(unverified)". Pure (no `vscode`), so it is unit-tested in Node.

import { CATALOGUE, approximateVariantBytes, filesForVariant, findCatalogueModel, findVariant, formatBytes } from '../../engine/download';
import type { CatalogueVariant, ModelRole, ModelSource } from '../../engine/download';

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
      if (sameRepo(model.repo, settings.repo) && findVariant(model, settings.variant) === variant) continue;
      choices.push({
        label: `${model.displayName} — ${variant.id}`,
        description: `${model.role === 'completion' ? 'completion model' : 'chat model'}, ${variantFacts(variant)}`,
        detail: `${model.repo} · ${variant.description}`,
        source: { endpoint: settings.endpoint, repo: model.repo, revision: settings.revision || 'main', variant: variant.id },
        role: model.role,
      });
    }
  }
  return choices;
}

/** Size (marked when it is an estimate), the speed note, and "(unverified)" when nobody has seen the files. */
export function variantFacts(variant: CatalogueVariant): string {
  const approx = approximateVariantBytes(variant.files);
  const parts = [`about ${formatBytes(approx)}${variant.sizeEstimated ? ' (estimated)' : ''}`];
  if (variant.speedNote) parts.push(variant.speedNote);
  return parts.join(' · ') + (variant.unverified ? ' (unverified)' : '');
}

function sameRepo(a: string, b: string): boolean {
  return a.toLowerCase() === b.toLowerCase();
}

function configuredChoice(settings: HubSettings): ModelChoice {
  const model = findCatalogueModel(settings.repo);
  const variant = model && findVariant(model, settings.variant);
  let size = '';
  try {
    const approx = approximateVariantBytes(filesForVariant(settings.repo, settings.variant));
    if (variant) size = `, ${variantFacts(variant)}`;
    else if (approx > 0) size = `, about ${formatBytes(approx)}`;
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
