// Reads a loaded session's inputs and outputs and decides how to drive it: which export family it
// is (position_ids present → Optimum; absent → onnxruntime-genai, rotary fused into attention),
// how many layers, the KV dtype and layout, and the integer type of the id inputs. Anything we
// cannot drive is refused here with a message naming the input at fault.
import { ModelLoadError } from './modelLoadError';
import type { ExportStyle } from '../types';

/** The slice of onnxruntime's ValueMetadata this module reads (kept local so it stays pure). */
export interface IoMetadata {
  name: string;
  isTensor: boolean;
  type?: string;
  shape?: ReadonlyArray<number | string>;
}

export type KvDtype = 'float32' | 'float16';
export type IdDtype = 'int64' | 'int32';

export interface KvNames {
  pastKey: string;
  pastValue: string;
  presentKey: string;
  presentValue: string;
}

export interface ModelIO {
  style: ExportStyle;
  numLayers: number;
  /** One entry per layer, in layer order. */
  kvNames: KvNames[];
  kvDtype: KvDtype;
  /** From the past inputs' static shape [batch, kvHeads, past, headDim]; undefined when symbolic. */
  kvHeads?: number;
  headDim?: number;
  idDtype: IdDtype;
  maskDtype: IdDtype;
  positionDtype?: IdDtype;
  logitsDtype: KvDtype;
}

const PAST = /^past_key_values\.(\d+)\.(key|value)$/;

function tensorType(list: readonly IoMetadata[], name: string): string | undefined {
  const m = list.find((x) => x.name === name);
  return m?.isTensor ? m.type : undefined;
}

function intType(list: readonly IoMetadata[], name: string): IdDtype {
  const t = tensorType(list, name);
  if (t === 'int64' || t === 'int32') return t;
  throw new ModelLoadError('unsupported-model', `Model input "${name}" must be int64 or int32, but the model declares ${t ?? 'a non-tensor'}.`);
}

function floatType(list: readonly IoMetadata[], name: string, kind: string): KvDtype {
  const t = tensorType(list, name);
  if (t === 'float32' || t === 'float16') return t;
  throw new ModelLoadError('unsupported-model', `Model ${kind} "${name}" must be float32 or float16, but the model declares ${t ?? 'a non-tensor'}.`);
}

function staticDim(list: readonly IoMetadata[], name: string, index: number): number | undefined {
  const d = list.find((x) => x.name === name)?.shape?.[index];
  return typeof d === 'number' && d > 0 ? d : undefined;
}

export function describeModelIO(inputs: readonly IoMetadata[], outputs: readonly IoMetadata[]): ModelIO {
  const inputNames = new Set(inputs.map((x) => x.name));
  const outputNames = new Set(outputs.map((x) => x.name));
  const missing = ['input_ids', 'attention_mask'].filter((n) => !inputNames.has(n));
  if (!outputNames.has('logits')) missing.push('logits (output)');
  if (missing.length > 0) {
    throw new ModelLoadError('unsupported-model', `The model is not a decoder we can drive: missing ${missing.join(', ')}. Inputs: ${[...inputNames].join(', ')}.`);
  }

  // An input we do not know how to fill (cache_position, num_logits_to_keep, …) would fail every run.
  const known = (n: string) => n === 'input_ids' || n === 'attention_mask' || n === 'position_ids' || PAST.test(n);
  const unknown = [...inputNames].filter((n) => !known(n));
  if (unknown.length > 0) throw new ModelLoadError('unsupported-model', `The model has inputs this engine cannot fill: ${unknown.join(', ')}.`);

  const layers = new Set<number>();
  for (const name of inputNames) {
    const m = PAST.exec(name);
    if (m) layers.add(Number(m[1]));
  }
  if (layers.size === 0) {
    throw new ModelLoadError('unsupported-model', 'The model has no past_key_values.N.key/value inputs: it was exported without a KV cache, which this engine requires.');
  }
  const numLayers = layers.size;
  const kvNames: KvNames[] = [];
  for (let i = 0; i < numLayers; i++) {
    const names = {
      pastKey: `past_key_values.${i}.key`,
      pastValue: `past_key_values.${i}.value`,
      presentKey: `present.${i}.key`,
      presentValue: `present.${i}.value`,
    };
    const absent = [names.pastKey, names.pastValue].filter((n) => !inputNames.has(n)).concat([names.presentKey, names.presentValue].filter((n) => !outputNames.has(n)));
    if (absent.length > 0) throw new ModelLoadError('unsupported-model', `KV cache of layer ${i} is incomplete: missing ${absent.join(', ')}.`);
    kvNames.push(names);
  }

  const kvDtype = floatType(inputs, kvNames[0].pastKey, 'input');
  for (const n of kvNames) {
    for (const [list, name, kind] of [
      [inputs, n.pastKey, 'input'],
      [inputs, n.pastValue, 'input'],
      [outputs, n.presentKey, 'output'],
      [outputs, n.presentValue, 'output'],
    ] as const) {
      const t = floatType(list, name, kind);
      if (t !== kvDtype) throw new ModelLoadError('unsupported-model', `Model ${kind} "${name}" is ${t} but the KV cache is ${kvDtype}: mixed KV dtypes are not supported.`);
    }
  }

  const hasPositionIds = inputNames.has('position_ids');
  return {
    style: hasPositionIds ? 'optimum' : 'genai',
    numLayers,
    kvNames,
    kvDtype,
    kvHeads: staticDim(inputs, kvNames[0].pastKey, 1),
    headDim: staticDim(inputs, kvNames[0].pastKey, 3),
    idDtype: intType(inputs, 'input_ids'),
    maskDtype: intType(inputs, 'attention_mask'),
    positionDtype: hasPositionIds ? intType(inputs, 'position_ids') : undefined,
    logitsDtype: floatType(outputs, 'logits', 'output'),
  };
}
