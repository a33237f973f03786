// R1 Local's models in VS Code's Language Model API: the model picker (with Copilot Chat) and
// `vscode.lm.selectChatModels({ vendor: 'r1-local' })` for any extension. While r1Local.backend
// chooses a server, the list is the server's model and requests go there. Requests go through the
// same GenerationBackend as the side-bar chat, as `chat` requests, so they queue behind inline
// completions and never open a second path to the engine. The editor-free rules live in core/lm/.
import * as vscode from 'vscode';
import type { ChatGenerationSettings } from '../core/chat/promptBuilder';
import type { GenerationBackend } from '../core/generationBackend';
import type { Logger } from '../core/logger';
import { toEngineMessages } from '../core/lm/lmMessages';
import { estimateTokens, listLmModels, type LmModelEntry, type LmModelRole, type RemoteModelSource } from '../core/lm/lmModels';
import { responseParts, type LmResponsePart } from '../core/lm/lmParts';
import { buildLmRequest, readModelOptions } from '../core/lm/lmRequest';
import { findThinkingPart, type ThinkingPartConstructor } from '../core/lm/thinkingPart';
import { fromVscodeMessage } from './vscodeMessages';

export const LM_VENDOR = 'r1-local';

/** What VS Code gets per model; `isUserSelectable` (1.120+) is newer than @types/vscode 1.104. */
export type LocalModelInformation = vscode.LanguageModelChatInformation & { isUserSelectable: boolean; entry: LmModelEntry };

export interface ProviderDependencies {
  log: Logger;
  /** The configured folders: `r1Local.modelPath` and `r1Local.completions.modelPath`. */
  modelPaths(): { chat: string; completion: string };
  /** The remote backend while r1Local.backend chooses a server; undefined for the local engine. */
  remote(): RemoteModelSource | undefined;
  /** The backend that runs each role's model: the shared engine, and the completions' own. */
  backendFor(role: LmModelRole): GenerationBackend;
  generationSettings(): ChatGenerationSettings;
  /** Fired when the list may have changed (settings, workspace trust). */
  onDidChangeModels: vscode.Event<void>;
}

function describeError(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}

export class LocalChatModelProvider implements vscode.LanguageModelChatProvider<LocalModelInformation> {
  readonly onDidChangeLanguageModelChatInformation: vscode.Event<void>;
  /** Looked up once: the proposed part is on the namespace of VS Code 1.139, absent elsewhere. */
  private readonly thinkingPart: ThinkingPartConstructor | undefined = findThinkingPart(vscode);

  constructor(private readonly deps: ProviderDependencies) {
    this.onDidChangeLanguageModelChatInformation = deps.onDidChangeModels;
  }

  async provideLanguageModelChatInformation(): Promise<LocalModelInformation[]> {
    const entries = await listLmModels({
      modelPaths: () => this.deps.modelPaths(),
      remote: () => this.deps.remote(),
    });
    const models = entries.map(toInformation);
    this.deps.log.debug(`vscode.lm: offering ${models.map((m) => m.id).join(', ') || 'no model'}`);
    return models;
  }

  async provideLanguageModelChatResponse(
    model: LocalModelInformation,
    messages: readonly vscode.LanguageModelChatRequestMessage[],
    options: vscode.ProvideLanguageModelChatResponseOptions,
    progress: vscode.Progress<vscode.LanguageModelResponsePart>,
    token: vscode.CancellationToken,
  ): Promise<void> {
    const { log } = this.deps;
    const converted = toEngineMessages(messages.map(fromVscodeMessage));
    for (const line of converted.ignored) log.info(`vscode.lm: ${line}`);
    if (options.tools?.length) log.info(`vscode.lm: ${options.tools.length} tools ignored: ${model.name} does not call tools`);
    if (converted.messages.length === 0) throw new Error('R1 Local: the request has no text message to answer.');
    const request = buildLmRequest(converted.messages, readModelOptions(options.modelOptions), this.deps.generationSettings(), model.maxInputTokens);
    const abort = new AbortController();
    const cancelled = token.onCancellationRequested(() => abort.abort());
    if (token.isCancellationRequested) abort.abort();
    let parts = 0;
    try {
      for await (const event of this.deps.backendFor(model.entry.role).generate(request, abort.signal)) {
        for (const part of responseParts(event, this.thinkingPart !== undefined)) {
          progress.report(this.toVscodePart(part));
          parts++;
        }
        if (event.type === 'done') log.info(`vscode.lm: ${model.id} finished (${event.finishReason}) after ${parts} parts, ${event.stats.generatedTokens} tokens`);
      }
    } catch (e) {
      if (abort.signal.aborted) return;
      log.warn(`vscode.lm: ${model.id} failed: ${describeError(e)}`);
      throw new Error(`R1 Local could not answer: ${describeError(e)}`, { cause: e });
    } finally {
      cancelled.dispose();
    }
    if (abort.signal.aborted) log.info(`vscode.lm: ${model.id} request stopped by its caller after ${parts} parts`);
  }

  /** responseParts() yields thinking parts only when the constructor was found. */
  private toVscodePart(part: LmResponsePart): vscode.LanguageModelResponsePart {
    if (part.kind === 'text' || !this.thinkingPart) return new vscode.LanguageModelTextPart(part.text);
    // Not in @types/vscode 1.104's response part union; VS Code's progress sink accepts it at run time.
    return new this.thinkingPart(part.text) as unknown as vscode.LanguageModelResponsePart;
  }

  async provideTokenCount(model: LocalModelInformation, text: string | vscode.LanguageModelChatRequestMessage): Promise<number> {
    const backend = this.deps.backendFor(model.entry.role);
    // A server counts with its own tokenizer, and only what it was sent: estimate from characters.
    const estimate = model.entry.server !== undefined || !backend.countTokens || backend.capabilities?.tokenCount === false;
    if (typeof text === 'string') return estimate ? estimateTokens(text) : backend.countTokens!({ type: 'text', text });
    const [message] = toEngineMessages([fromVscodeMessage(text)]).messages;
    if (!message) return 0;
    return estimate ? estimateTokens(message.content) : backend.countTokens!({ type: 'message', message });
  }
}

function toInformation(entry: LmModelEntry): LocalModelInformation {
  return {
    id: entry.id,
    name: entry.name,
    family: entry.family,
    version: entry.version,
    maxInputTokens: entry.maxInputTokens,
    maxOutputTokens: entry.maxOutputTokens,
    detail: entry.server ? entry.server.host : 'local',
    tooltip: entry.server
      ? `Answered by a ${entry.server.backendName} server at ${entry.server.host} (r1Local.backend); reasoning arrives as thinking parts where VS Code supports them.`
      : `Runs on this machine from ${entry.modelPath}; reasoning arrives as thinking parts where VS Code supports them.`,
    capabilities: entry.capabilities,
    isUserSelectable: true,
    entry,
  };
}

