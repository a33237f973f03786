// Loads the engine from the CLI's --model/--ep/--threads/--as-exported and tells the user (on
// stderr) when the provider they asked for was not the one used, the graph runs off the fast path, or
// the pre-packed weights could not be saved or were saved again.
import { Engine } from '../engine';
import { intOption, providerOption, requiredString } from './options';

type Values = Record<string, string | boolean | string[] | boolean[] | undefined>;

export async function openEngine(values: Values, quiet: boolean): Promise<Engine> {
  const engine = await Engine.load({
    modelPath: requiredString(values, 'model'),
    executionProvider: providerOption(values),
    threads: intOption(values, 'threads', 1),
    rewriteGraph: values['as-exported'] !== true,
  });
  const { runtime } = engine.info;
  if (runtime.reason && !quiet) process.stderr.write(`note: graph ${runtime.graph}, KV cache ${runtime.kvCache}: ${runtime.reason}\n`);
  const { weights } = engine.info;
  if (weights?.reason && !quiet) process.stderr.write(`note: pre-packed weights ${weights.mode}: ${weights.reason}\n`);
  if (engine.info.fallbackReason && !quiet) {
    process.stderr.write(`note: running on ${engine.info.executionProvider}: ${engine.info.fallbackReason}\n`);
  }
  return engine;
}
