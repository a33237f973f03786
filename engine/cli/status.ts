// `r1-local status [--json]`: whether this user's shared engine (engine/daemon/) runs, and who uses
// it. It connects as a `status` client, which the engine counts nowhere and which does not keep it
// alive, and accepts an engine of another build (an older CLI can still look). Nothing is started.
//   --json: {"running": true, "pid": N, "clients": N, "models": [{"path": "…", "clients": N}], "rssMB": N, "uptimeS": N}
//           or {"running": false}, or on Windows, where the shared engine is not used yet,
//           {"running": false, "unsupported": "the shared engine is not yet supported on Windows"}
import { parseArgs } from 'node:util';
import { findDaemon } from '../daemon/client';
import { currentDaemonPaths, sharedEngineUnsupported } from '../daemon/paths';
import type { HostMessage, HostStatus } from '../host/protocol';
import { EXIT_FAILURE, EXIT_OK, UsageError, type CliCommand } from './command';

const USAGE = `usage: r1-local status [--json]

Shows whether the shared engine (one per user, used by every VS Code window) is running, its
process, the windows connected and the models they share. Exit code 0 whether it runs or not.`;

const TIMEOUT_MS = 5_000;

export type StatusReport =
  /** `unsupported`: why no shared engine runs on this platform (every window runs its own). */
  | { running: false; unsupported?: string }
  | { running: true; pid: number; clients: number; models: Array<{ path: string; clients: number }>; rssMB: number; uptimeS: number };

/** The shared engine's status, or `running: false` when none answers. */
export async function sharedEngineStatus(env: NodeJS.ProcessEnv = process.env, platform: NodeJS.Platform = process.platform): Promise<StatusReport> {
  const unsupported = sharedEngineUnsupported(platform);
  if (unsupported) return { running: false, unsupported };
  const found = await findDaemon(currentDaemonPaths(env), { client: `status-${process.pid}`, role: 'status' }, TIMEOUT_MS, platform);
  if (found.kind === 'unsupported') return { running: false, unsupported: found.reason };
  if (found.kind === 'unusable') throw new Error(found.reason);
  if (found.kind !== 'connected') return { running: false };
  const { link } = found;
  try {
    const status = await new Promise<HostStatus>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`the shared engine did not answer within ${TIMEOUT_MS} ms`)), TIMEOUT_MS);
      link.onMessage((raw) => {
        const message = raw as HostMessage;
        if (message.type === 'result' && message.id === 1) {
          clearTimeout(timer);
          resolve(message.result as HostStatus);
        } else if (message.type === 'error' && message.id === 1) {
          clearTimeout(timer);
          reject(new Error(message.error.message));
        }
      });
      void link.closed.then(() => reject(new Error('the shared engine closed the connection')));
      link.send({ type: 'status', id: 1 });
    });
    const shared = status.shared;
    return {
      running: true,
      pid: status.pid,
      clients: shared?.windows ?? 0,
      models: (shared?.models ?? []).map((m) => ({ path: m.modelPath, clients: m.windows })),
      rssMB: Math.round(status.rssBytes / 2 ** 20),
      uptimeS: Math.round((shared?.uptimeMs ?? 0) / 1000),
    };
  } finally {
    link.end();
  }
}

/** The report as `r1-local status` prints it without --json. */
export function statusSummary(report: StatusReport): string {
  if (!report.running && report.unsupported) return `No shared engine: ${report.unsupported}; every VS Code window runs its own engine.`;
  if (!report.running) return 'The shared engine is not running (the first VS Code window that needs the model starts it).';
  const windows = (n: number): string => `${n} window${n === 1 ? '' : 's'}`;
  const lines = [`Shared engine running: pid ${report.pid}, ${report.rssMB} MB resident, up ${report.uptimeS} s, ${windows(report.clients)} connected.`];
  if (report.models.length === 0) lines.push('No model loaded.');
  for (const m of report.models) lines.push(`  ${m.path}: ${windows(m.clients)}`);
  return lines.join('\n');
}

async function run(args: string[]): Promise<number> {
  let values;
  try {
    ({ values } = parseArgs({ args, options: { json: { type: 'boolean', default: false } }, strict: true }));
  } catch (err) {
    throw new UsageError((err as Error).message);
  }
  let report: StatusReport;
  try {
    report = await sharedEngineStatus();
  } catch (e) {
    process.stderr.write(`r1-local status: ${(e as Error).message}\n`);
    return EXIT_FAILURE;
  }
  process.stdout.write(values.json ? `${JSON.stringify(report)}\n` : `${statusSummary(report)}\n`);
  return EXIT_OK;
}

export const command: CliCommand = { summary: 'show the shared engine used by VS Code windows', usage: USAGE, run };
