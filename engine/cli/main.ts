// `r1-local`: the engine in a terminal. Each subcommand lives in its own module exporting
// `command: CliCommand`; adding one is one line in COMMANDS.
import { ModelLoadError } from '../model/modelLoadError';
import { EXIT_FAILURE, EXIT_OK, EXIT_USAGE, UsageError, type CliCommand } from './command';

const COMMANDS: Record<string, () => Promise<{ command: CliCommand }>> = {
  generate: () => import('./generate'),
  chat: () => import('./chat'),
  fixture: () => import('./fixture'),
  download: () => import('./download'),
  bench: () => import('./bench'),
  explain: () => import('./explain'),
  status: () => import('./status'),
  serve: () => import('./serve'),
};

async function help(): Promise<string> {
  const lines = ['usage: r1-local <command> [options]', '', 'commands:'];
  for (const [name, load] of Object.entries(COMMANDS)) lines.push(`  ${name.padEnd(10)} ${(await load()).command.summary}`);
  lines.push('', 'r1-local <command> --help shows the options of a command.');
  return lines.join('\n');
}

async function main(argv: string[]): Promise<number> {
  const [name, ...args] = argv;
  if (name === undefined || name === '--help' || name === '-h' || name === 'help') {
    process.stdout.write(`${await help()}\n`);
    return name === undefined ? EXIT_USAGE : EXIT_OK;
  }
  const load = COMMANDS[name];
  if (!load) {
    process.stderr.write(`r1-local: unknown command "${name}"\n\n${await help()}\n`);
    return EXIT_USAGE;
  }
  const { command } = await load();
  if (args.includes('--help') || args.includes('-h')) {
    process.stdout.write(`${command.usage}\n`);
    return EXIT_OK;
  }
  try {
    return await command.run(args);
  } catch (err) {
    if (err instanceof UsageError) {
      process.stderr.write(`r1-local ${name}: ${err.message}\n${command.usage}\n`);
      return EXIT_USAGE;
    }
    if (err instanceof ModelLoadError) {
      process.stderr.write(`r1-local ${name}: ${err.message} [${err.code}]\n`);
      return EXIT_FAILURE;
    }
    process.stderr.write(`r1-local ${name}: ${err instanceof Error ? err.message : String(err)}\n`);
    return EXIT_FAILURE;
  }
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (err: unknown) => {
    process.stderr.write(`r1-local: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
    process.exitCode = EXIT_FAILURE;
  },
);
