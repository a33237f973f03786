// The models R1 Local offers to vscode.lm, as plain data the adapter turns into
// LanguageModelChatInformation. Listing must stay cheap (VS Code asks on every picker open and
// settings change), so limits come from the folder's config files, never from loading the model.
import { readFile } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { CHARS_PER_TOKEN } from '../../../engine/common/text/tokenEstimate';
import { readModelConfig } from '../../../engine/model/configFiles';
import { pathExists } from '../../../engine/model/pathExists';
import type { BackendState } from '../generationBackend';

export type LmModelRole = 'chat' | 'completion';
export type LmModelFamily = 'deepseek-r1-distill' | 'qwen2.5-coder';

export interface LmModelEntry {
  /** Stable per role, so a caller's saved choice survives a change of folder. */
  id: string;
  name: string;
  family: LmModelFamily;
  version: string;
  maxInputTokens: number;
  maxOutputTokens: number;
  role: LmModelRole;
  /** The local folder; '' for a server's model. */
  modelPath: string;
  /** Set when a server answers (r1Local.backend is not local): where, and which protocol. */
  server?: { host: string; backendName: string };
  /** These models were not trained for tool calls or images: saying so keeps callers from sending them. */
  capabilities: { toolCalling: false; imageInput: false };
}

export interface ModelFolderFacts {
  /** config.json `_name_or_path` or the folder's name. */
  name: string;
  contextLength: number;
}

/** The configured folders: the chat model, and the completion model only when it is another folder. */
export function configuredModels(chatPath: string, completionPath: string): Array<{ role: LmModelRole; modelPath: string }> {
  const models: Array<{ role: LmModelRole; modelPath: string }> = [];
  if (chatPath) models.push({ role: 'chat', modelPath: chatPath });
  if (completionPath && completionPath !== chatPath) models.push({ role: 'completion', modelPath: completionPath });
  return models;
}

/** Qwen2.5-Coder exports name themselves so; everything else this extension runs is an R1 distill. */
export function modelFamily(name: string): LmModelFamily {
  return /coder/i.test(name) ? 'qwen2.5-coder' : 'deepseek-r1-distill';
}

/**
 * One entry. The answer may use the whole context, so both limits are the context length: the
 * engine refuses a prompt that leaves no room, with a message saying so.
 */
export function modelEntry(role: LmModelRole, modelPath: string, facts: ModelFolderFacts): LmModelEntry {
  const shortName = facts.name.split('/').pop() || facts.name;
  return {
    id: role === 'chat' ? 'r1-local-chat' : 'r1-local-completion',
    name: role === 'chat' ? `R1 Local: ${shortName}` : `R1 Local (completions): ${shortName}`,
    family: modelFamily(facts.name),
    version: shortName,
    maxInputTokens: facts.contextLength,
    maxOutputTokens: facts.contextLength,
    role,
    modelPath,
    capabilities: { toolCalling: false, imageInput: false },
  };
}

/** When a folder cannot be read: still listed, so a request answers with the load error instead of the model vanishing. */
const UNREADABLE_CONTEXT = 4096;

/**
 * Name and context length from the folder's config files alone. Not inspectModelFolder: it walks the
 * .onnx file's external-data table, too slow for a list VS Code asks for on every picker open.
 */
export async function readModelFolderFacts(modelPath: string): Promise<ModelFolderFacts> {
  const fallbackName = basename(modelPath);
  try {
    const style = (await pathExists(join(modelPath, 'genai_config.json'))) ? 'genai' : 'optimum';
    const config = await readModelConfig(modelPath, style);
    return { name: (await configName(modelPath)) ?? fallbackName, contextLength: config.contextLength };
  } catch {
    return { name: fallbackName, contextLength: UNREADABLE_CONTEXT };
  }
}

/** config.json `_name_or_path`, as the engine names a model (engine.ts); optional. */
async function configName(root: string): Promise<string | undefined> {
  try {
    const value = (JSON.parse(await readFile(join(root, 'config.json'), 'utf8')) as Record<string, unknown>)._name_or_path;
    return typeof value === 'string' && value.length > 0 ? value : undefined;
  } catch {
    return undefined;
  }
}

/**
 * A server's context length is not part of the OpenAI API's model list; R1 distills are served with
 * 32K or more, and a server refuses (or clamps) a request that does not fit, with a message saying so.
 */
export const REMOTE_CONTEXT_TOKENS = 32_768;

/**
 * The one model a server answers with, under an id of its own so a caller's saved local choice is not
 * silently redirected. Without a model name (none configured, none asked for yet) the entry is named
 * after the host; the first real request resolves it, and the list is offered again with the name.
 */
export function remoteModelEntry(server: { modelName: string | undefined; host: string; backendName: string }): LmModelEntry {
  const { modelName, host } = server;
  const shortName = modelName ? modelName.split('/').pop() || modelName : undefined;
  return {
    id: 'r1-local-remote',
    name: shortName ? `R1 Local: ${shortName} (${host})` : `R1 Local: server model at ${host}`,
    family: modelFamily(modelName ?? ''),
    version: modelName ?? 'server',
    maxInputTokens: REMOTE_CONTEXT_TOKENS,
    maxOutputTokens: REMOTE_CONTEXT_TOKENS,
    role: 'chat',
    modelPath: '',
    server: { host, backendName: server.backendName },
    capabilities: { toolCalling: false, imageInput: false },
  };
}

/** The remote backend as the list sees it: its state only. Listing never connects (nor asks about plain http). */
export interface RemoteModelSource {
  readonly state: BackendState;
}

export interface LmListSources {
  /** The configured folders: `r1Local.modelPath` and `r1Local.completions.modelPath`. */
  modelPaths(): { chat: string; completion: string };
  /** The remote backend while `r1Local.backend` chooses a server; undefined for the local engine. */
  remote(): RemoteModelSource | undefined;
}

/**
 * What vscode.lm lists: the local folders, or, while a server answers, the server's model, so
 * `selectChatModels({ vendor: 'r1-local' })` reaches the server. Listing happens whenever anything
 * asks (at startup, on every picker open), so for a server it only reads the backend's state: the
 * configured model, the one a request resolved, else a generic entry named after the host. Nothing
 * connects, and the plain-http question is asked only by a real request.
 */
export async function listLmModels(sources: LmListSources): Promise<LmModelEntry[]> {
  const remote = sources.remote();
  if (remote) {
    const state = remote.state;
    if (state.kind !== 'remote') return [];
    const { server } = state;
    return [remoteModelEntry({ modelName: server.model, host: server.host, backendName: server.backendName })];
  }
  const { chat, completion } = sources.modelPaths();
  return Promise.all(configuredModels(chat, completion).map(async ({ role, modelPath }) => modelEntry(role, modelPath, await readModelFolderFacts(modelPath))));
}

/** Tokens of a text where no tokenizer is at hand (a server counts only what it was sent). */
export function estimateTokens(text: string): number {
  return Math.ceil(text.length / CHARS_PER_TOKEN);
}
