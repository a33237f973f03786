// Finds out what a model folder holds: which export family it looks like, which .onnx file to load,
// where the tokenizer is, and the model's numbers. Decided from the files, never the folder's name;
// the session's input/output names confirm it later (ioSignature.ts).
import { realpath, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { readModelConfig, type ModelConfig } from './configFiles';
import { ModelLoadError } from './modelLoadError';
import { pathExists } from './pathExists';
import { resolveInsideFolder } from './safePath';
import { vetExternalData } from './vetExternalData';
import type { ExportStyle } from '../types';

export interface ModelFolder {
  /** Real path of the folder. */
  root: string;
  /** Export family as the files suggest. */
  style: ExportStyle;
  /** The .onnx file to load, relative to root with `/` separators. */
  onnxFile: string;
  onnxPath: string;
  /** External-data files the model reads, relative to root (already vetted). */
  externalDataFiles: string[];
  tokenizerPath: string;
  /** tokenizer_config.json (chat template, special tokens), when present. */
  tokenizerConfigPath?: string;
  config: ModelConfig;
}

/** transformers.js / Optimum exports: smallest fast variant first. */
export const OPTIMUM_ONNX_CANDIDATES = [
  'onnx/model_q4f16.onnx',
  'onnx/model_q4.onnx',
  'onnx/model.onnx',
  'onnx/model_fp16.onnx',
  'onnx/model_int8.onnx',
  'onnx/model_quantized.onnx',
  'onnx/model_uint8.onnx',
] as const;

const GENAI_DEFAULT_ONNX = 'model.onnx';

async function isDirectory(path: string): Promise<boolean> {
  try {
    return (await stat(path)).isDirectory();
  } catch {
    return false;
  }
}

async function chooseOptimumOnnx(root: string): Promise<string | undefined> {
  for (const candidate of OPTIMUM_ONNX_CANDIDATES) {
    if (await pathExists(join(root, candidate))) return candidate;
  }
  return undefined;
}

async function incompleteDownloads(root: string, candidates: readonly string[]): Promise<string[]> {
  const found: string[] = [];
  for (const c of candidates) if (await pathExists(join(root, `${c}.incomplete`))) found.push(`${c}.incomplete`);
  return found;
}

async function detectStyle(root: string): Promise<ExportStyle> {
  const hasGenaiConfig = await pathExists(join(root, 'genai_config.json'));
  if (hasGenaiConfig) return 'genai';
  const hasConfig = await pathExists(join(root, 'config.json'));
  const hasOnnxDir = await isDirectory(join(root, 'onnx'));
  if (hasConfig && hasOnnxDir) return 'optimum';
  const missing = [!hasConfig && 'config.json', !hasOnnxDir && 'onnx/'].filter(Boolean).join(' and ');
  throw new ModelLoadError(
    'not-a-model',
    `${root} is not a model folder: expected either genai_config.json + model.onnx (onnxruntime-genai export) ` +
      `or config.json + onnx/model_q4.onnx (transformers.js/Optimum export); missing genai_config.json, ${missing}.`,
  );
}

async function chooseOnnxFile(root: string, style: ExportStyle, config: ModelConfig): Promise<string> {
  const candidates = style === 'genai' ? [config.genaiOnnxFile ?? GENAI_DEFAULT_ONNX] : [...OPTIMUM_ONNX_CANDIDATES];
  const chosen = style === 'genai' ? ((await pathExists(join(root, candidates[0]))) ? candidates[0] : undefined) : await chooseOptimumOnnx(root);
  if (chosen) return chosen.replace(/\\/g, '/');
  const partial = await incompleteDownloads(root, candidates);
  if (partial.length > 0) {
    throw new ModelLoadError('incomplete-download', `The model file is still downloading (${partial.join(', ')}); finish the download first.`);
  }
  const expected = style === 'genai' ? candidates[0] : candidates.join(', ');
  throw new ModelLoadError('not-a-model', `${root} has no ONNX model file: expected ${style === 'genai' ? '' : 'one of '}${expected}.`);
}

export async function inspectModelFolder(path: string): Promise<ModelFolder> {
  if (!(await pathExists(path))) throw new ModelLoadError('not-found', `Model folder not found: ${path}`);
  if (!(await isDirectory(path))) throw new ModelLoadError('not-a-model', `${path} is a file; a model is a folder (like its Hugging Face repository).`);
  const root = await realpath(path);

  const style = await detectStyle(root);
  const config = await readModelConfig(root, style);
  const onnxFile = await chooseOnnxFile(root, style, config);
  const tokenizerPath = join(root, 'tokenizer.json');
  if (!(await pathExists(tokenizerPath))) throw new ModelLoadError('not-found', `tokenizer.json is missing from ${root}.`);
  const tokenizerConfigPath = join(root, 'tokenizer_config.json');

  // The model file itself may be a link (some download tools use them): it too must stay inside.
  const onnxPath = await resolveInsideFolder(root, onnxFile, 'Model file');
  const externalDataFiles = await vetExternalData(root, onnxFile, onnxPath);

  return {
    root,
    style,
    onnxFile,
    onnxPath,
    externalDataFiles,
    tokenizerPath,
    tokenizerConfigPath: (await pathExists(tokenizerConfigPath)) ? tokenizerConfigPath : undefined,
    config,
  };
}
