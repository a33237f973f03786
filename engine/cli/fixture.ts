// `r1-local fixture`: writes a generated test model folder (see engine/fixtures).
import { FIXTURE_USAGE, runFixtureCommand } from '../fixtures';
import { EXIT_OK, UsageError, type CliCommand } from './command';

async function run(args: string[]): Promise<number> {
  let model;
  try {
    model = await runFixtureCommand(args);
  } catch (err) {
    // The fixtures module reports bad flags and values as plain errors prefixed "fixture:"; parseArgs as TypeErrors.
    if (err instanceof TypeError || /^fixture:/.test((err as Error).message)) throw new UsageError((err as Error).message.replace(/\n?usage:.*$/s, ''));
    throw err;
  }
  process.stdout.write(`${model.kind} ${model.style} ${model.quant} model written to ${model.dir} (${model.onnxFile})\n`);
  return EXIT_OK;
}

export const command: CliCommand = { summary: 'write a generated test model (tiny, scripted or full)', usage: FIXTURE_USAGE, run };
