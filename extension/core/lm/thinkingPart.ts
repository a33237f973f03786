// LanguageModelThinkingPart is still a proposed API: @types/vscode does not declare it, and an
// extension without `enabledApiProposals` cannot rely on it. VS Code 1.139 nevertheless exposes the
// constructor and delivers such parts to callers, so the provider looks for it at run time and, when
// absent, leaves the reasoning out (it must never leak into the answer text).

/** The constructor's shape as VS Code defines it: a text value (or several), an optional id and metadata. */
export type ThinkingPartConstructor = new (value: string | string[], id?: string, metadata?: { readonly [key: string]: unknown }) => object;

/** The one narrow cast: the constructor on the `vscode` namespace when this VS Code has it. */
export function findThinkingPart(vscodeNamespace: object): ThinkingPartConstructor | undefined {
  const candidate = (vscodeNamespace as { LanguageModelThinkingPart?: unknown }).LanguageModelThinkingPart;
  return typeof candidate === 'function' ? (candidate as ThinkingPartConstructor) : undefined;
}
