// The shape every `r1-local` subcommand module exports, and the errors the dispatcher maps to exit codes.

export interface CliCommand {
  /** One line for `r1-local --help`. */
  summary: string;
  usage: string;
  /** Runs with the arguments after the subcommand name; resolves to the process exit code. */
  run(args: string[]): Promise<number>;
}

/** Wrong or missing arguments: printed with the command's usage, exit code 2. */
export class UsageError extends Error {
  override readonly name = 'UsageError';
}

export const EXIT_OK = 0;
export const EXIT_FAILURE = 1;
export const EXIT_USAGE = 2;
/** Stopped by Ctrl-C (128 + SIGINT), as shells report it. */
export const EXIT_INTERRUPTED = 130;
/** The answer broke off (a remote stream cut, or ended without a finish reason): what arrived was printed. */
export const EXIT_INCOMPLETE = 3;
