// Reads the JSON side of a model folder (config.json, generation_config.json, genai_config.json)
// into the few numbers the engine needs. Each export family keeps them in different files; this
// module hides that and says which file and field is wrong when one is.
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { ModelLoadError } from './modelLoadError';
import type { ExportStyle } from '../types';

export interface ModelConfig {
  numLayers: number;
  numAttentionHeads: number;
  numKvHeads: number;
  headDim: number;
  vocabSize: number;
  /** Longest sequence the model supports (prompt plus generated tokens). */
  contextLength: number;
  /** Generation stops on any of these (generation_config.json wins over the model config). */
  eosTokenIds: number[];
  bosTokenId?: number;
  /** Sampling defaults the model's authors recommend, when the folder states them. */
  recommendedSampling: { temperature?: number; topP?: number; topK?: number };
  /** genai_config.json only: the decoder's file name. */
  genaiOnnxFile?: string;
}

type Json = Record<string, unknown>;

export async function readJsonFile(path: string, fileLabel: string): Promise<Json> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') throw new ModelLoadError('not-found', `${fileLabel} is missing (${path}).`);
    throw new ModelLoadError('corrupt-file', `Cannot read ${fileLabel}: ${(err as Error).message}`);
  }
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (err) {
    throw new ModelLoadError('corrupt-file', `${fileLabel} is not valid JSON: ${(err as Error).message}`);
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new ModelLoadError('corrupt-file', `${fileLabel} must contain a JSON object.`);
  }
  return value as Json;
}

async function readOptionalJson(path: string, fileLabel: string): Promise<Json | undefined> {
  try {
    return await readJsonFile(path, fileLabel);
  } catch (err) {
    if (err instanceof ModelLoadError && err.code === 'not-found') return undefined;
    throw err;
  }
}

function positiveInt(obj: Json | undefined, key: string, fileLabel: string): number | undefined {
  const v = obj?.[key];
  if (v === undefined || v === null) return undefined;
  if (typeof v !== 'number' || !Number.isInteger(v) || v <= 0) {
    throw new ModelLoadError('corrupt-file', `${fileLabel}: "${key}" must be a positive integer, got ${JSON.stringify(v)}.`);
  }
  return v;
}

function optionalNumber(obj: Json | undefined, key: string): number | undefined {
  const v = obj?.[key];
  return typeof v === 'number' && Number.isFinite(v) ? v : undefined;
}

/** `eos_token_id` is a number in some files and a list in others. */
function tokenIds(obj: Json | undefined, key: string, fileLabel: string): number[] | undefined {
  const v = obj?.[key];
  if (v === undefined || v === null) return undefined;
  const list = Array.isArray(v) ? v : [v];
  if (!list.every((x) => typeof x === 'number' && Number.isInteger(x) && x >= 0)) {
    throw new ModelLoadError('corrupt-file', `${fileLabel}: "${key}" must be a token id or a list of token ids, got ${JSON.stringify(v)}.`);
  }
  return list as number[];
}

function required<T>(value: T | undefined, what: string): T {
  if (value === undefined) throw new ModelLoadError('corrupt-file', `${what} is missing.`);
  return value;
}

function objectField(obj: Json | undefined, key: string): Json | undefined {
  const v = obj?.[key];
  return typeof v === 'object' && v !== null && !Array.isArray(v) ? (v as Json) : undefined;
}

export async function readModelConfig(root: string, style: ExportStyle): Promise<ModelConfig> {
  const generation = await readOptionalJson(join(root, 'generation_config.json'), 'generation_config.json');
  const genEos = tokenIds(generation, 'eos_token_id', 'generation_config.json');
  const recommendedSampling = {
    temperature: optionalNumber(generation, 'temperature'),
    topP: optionalNumber(generation, 'top_p'),
    topK: optionalNumber(generation, 'top_k'),
  };

  if (style === 'genai') {
    const genai = await readJsonFile(join(root, 'genai_config.json'), 'genai_config.json');
    const model = objectField(genai, 'model');
    const decoder = objectField(model, 'decoder');
    if (!model || !decoder) throw new ModelLoadError('corrupt-file', 'genai_config.json: "model.decoder" is missing.');
    const label = 'genai_config.json model.decoder';
    // genai keeps sampling defaults under "search" (its top_k of 1 there is a default, not advice: skipped).
    const search = objectField(genai, 'search');
    recommendedSampling.temperature ??= optionalNumber(search, 'temperature');
    recommendedSampling.topP ??= optionalNumber(search, 'top_p');
    const hidden = positiveInt(decoder, 'hidden_size', label);
    const heads = required(positiveInt(decoder, 'num_attention_heads', label), `${label}.num_attention_heads`);
    const filename = decoder['filename'];
    return {
      numLayers: required(positiveInt(decoder, 'num_hidden_layers', label), `${label}.num_hidden_layers`),
      numAttentionHeads: heads,
      numKvHeads: positiveInt(decoder, 'num_key_value_heads', label) ?? heads,
      headDim: positiveInt(decoder, 'head_size', label) ?? Math.floor(required(hidden, `${label}.head_size`) / heads),
      vocabSize: required(positiveInt(model, 'vocab_size', 'genai_config.json model'), 'genai_config.json model.vocab_size'),
      contextLength: positiveInt(model, 'context_length', 'genai_config.json model') ?? 4096,
      eosTokenIds: required(genEos ?? tokenIds(model, 'eos_token_id', 'genai_config.json model'), 'eos_token_id (generation_config.json or genai_config.json)'),
      bosTokenId: tokenIds(model, 'bos_token_id', 'genai_config.json model')?.[0],
      recommendedSampling,
      genaiOnnxFile: typeof filename === 'string' && filename.length > 0 ? filename : undefined,
    };
  }

  const config = await readJsonFile(join(root, 'config.json'), 'config.json');
  const label = 'config.json';
  const heads = required(positiveInt(config, 'num_attention_heads', label), 'config.json num_attention_heads');
  const hidden = required(positiveInt(config, 'hidden_size', label), 'config.json hidden_size');
  return {
    numLayers: required(positiveInt(config, 'num_hidden_layers', label), 'config.json num_hidden_layers'),
    numAttentionHeads: heads,
    numKvHeads: positiveInt(config, 'num_key_value_heads', label) ?? heads,
    headDim: positiveInt(config, 'head_dim', label) ?? Math.floor(hidden / heads),
    vocabSize: required(positiveInt(config, 'vocab_size', label), 'config.json vocab_size'),
    contextLength: positiveInt(config, 'max_position_embeddings', label) ?? 4096,
    eosTokenIds: required(genEos ?? tokenIds(config, 'eos_token_id', label), 'eos_token_id (generation_config.json or config.json)'),
    bosTokenId: tokenIds(generation, 'bos_token_id', 'generation_config.json')?.[0] ?? tokenIds(config, 'bos_token_id', label)?.[0],
    recommendedSampling,
  };
}
