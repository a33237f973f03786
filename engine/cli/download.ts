// `r1-local download`: fetches a model into a folder with a one-line progress bar, through the same
// code path as the extension's "Download model" command. Exit 0 only when every file is present
// and verified; otherwise a clear message and a non-zero code.

import { parseArgs } from 'node:util';
import { resolve } from 'node:path';
import {
  CATALOGUE,
  DEFAULT_REPO,
  DEFAULT_REVISION,
  DownloadError,
  HUGGING_FACE_ENDPOINT,
  defaultVariantFor,
  downloadModel,
  formatBytes,
  type DownloadEvent,
} from '../download';
import { progressBarLine } from '../download/progressText';
import { EXIT_FAILURE, EXIT_INTERRUPTED, EXIT_OK, UsageError, type CliCommand } from './command';

const USAGE = `usage: r1-local download --dest DIR [--endpoint URL] [--repo OWNER/NAME] [--revision REV]
         [--variant NAME] [--check-updates] [--list]
  --endpoint   hub base URL (default: $HF_ENDPOINT or ${HUGGING_FACE_ENDPOINT})
  --repo       repository (default: ${DEFAULT_REPO})
  --revision   branch, tag or commit (default: ${DEFAULT_REVISION}); the commit it resolves to is recorded
  --variant    catalogue variant or dtype: q4 (default: the fastest on a CPU), q4f16 (GPUs), fp16, int8, cpu-int4, ...
  --check-updates  ask the hub even when a complete, verified copy is already in DIR
  --list       print the model catalogue and exit
A token for gated repositories is read from $HF_TOKEN.`;

function listCatalogue(): string {
  const lines: string[] = [];
  for (const model of CATALOGUE) {
    lines.push(`${model.repo}  (${model.role}, ${model.style} export)`);
    for (const v of model.variants) lines.push(`  ${v.id.padEnd(18)} ${v.description} [${v.providers.join(', ')}]`);
  }
  return lines.join('\n');
}

/** Draws progress on one terminal line (\r), or prints a line per finished file when not a terminal. */
function progressPrinter(stream: NodeJS.WriteStream): { onEvent: (e: DownloadEvent) => void; finish: () => void } {
  const tty = stream.isTTY === true;
  let drawn = false;
  const clear = () => {
    if (drawn) stream.write('\r\x1b[2K');
    drawn = false;
  };
  return {
    onEvent(e) {
      switch (e.type) {
        case 'progress':
          if (tty) {
            // A pseudo-terminal without a size reports 0 columns: fall back to a usual width.
            stream.write(`\r\x1b[2K${progressBarLine(e, (stream.columns > 20 ? stream.columns : 100) - 1)}`);
            drawn = true;
          }
          break;
        case 'waiting-for-lock':
          clear();
          stream.write(`waiting: another download (pid ${e.holderPid ?? '?'}) is fetching this model\n`);
          break;
        case 'resolved':
          clear();
          stream.write(`commit ${e.commit}: ${e.files.length} files, ${formatBytes(e.totalBytes)} (${formatBytes(e.bytesToFetch)} to fetch)\n`);
          break;
        case 'retry':
          clear();
          stream.write(`retrying ${e.path} in ${e.delayMs} ms: ${e.reason}\n`);
          break;
        case 'restart':
          clear();
          stream.write(`restarting ${e.path} from the beginning: ${e.reason}\n`);
          break;
        case 'quarantined':
          clear();
          stream.write(`${e.path}: ${e.reason}; moved to ${e.quarantinePath}, fetching it again\n`);
          break;
        case 'file-done':
          clear();
          stream.write(`${e.reused ? 'present ' : 'verified'} ${e.path}\n`);
          break;
        default:
          break;
      }
    },
    finish: clear,
  };
}

async function run(args: string[]): Promise<number> {
  let values;
  try {
    ({ values } = parseArgs({
      args,
      options: {
        dest: { type: 'string' },
        endpoint: { type: 'string' },
        repo: { type: 'string' },
        revision: { type: 'string' },
        variant: { type: 'string' },
        'check-updates': { type: 'boolean', default: false },
        list: { type: 'boolean', default: false },
      },
      strict: true,
      allowPositionals: false,
    }));
  } catch (err) {
    throw new UsageError((err as Error).message);
  }
  if (values.list) {
    process.stdout.write(`${listCatalogue()}\n`);
    return EXIT_OK;
  }
  if (!values.dest) throw new UsageError('--dest is required.');
  const repo = values.repo ?? DEFAULT_REPO;
  const source = {
    endpoint: values.endpoint ?? process.env.HF_ENDPOINT ?? HUGGING_FACE_ENDPOINT,
    repo,
    revision: values.revision ?? DEFAULT_REVISION,
    variant: values.variant ?? defaultVariantFor(repo),
  };
  const modelDir = resolve(values.dest);
  const controller = new AbortController();
  const onSigint = () => controller.abort();
  process.once('SIGINT', onSigint);
  const printer = progressPrinter(process.stderr);
  try {
    const result = await downloadModel({
      source,
      modelDir,
      token: process.env.HF_TOKEN || undefined,
      checkForUpdates: values['check-updates'],
      signal: controller.signal,
      onEvent: printer.onEvent,
    });
    printer.finish();
    const total = result.manifest.files.reduce((sum, f) => sum + f.size, 0);
    process.stdout.write(
      `${source.repo}@${result.manifest.commit} (${source.variant}): ${result.manifest.files.length} files, ${formatBytes(total)}, all verified, in ${modelDir}` +
        (result.fetchedBytes === 0 ? ' (already present)\n' : ` (${formatBytes(result.fetchedBytes)} downloaded)\n`),
    );
    return EXIT_OK;
  } catch (err) {
    printer.finish();
    if (err instanceof DownloadError) {
      if (err.code === 'aborted') {
        process.stderr.write('r1-local download: cancelled; run the same command again to resume.\n');
        return EXIT_INTERRUPTED;
      }
      if (err.code === 'bad-input') throw new UsageError(err.message);
      process.stderr.write(`r1-local download: ${err.message} [${err.code}]\n`);
      return EXIT_FAILURE;
    }
    throw err;
  } finally {
    process.removeListener('SIGINT', onSigint);
  }
}

export const command: CliCommand = { summary: 'download a model from the hub, resumable and verified', usage: USAGE, run };
