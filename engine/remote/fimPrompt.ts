// The fill-in-the-middle prompt for servers that take no `suffix` (vLLM): Qwen's markers in
// prefix-suffix-middle order, the same prompt the local engine builds from the model's own FIM
// tokens (engine/engine.ts). The R1 distills' tokenizer has all three as added tokens, so a server
// encodes the markers to their ids; the base model (Qwen2.5-Math) was not trained for FIM, which is
// why a model served for completions is usually a Qwen2.5-Coder.

export const FIM_PREFIX = '<|fim_prefix|>';
export const FIM_SUFFIX = '<|fim_suffix|>';
export const FIM_MIDDLE = '<|fim_middle|>';

export function fimPrompt(prefix: string, suffix: string): string {
  return `${FIM_PREFIX}${prefix}${FIM_SUFFIX}${suffix}${FIM_MIDDLE}`;
}
