// The model folder's own tokenizer (`tokenizer.json` + `tokenizer_config.json`), loaded with
// @huggingface/tokenizers, which reads Qwen2's byte-level BPE correctly (checked against the fixture:
// round trips of code, Unicode, emoji and CRLF). This wrapper adds what generation needs on top:
// token ids by content, the raw bytes of one token (for streaming detokenization), and clear errors.

import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Tokenizer } from '@huggingface/tokenizers';
import { tokenStringToBytes } from './byteLevelAlphabet';

export type TokenizerErrorCode = 'tokenizer-missing' | 'tokenizer-invalid';

export class TokenizerLoadError extends Error {
  constructor(
    readonly code: TokenizerErrorCode,
    message: string,
  ) {
    super(message);
    this.name = 'TokenizerLoadError';
  }
}

export interface EncodeOptions {
  /**
   * Let the tokenizer's post-processor add its special tokens (R1: a leading bos). Default false,
   * because chat-template output already starts with bos and a second one hurts the model.
   */
  addSpecialTokens?: boolean;
}

export interface DecodeOptions {
  /** Drop tokens flagged `special` (R1: bos, eos, ...). `<think>`/`</think>` are not special and stay. */
  skipSpecialTokens?: boolean;
}

interface AddedTokenJson {
  id: number;
  content: string;
  special?: boolean;
}

interface TokenizerJsonShape {
  model?: { vocab?: unknown };
  added_tokens?: AddedTokenJson[];
  decoder?: { type?: string; decoders?: Array<{ type?: string }> } | null;
}

type TokenConfigValue = string | { content?: string } | null | undefined;

function tokenContent(value: TokenConfigValue): string | undefined {
  if (typeof value === 'string') return value;
  if (value && typeof value === 'object' && typeof value.content === 'string') return value.content;
  return undefined;
}

function readJson(path: string, label: string, required: boolean): unknown {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') {
      if (!required) return undefined;
      throw new TokenizerLoadError('tokenizer-missing', `${label} not found: ${path}`);
    }
    throw new TokenizerLoadError('tokenizer-invalid', `${label} could not be read (${path}): ${(error as Error).message}`);
  }
  try {
    return JSON.parse(text);
  } catch (error) {
    throw new TokenizerLoadError('tokenizer-invalid', `${label} is not valid JSON (${path}): ${(error as Error).message}`);
  }
}

export const CHAT_TEMPLATE_FILE = 'chat_template.jinja';

/** The folder's `chat_template.jinja`, when it has a non-empty one. */
function readChatTemplateFile(dir: string): string | undefined {
  const path = join(dir, CHAT_TEMPLATE_FILE);
  if (!existsSync(path)) return undefined;
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    throw new TokenizerLoadError('tokenizer-invalid', `${CHAT_TEMPLATE_FILE} could not be read (${path}): ${(error as Error).message}`);
  }
  return text.trim().length > 0 ? text : undefined;
}

/** `chat_template` is a string, or a list of named templates of which `default` is the chat one. */
function pickChatTemplate(value: unknown): string | undefined {
  if (typeof value === 'string') return value;
  if (Array.isArray(value)) {
    const named = value as Array<{ name?: unknown; template?: unknown }>;
    const chosen = named.find((t) => t.name === 'default') ?? named[0];
    return typeof chosen?.template === 'string' ? chosen.template : undefined;
  }
  return undefined;
}

function usesByteLevelDecoder(json: TokenizerJsonShape): boolean {
  const decoder = json.decoder;
  if (!decoder) return false;
  if (decoder.type === 'ByteLevel') return true;
  return decoder.type === 'Sequence' && (decoder.decoders ?? []).some((d) => d.type === 'ByteLevel');
}

/** Highest id + 1, read from the JSON (BPE vocab is a content→id object) rather than rebuilt maps: cheap on 151k entries. */
function vocabularySize(vocab: unknown, addedTokens: AddedTokenJson[]): number {
  let maxId = -1;
  const ids = Array.isArray(vocab) ? vocab.map((_, i) => i) : Object.values(vocab as Record<string, unknown>);
  for (const id of ids) if (typeof id === 'number' && id > maxId) maxId = id;
  for (const t of addedTokens) if (t.id > maxId) maxId = t.id;
  return maxId + 1;
}

export class TextTokenizer {
  /** Number of token ids the tokenizer knows (highest id + 1). The model's vocabulary may be larger (padding rows). */
  readonly vocabSize: number;
  /** Ids of added tokens flagged `special` (R1: eos, bos, `<|EOT|>`, ...). */
  readonly specialIds: ReadonlySet<number>;
  /** Every added token (special or not, e.g. `<think>`, `<｜User｜>`), content → id. */
  readonly addedTokens: ReadonlyMap<string, number>;
  readonly bosToken: string | undefined;
  readonly eosToken: string | undefined;
  /** The raw chat template (`chat_template.jinja`, else tokenizer_config.json `chat_template`), when there is one. */
  readonly chatTemplate: string | undefined;

  private readonly byteCache = new Map<number, Uint8Array>();
  private readonly encoder = new TextEncoder();

  private constructor(
    private readonly inner: Tokenizer,
    private readonly byteLevel: boolean,
    vocab: unknown,
    addedTokens: AddedTokenJson[],
    config: Record<string, unknown>,
  ) {
    this.addedTokens = new Map(addedTokens.map((t) => [t.content, t.id]));
    this.specialIds = new Set(addedTokens.filter((t) => t.special).map((t) => t.id));
    this.vocabSize = vocabularySize(vocab, addedTokens);
    this.bosToken = tokenContent(config.bos_token as TokenConfigValue);
    this.eosToken = tokenContent(config.eos_token as TokenConfigValue);
    this.chatTemplate = pickChatTemplate(config.chat_template);
  }

  /**
   * Load `tokenizer.json` (required), `tokenizer_config.json` (optional) and `chat_template.jinja`
   * (optional) from a model folder.
   */
  static fromFolder(dir: string): TextTokenizer {
    const json = readJson(join(dir, 'tokenizer.json'), 'tokenizer.json', true);
    const config = (readJson(join(dir, 'tokenizer_config.json'), 'tokenizer_config.json', false) ?? {}) as Record<string, unknown>;
    const template = readChatTemplateFile(dir);
    // Folders saved by newer transformers keep the template in its own file; as in transformers,
    // that file wins over a `chat_template` entry of tokenizer_config.json.
    return TextTokenizer.fromJson(json, template === undefined ? config : { ...config, chat_template: template }, dir);
  }

  /** Build from already-parsed files; `source` only names the origin in error messages. */
  static fromJson(tokenizerJson: unknown, tokenizerConfig: unknown, source = 'tokenizer.json'): TextTokenizer {
    if (!tokenizerJson || typeof tokenizerJson !== 'object' || Array.isArray(tokenizerJson)) {
      throw new TokenizerLoadError('tokenizer-invalid', `tokenizer.json in ${source} is not a JSON object`);
    }
    const json = tokenizerJson as TokenizerJsonShape;
    if (!json.model || typeof json.model !== 'object' || !json.model.vocab) {
      throw new TokenizerLoadError('tokenizer-invalid', `tokenizer.json in ${source} has no model vocabulary`);
    }
    const config = (tokenizerConfig && typeof tokenizerConfig === 'object' ? tokenizerConfig : {}) as Record<string, unknown>;
    const addedTokens = Array.isArray(json.added_tokens) ? json.added_tokens : [];
    let inner: Tokenizer;
    try {
      inner = new Tokenizer({ added_tokens: [], ...json }, config);
    } catch (error) {
      throw new TokenizerLoadError('tokenizer-invalid', `tokenizer.json in ${source} could not be loaded: ${(error as Error).message}`);
    }
    return new TextTokenizer(inner, usesByteLevelDecoder(json), json.model.vocab, addedTokens, config);
  }

  encode(text: string, options: EncodeOptions = {}): number[] {
    if (typeof text !== 'string') throw new TypeError('encode expects a string');
    return this.inner.encode(text, { add_special_tokens: options.addSpecialTokens ?? false }).ids;
  }

  /**
   * Whole-sequence decode. Ids the tokenizer does not know (the model's padding rows) contribute no
   * text, as in the reference Rust tokenizers; negative or non-integer ids are an error.
   */
  decode(ids: readonly number[], options: DecodeOptions = {}): string {
    for (const id of ids) this.checkId(id);
    const known = ids.filter((id) => this.inner.id_to_token(id) !== undefined);
    if (known.length === 0) return '';
    return this.inner.decode(known, {
      skip_special_tokens: options.skipSpecialTokens ?? false,
      // Byte-level text is exact: "cleaning" spaces before punctuation would make a whole decode
      // differ from the streamed text (and from the source) when a config leaves the flag unset.
      clean_up_tokenization_spaces: this.byteLevel ? false : undefined,
    });
  }

  /** Id of a token by its exact content (an added token such as `</think>`, or a vocabulary entry). */
  tokenId(content: string): number | undefined {
    return this.addedTokens.get(content) ?? this.inner.token_to_id(content);
  }

  isSpecial(id: number): boolean {
    return this.specialIds.has(id);
  }

  /**
   * The raw bytes one token contributes to the text: a byte-level token may hold part of a UTF-8
   * character, so streaming output must be assembled from bytes, not per-token strings.
   * Added tokens give the UTF-8 of their content; unknown ids give no bytes.
   */
  tokenBytes(id: number): Uint8Array {
    this.checkId(id);
    const cached = this.byteCache.get(id);
    if (cached) return cached;
    const token = this.inner.id_to_token(id);
    let bytes: Uint8Array;
    if (token === undefined) bytes = new Uint8Array(0);
    else if (this.addedTokens.has(token) && this.addedTokens.get(token) === id) bytes = this.encoder.encode(token);
    else if (this.byteLevel) bytes = tokenStringToBytes(token) ?? this.encoder.encode(token);
    else bytes = this.encoder.encode(this.inner.decode([id]));
    this.byteCache.set(id, bytes);
    return bytes;
  }

  private checkId(id: number): void {
    if (!Number.isInteger(id) || id < 0) throw new RangeError(`invalid token id: ${id}`);
  }
}
