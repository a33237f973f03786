// Loads the engine from the CLI's --model/--ep/--threads and tells the user (on stderr) when the
// provider they asked for was not the one used.
import { Engine } from '../engine';
import { intOption, providerOption, requiredString } from './options';

type Values = Record<string, string | boolean | string[] | boolean[] | undefined>;

export async function openEngine(values: Values, quiet: boolean): Promise<Engine> {
  const engine = await Engine.load({
    modelPath: requiredString(values, 'model'),
    executionProvider: providerOption(values),
    threads: intOption(values, 'threads', 1),
  });
  if (engine.info.fallbackReason && !quiet) {
    process.stderr.write(`note: running on ${engine.info.executionProvider}: ${engine.info.fallbackReason}\n`);
  }
  return engine;
}
