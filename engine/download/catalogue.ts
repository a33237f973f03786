// The models R1 Local knows how to fetch, with the files each variant needs and their approximate
// sizes. Sizes here are for display and planning only: the download trusts the sizes and hashes the
// hub reports for the resolved commit, never these numbers.
//
// Revisions: the commit hashes of these repositories cannot be looked up from where this list is
// maintained, so every entry defaults to `main`; the download resolves `main` to a commit and
// records that commit in the model folder's manifest, which is what pins the files on disk.

import type { ExecutionProviderName, ExportStyle } from '../types';
import type { ModelSource } from './types';
import { DownloadError } from './errors';

export type ModelRole = 'chat' | 'completion';

/** A file of a variant. `remotePath` is its path in the repository when it differs from the local one. */
export interface CatalogueFile {
  path: string;
  remotePath?: string;
  /** Downloaded only when the repository's tree lists it. */
  optional?: boolean;
  approxBytes?: number;
}

export interface CatalogueVariant {
  id: string;
  description: string;
  /** Providers this variant is meant for; `cpu` variants run everywhere. */
  providers: Exclude<ExecutionProviderName, 'auto'>[];
  files: CatalogueFile[];
}

export interface CatalogueModel {
  repo: string;
  displayName: string;
  role: ModelRole;
  style: ExportStyle;
  parametersBillions: number;
  defaultVariant: string;
  variants: CatalogueVariant[];
}

export const HUGGING_FACE_ENDPOINT = 'https://huggingface.co';
export const DEFAULT_REPO = 'onnx-community/DeepSeek-R1-Distill-Qwen-1.5B-ONNX';
export const DEFAULT_VARIANT = 'q4f16';
export const DEFAULT_REVISION = 'main';

export const DEFAULT_SOURCE: ModelSource = {
  endpoint: HUGGING_FACE_ENDPOINT,
  repo: DEFAULT_REPO,
  revision: DEFAULT_REVISION,
  variant: DEFAULT_VARIANT,
};

const MB = 1_000_000;
const GB = 1_000_000_000;

/** The four small files every Optimum-style (transformers.js) export carries next to its graph. */
const OPTIMUM_METADATA = ['config.json', 'generation_config.json', 'tokenizer.json', 'tokenizer_config.json'];

/** Optimum-style (onnx-community) dtype suffixes: `onnx/model_<suffix>.onnx`; fp32 is plain `model.onnx`. */
export const OPTIMUM_DTYPES = ['q4', 'q4f16', 'fp16', 'int8', 'uint8', 'bnb4', 'quantized', 'fp32'] as const;

function optimumGraphName(dtype: string): string {
  return dtype === 'fp32' ? 'onnx/model.onnx' : `onnx/model_${dtype}.onnx`;
}

/** The files of an Optimum-style export for one dtype: metadata, the graph, and its external data when listed. */
export function optimumVariantFiles(dtype: string, approxGraphBytes?: number): CatalogueFile[] {
  const graph = optimumGraphName(dtype);
  return [
    ...OPTIMUM_METADATA.map((path) => ({ path, approxBytes: path === 'tokenizer.json' ? 7 * MB : 10_000 })),
    { path: graph, approxBytes: approxGraphBytes },
    { path: `${graph}_data`, optional: true },
  ];
}

function optimumVariant(dtype: string, description: string, approxGraphBytes: number, providers: CatalogueVariant['providers']): CatalogueVariant {
  return { id: dtype, description, providers, files: optimumVariantFiles(dtype, approxGraphBytes) };
}

/** onnxruntime-genai exports keep one variant per subfolder; the model folder is that subfolder's content. */
function genaiVariant(id: string, folder: string, description: string, approxBytes: number, providers: CatalogueVariant['providers']): CatalogueVariant {
  const file = (path: string, approx?: number, optional?: boolean): CatalogueFile => ({ path, remotePath: `${folder}/${path}`, approxBytes: approx, optional });
  return {
    id,
    description,
    providers,
    files: [
      file('genai_config.json', 2_000),
      file('config.json', 1_000, true),
      file('tokenizer.json', 7 * MB),
      file('tokenizer_config.json', 7_000),
      file('special_tokens_map.json', 1_000, true),
      file('model.onnx', 1 * MB),
      file('model.onnx.data', approxBytes),
    ],
  };
}

export const CATALOGUE: readonly CatalogueModel[] = [
  {
    repo: DEFAULT_REPO,
    displayName: 'DeepSeek-R1-Distill-Qwen-1.5B (ONNX, Optimum export)',
    role: 'chat',
    style: 'optimum',
    parametersBillions: 1.5,
    defaultVariant: 'q4f16',
    variants: [
      optimumVariant('q4f16', '4-bit weights, fp16 activations and KV cache (default)', 1.37 * GB, ['cpu', 'cuda', 'dml', 'coreml', 'webgpu']),
      optimumVariant('q4', '4-bit weights, fp32 activations', 1.97 * GB, ['cpu']),
    ],
  },
  {
    repo: 'onnx-community/DeepSeek-R1-Distill-Qwen-7B-ONNX',
    displayName: 'DeepSeek-R1-Distill-Qwen-7B (ONNX, Optimum export)',
    role: 'chat',
    style: 'optimum',
    parametersBillions: 7,
    defaultVariant: 'q4f16',
    variants: [
      optimumVariant('q4f16', '4-bit weights, fp16 activations (larger, slower, better answers)', 5.5 * GB, ['cpu', 'cuda', 'dml', 'coreml', 'webgpu']),
      optimumVariant('q4', '4-bit weights, fp32 activations', 6.5 * GB, ['cpu']),
    ],
  },
  {
    repo: 'onnxruntime/DeepSeek-R1-Distill-ONNX',
    displayName: 'DeepSeek-R1-Distill-Qwen-1.5B (onnxruntime-genai export)',
    role: 'chat',
    style: 'genai',
    parametersBillions: 1.5,
    defaultVariant: 'cpu-int4',
    variants: [
      genaiVariant('cpu-int4', 'deepseek-r1-distill-qwen-1.5B/cpu_and_mobile/cpu-int4-rtn-block-32-acc-level-4', 'CPU, int4 RTN, block 32, int8 compute', 1.4 * GB, ['cpu']),
      genaiVariant('directml-int4', 'deepseek-r1-distill-qwen-1.5B/directml/directml-int4-awq-block-128', 'DirectML (Windows GPUs), int4 AWQ, block 128', 1.3 * GB, ['dml']),
      genaiVariant('cuda-int4', 'deepseek-r1-distill-qwen-1.5B/gpu/gpu-int4-rtn-block-32', 'CUDA, int4 RTN, block 32', 1.4 * GB, ['cuda']),
      genaiVariant('7b-cpu-int4', 'deepseek-r1-distill-qwen-7B/cpu_and_mobile/cpu-int4-rtn-block-32-acc-level-4', '7B on CPU, int4 RTN, block 32', 5.6 * GB, ['cpu']),
      genaiVariant('7b-directml-int4', 'deepseek-r1-distill-qwen-7B/directml/directml-int4-awq-block-128', '7B on DirectML, int4 AWQ, block 128', 5.3 * GB, ['dml']),
      genaiVariant('7b-cuda-int4', 'deepseek-r1-distill-qwen-7B/gpu/gpu-int4-rtn-block-32', '7B on CUDA, int4 RTN, block 32', 5.6 * GB, ['cuda']),
    ],
  },
  {
    repo: 'onnx-community/Qwen2.5-Coder-0.5B-Instruct',
    displayName: 'Qwen2.5-Coder-0.5B-Instruct (optional completion model, FIM tokens)',
    role: 'completion',
    style: 'optimum',
    parametersBillions: 0.5,
    defaultVariant: 'q4f16',
    variants: [
      optimumVariant('q4f16', '4-bit weights, fp16 activations', 0.48 * GB, ['cpu', 'cuda', 'dml', 'coreml', 'webgpu']),
      optimumVariant('q4', '4-bit weights, fp32 activations', 0.79 * GB, ['cpu']),
    ],
  },
  {
    repo: 'onnx-community/Qwen2.5-Coder-1.5B-Instruct',
    displayName: 'Qwen2.5-Coder-1.5B-Instruct (optional completion model, FIM tokens)',
    role: 'completion',
    style: 'optimum',
    parametersBillions: 1.5,
    defaultVariant: 'q4f16',
    variants: [
      optimumVariant('q4f16', '4-bit weights, fp16 activations', 1.26 * GB, ['cpu', 'cuda', 'dml', 'coreml', 'webgpu']),
      optimumVariant('q4', '4-bit weights, fp32 activations', 1.86 * GB, ['cpu']),
    ],
  },
];

export function findCatalogueModel(repo: string): CatalogueModel | undefined {
  const wanted = repo.toLowerCase();
  return CATALOGUE.find((m) => m.repo.toLowerCase() === wanted);
}

/** The variant to use for a repository when the user did not name one. */
export function defaultVariantFor(repo: string): string {
  return findCatalogueModel(repo)?.defaultVariant ?? DEFAULT_VARIANT;
}

/**
 * The files to fetch for `repo` + `variant`. A catalogue variant gives its own list; otherwise a
 * known Optimum dtype (`q4`, `q4f16`, `fp16`, `int8`, ...) gives the four metadata files, the graph
 * and, when the tree lists it, its `_data` file. Anything else is a clear `bad-input` error.
 */
export function filesForVariant(repo: string, variant: string): CatalogueFile[] {
  const model = findCatalogueModel(repo);
  const known = model?.variants.find((v) => v.id === variant);
  if (known) return known.files;
  if ((!model || model.style === 'optimum') && (OPTIMUM_DTYPES as readonly string[]).includes(variant)) {
    return optimumVariantFiles(variant);
  }
  const choices = model ? model.variants.map((v) => v.id) : [...OPTIMUM_DTYPES];
  throw new DownloadError('bad-input', `Unknown variant "${variant}" for ${repo}. Choose one of: ${choices.join(', ')}.`);
}

/** Approximate bytes of a variant, for display before anything was resolved. */
export function approximateVariantBytes(files: readonly CatalogueFile[]): number {
  return files.reduce((sum, f) => sum + (f.approxBytes ?? 0), 0);
}
