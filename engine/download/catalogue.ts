// The models R1 Local knows how to fetch, with the files each variant needs and their approximate
// sizes. Sizes here are for display and planning only: the download trusts the sizes and hashes the
// hub reports for the resolved commit, never these numbers.
//
// Only repositories and folders someone has seen are listed as they are. Each entry says where its
// evidence comes from. A variant whose file list nobody has seen is marked `unverified` (the
// Download quick pick says so), and sizes computed from the model's dimensions rather than read
// from a file list are marked `sizeEstimated`.
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
  /**
   * An ONNX graph whose weights may lie next to it in external-data chunks: `<path>_data`,
   * `<path>_data_1`, `<path>_data_2`, … (transformers.js splits large weights that way). Every
   * chunk the hub lists for this graph is fetched and verified with it.
   */
  externalDataChunks?: boolean;
  approxBytes?: number;
}

export interface CatalogueVariant {
  id: string;
  /** Other ids that name this variant (names earlier versions of the catalogue used). */
  aliases?: string[];
  description: string;
  /** A short note on speed, shown next to the size when the user picks a model. */
  speedNote?: string;
  /** Providers this variant is meant for; `cpu` variants run everywhere. */
  providers: Exclude<ExecutionProviderName, 'auto'>[];
  files: CatalogueFile[];
  /** Nobody has seen this variant's file list: the names follow the repository's pattern only. */
  unverified?: boolean;
  /** The sizes are computed from the model's dimensions, not read from the repository's file list. */
  sizeEstimated?: boolean;
}

export interface CatalogueModel {
  repo: string;
  displayName: string;
  role: ModelRole;
  style: ExportStyle;
  parametersBillions: number;
  /**
   * The variant downloaded when none is named: the fastest correct one for the hardware that will
   * run it (measured on the export structures, see the README's Performance section).
   */
  defaultVariant: Record<ComputeClass, string>;
  variants: CatalogueVariant[];
}

/**
 * What will run the model: the CPU (also CoreML, whose provider hands the 4-bit and attention
 * contrib ops back to the CPU) or a GPU provider (CUDA, DirectML, WebGPU) that computes in fp16.
 */
export type ComputeClass = 'cpu' | 'gpu';

/** The compute class a provider setting leads to on a platform ('auto' picks DirectML on Windows only). */
export function computeClassFor(provider: ExecutionProviderName, platform: string): ComputeClass {
  if (provider === 'cuda' || provider === 'dml' || provider === 'webgpu') return 'gpu';
  if (provider === 'auto' && platform === 'win32') return 'gpu';
  return 'cpu';
}

export const HUGGING_FACE_ENDPOINT = 'https://huggingface.co';
export const DEFAULT_REPO = 'onnx-community/DeepSeek-R1-Distill-Qwen-1.5B-ONNX';
/** The default download on a CPU (see CatalogueModel.defaultVariant). */
export const DEFAULT_VARIANT = 'q4';
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

/** Small files some folders carry and others do not: fetched when the tree lists them. */
const OPTIONAL_EXTRAS = [
  'special_tokens_map.json',
  // Folders saved by newer transformers keep the chat template here instead of in tokenizer_config.json.
  'chat_template.jinja',
];

/** Optimum-style (onnx-community) dtype suffixes: `onnx/model_<suffix>.onnx`; fp32 is plain `model.onnx`. */
export const OPTIMUM_DTYPES = ['q4', 'q4f16', 'fp16', 'int8', 'uint8', 'bnb4', 'quantized', 'fp32'] as const;

function optimumGraphName(dtype: string): string {
  return dtype === 'fp32' ? 'onnx/model.onnx' : `onnx/model_${dtype}.onnx`;
}

/**
 * The files of an Optimum-style export for one dtype: metadata, the graph with every external-data
 * chunk the tree lists for it, and the optional extras. `approxGraphBytes` counts the chunks too.
 */
export function optimumVariantFiles(dtype: string, approxGraphBytes?: number): CatalogueFile[] {
  return [
    ...OPTIMUM_METADATA.map((path) => ({ path, approxBytes: path === 'tokenizer.json' ? 7 * MB : 10_000 })),
    ...OPTIONAL_EXTRAS.map((path) => ({ path, optional: true })),
    { path: optimumGraphName(dtype), approxBytes: approxGraphBytes, externalDataChunks: true },
  ];
}

type VariantInfo = Omit<CatalogueVariant, 'id' | 'files'>;

function optimumVariant(dtype: string, approxGraphBytes: number, info: VariantInfo): CatalogueVariant {
  return { id: dtype, ...info, files: optimumVariantFiles(dtype, approxGraphBytes) };
}

/** onnxruntime-genai exports keep one variant per subfolder; the model folder is that subfolder's content. */
function genaiVariant(id: string, folder: string, approxBytes: number, info: VariantInfo): CatalogueVariant {
  const file = (path: string, approx?: number, optional?: boolean): CatalogueFile => ({ path, remotePath: `${folder}/${path}`, approxBytes: approx, optional });
  return {
    id,
    ...info,
    files: [
      file('genai_config.json', 2_000),
      file('config.json', 1_000, true),
      file('tokenizer.json', 7 * MB),
      file('tokenizer_config.json', 7_000),
      ...OPTIONAL_EXTRAS.map((path) => file(path, 1_000, true)),
      file('model.onnx', 1 * MB),
      file('model.onnx.data', approxBytes),
    ],
  };
}

// Speed notes: the 1.5B R1 variants' notes come from `npm run bench:compare` on full-size models of
// their graph structures (README, Performance); the others compare variants by what each token has
// to read, since decoding is limited by memory bandwidth.
const GPU_PROVIDERS: CatalogueVariant['providers'] = ['cpu', 'cuda', 'dml', 'coreml', 'webgpu'];

export const CATALOGUE: readonly CatalogueModel[] = [
  {
    // Evidence: the repository's file list on its Hugging Face page,
    // https://huggingface.co/onnx-community/DeepSeek-R1-Distill-Qwen-1.5B-ONNX/tree/main/onnx
    // onnx/model_q4.onnx 1.97 GB and onnx/model_q4f16.onnx 1.37 GB, each without a `_data` file
    // (only model.onnx and model_fp16.onnx have one); tokenizer.json 9.12 MB, special_tokens_map.json.
    repo: DEFAULT_REPO,
    displayName: 'DeepSeek-R1-Distill-Qwen-1.5B (ONNX, Optimum export)',
    role: 'chat',
    style: 'optimum',
    parametersBillions: 1.5,
    defaultVariant: { cpu: 'q4', gpu: 'q4f16' },
    variants: [
      optimumVariant('q4f16', 1.37 * GB, {
        description: '4-bit weights, fp16 activations and KV cache (default)',
        speedNote: 'for GPUs; on a CPU 0.8–0.97x the q4 speed',
        providers: GPU_PROVIDERS,
      }),
      optimumVariant('q4', 1.97 * GB, {
        description: '4-bit weights, fp32 activations',
        speedNote: 'fastest on a CPU (measured); 0.6 GB larger',
        providers: ['cpu'],
      }),
    ],
  },
  {
    // Evidence: only other projects' code naming this repository (one notes that it now asks for
    // a login); the file list of https://huggingface.co/onnx-community/DeepSeek-R1-Distill-Qwen-7B-ONNX
    // was not seen, so both variants are unverified. Sizes are computed from the
    // 7B dimensions (hidden 3584, 28 layers, intermediate 18944, vocab 152064, untied lm_head):
    // q4 ≈ 6.6 GB, q4f16 ≈ 5.1 GB. Past the 2 GB protobuf limit, so the weights must sit in
    // `_data` chunks, which the download fetches whatever their number.
    repo: 'onnx-community/DeepSeek-R1-Distill-Qwen-7B-ONNX',
    displayName: 'DeepSeek-R1-Distill-Qwen-7B (ONNX, Optimum export)',
    role: 'chat',
    style: 'optimum',
    parametersBillions: 7,
    defaultVariant: { cpu: 'q4', gpu: 'q4f16' },
    variants: [
      optimumVariant('q4f16', 5.1 * GB, {
        description: '4-bit weights, fp16 activations (file list not confirmed)',
        speedNote: 'about 3-4x slower per token than 1.5B; better answers',
        providers: GPU_PROVIDERS,
        unverified: true,
        sizeEstimated: true,
      }),
      optimumVariant('q4', 6.6 * GB, {
        description: '4-bit weights, fp32 activations (file list not confirmed)',
        speedNote: 'about 3-4x slower per token than 1.5B',
        providers: ['cpu'],
        unverified: true,
        sizeEstimated: true,
      }),
    ],
  },
  {
    // Evidence: the model card, https://huggingface.co/onnxruntime/DeepSeek-R1-Distill-ONNX
    // (hosts the 1.5B and the 7B; downloads `deepseek-r1-distill-qwen-1.5B/cpu_and_mobile/*` and
    // `…/gpu/*`; runs `cpu-int4-rtn-block-32-acc-level-4`), and public web demos that load
    // https://huggingface.co/onnxruntime/DeepSeek-R1-Distill-ONNX/resolve/main/deepseek-r1-distill-qwen-1.5B/gpu/gpu-int4-rtn-block-32/model.onnx
    // Each folder's file list: genai_config.json, model.onnx + model.onnx.data, tokenizer.json,
    // tokenizer_config.json, special_tokens_map.json. There is no `directml` folder (an earlier
    // version of this list named one): DirectML users run the `gpu` one. Folder sizes were not seen; they are computed from the same
    // builder graphs' onnx-community files (CPU int4 with fp32 scales ≈ 1.97 GB, fp16 ≈ 1.37 GB).
    repo: 'onnxruntime/DeepSeek-R1-Distill-ONNX',
    displayName: 'DeepSeek-R1-Distill-Qwen (onnxruntime-genai export)',
    role: 'chat',
    style: 'genai',
    parametersBillions: 1.5,
    defaultVariant: { cpu: 'cpu-int4', gpu: 'gpu-int4' },
    variants: [
      genaiVariant('cpu-int4', 'deepseek-r1-distill-qwen-1.5B/cpu_and_mobile/cpu-int4-rtn-block-32-acc-level-4', 1.97 * GB, {
        description: '1.5B on CPU, int4 RTN, block 32, int8 compute',
        speedNote: 'fastest on a CPU (measured, int8 compute)',
        providers: ['cpu'],
        sizeEstimated: true,
      }),
      genaiVariant('gpu-int4', 'deepseek-r1-distill-qwen-1.5B/gpu/gpu-int4-rtn-block-32', 1.37 * GB, {
        aliases: ['cuda-int4', 'directml-int4'],
        description: '1.5B on CUDA or DirectML GPUs, int4 RTN, block 32, fp16',
        speedNote: 'fast on a GPU; slow on a CPU (fp16)',
        providers: ['cuda', 'dml'],
        sizeEstimated: true,
      }),
      // 7B: the model card says the repository hosts it, and other projects download
      // `deepseek-r1-distill-qwen-7B/gpu/gpu-int4-rtn-block-32` (genai_config.json, tokenizer.json,
      // model.onnx, model.onnx.data; "about 5.1 GB"). No file list was seen: unverified.
      genaiVariant('7b-cpu-int4', 'deepseek-r1-distill-qwen-7B/cpu_and_mobile/cpu-int4-rtn-block-32-acc-level-4', 6.6 * GB, {
        description: '7B on CPU, int4 RTN, block 32 (folder not confirmed)',
        speedNote: 'about 3-4x slower per token than 1.5B',
        providers: ['cpu'],
        unverified: true,
        sizeEstimated: true,
      }),
      genaiVariant('7b-gpu-int4', 'deepseek-r1-distill-qwen-7B/gpu/gpu-int4-rtn-block-32', 5.1 * GB, {
        aliases: ['7b-cuda-int4', '7b-directml-int4'],
        description: '7B on CUDA or DirectML GPUs, int4 RTN, block 32 (folder not confirmed)',
        speedNote: 'needs a GPU with more than 5 GB of memory',
        providers: ['cuda', 'dml'],
        unverified: true,
        sizeEstimated: true,
      }),
    ],
  },
  {
    // Evidence: the repository's file list on its Hugging Face page,
    // https://huggingface.co/onnx-community/Qwen2.5-Coder-0.5B-Instruct/tree/main/onnx
    // onnx/model_q4.onnx 862 MB, onnx/model_q4f16.onnx 555 MB, neither with a `_data` file.
    repo: 'onnx-community/Qwen2.5-Coder-0.5B-Instruct',
    displayName: 'Qwen2.5-Coder-0.5B-Instruct (optional completion model, FIM tokens)',
    role: 'completion',
    style: 'optimum',
    parametersBillions: 0.5,
    defaultVariant: { cpu: 'q4', gpu: 'q4f16' },
    variants: [
      optimumVariant('q4f16', 555 * MB, {
        description: '4-bit weights, fp16 activations',
        speedNote: 'fastest completions (smallest model)',
        providers: GPU_PROVIDERS,
      }),
      optimumVariant('q4', 862 * MB, {
        description: '4-bit weights, fp32 activations',
        speedNote: 'fast completions; fp32 compute suits CPUs',
        providers: ['cpu'],
      }),
    ],
  },
  {
    // Evidence: the repository's file list on its Hugging Face page,
    // https://huggingface.co/onnx-community/Qwen2.5-Coder-1.5B-Instruct/tree/main/onnx
    // onnx/model_q4.onnx 1.92 GB, onnx/model_q4f16.onnx 1.34 GB, neither with a `_data` file.
    repo: 'onnx-community/Qwen2.5-Coder-1.5B-Instruct',
    displayName: 'Qwen2.5-Coder-1.5B-Instruct (optional completion model, FIM tokens)',
    role: 'completion',
    style: 'optimum',
    parametersBillions: 1.5,
    defaultVariant: { cpu: 'q4', gpu: 'q4f16' },
    variants: [
      optimumVariant('q4f16', 1.34 * GB, {
        description: '4-bit weights, fp16 activations',
        speedNote: 'better completions, about 2x slower than 0.5B',
        providers: GPU_PROVIDERS,
      }),
      optimumVariant('q4', 1.92 * GB, {
        description: '4-bit weights, fp32 activations',
        speedNote: 'better completions, about 2x slower than 0.5B',
        providers: ['cpu'],
      }),
    ],
  },
];

export function findCatalogueModel(repo: string): CatalogueModel | undefined {
  const wanted = repo.toLowerCase();
  return CATALOGUE.find((m) => m.repo.toLowerCase() === wanted);
}

/** A model's variant by id or by one of its aliases. */
export function findVariant(model: CatalogueModel, id: string): CatalogueVariant | undefined {
  return model.variants.find((v) => v.id === id) ?? model.variants.find((v) => v.aliases?.includes(id));
}

/** The variant to use for a repository when the user did not name one, for what will run it. */
export function defaultVariantFor(repo: string, compute: ComputeClass = 'cpu'): string {
  return findCatalogueModel(repo)?.defaultVariant[compute] ?? (compute === 'gpu' ? 'q4f16' : DEFAULT_VARIANT);
}

/**
 * The files to fetch for `repo` + `variant`. A catalogue variant gives its own list; otherwise a
 * known Optimum dtype (`q4`, `q4f16`, `fp16`, `int8`, ...) gives the four metadata files, the graph
 * and every `_data` chunk the tree lists for it. Anything else is a clear `bad-input` error.
 */
export function filesForVariant(repo: string, variant: string): CatalogueFile[] {
  const model = findCatalogueModel(repo);
  const known = model && findVariant(model, variant);
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
