// Measures how much CPU other processes used while a benchmark ran: a noisy neighbour on a 2-core
// machine can cut decode speed several times, so every figure carries this next to it.
import { readdirSync, readFileSync } from 'node:fs';

/** Other processes using more than this many cores on average mark a run noisy. */
export const NOISY_CORES = 0.25;

interface Snapshot { busyTicks: number; ownMicros: number; wallMs: number }

function busyTicks(): number {
  // First line of /proc/stat: "cpu user nice system idle iowait irq softirq steal ..."
  const fields = readFileSync('/proc/stat', 'utf8').split('\n', 1)[0].trim().split(/\s+/).slice(1).map(Number);
  const idle = fields[3] + (fields[4] ?? 0);
  return fields.slice(0, 8).reduce((a, b) => a + b, 0) - idle;
}

function ownMicros(includeChildren: boolean): number {
  const u = process.cpuUsage();
  return u.user + u.system + (includeChildren ? childrenMicros() : 0);
}

/**
 * CPU time of this process's live children (for example the engine host a benchmark drives),
 * which are part of the work measured, not noise. Read from /proc/<pid>/stat: field 4 is the
 * parent pid, fields 14 and 15 user and system time in clock ticks.
 */
function childrenMicros(): number {
  let ticks = 0;
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    let stat: string;
    try { stat = readFileSync(`/proc/${name}/stat`, 'utf8'); } catch { continue; }
    // The command name (field 2) may hold spaces: split after its closing parenthesis.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    if (Number(fields[1]) !== process.pid) continue;
    ticks += Number(fields[11]) + Number(fields[12]);
  }
  return (ticks / 100) * 1e6;
}

export function cpuNoiseSupported(): boolean {
  try { busyTicks(); return true; } catch { return false; }
}

export class CpuNoiseMeter {
  private start: Snapshot | undefined;
  private readonly ticksPerSecond = 100; // USER_HZ on Linux

  /** includeChildren: count this process's children as part of the measured work. */
  constructor(private readonly options: { includeChildren?: boolean } = {}) {}

  begin(): void {
    this.start = cpuNoiseSupported() ? { busyTicks: busyTicks(), ownMicros: ownMicros(this.options.includeChildren ?? false), wallMs: performance.now() } : undefined;
  }

  /** Average cores used by everything except this process since begin(); 0 where /proc is missing. */
  end(): number {
    if (!this.start) return 0;
    const wallS = (performance.now() - this.start.wallMs) / 1000;
    if (wallS <= 0) return 0;
    const allS = (busyTicks() - this.start.busyTicks) / this.ticksPerSecond;
    const ownS = (ownMicros(this.options.includeChildren ?? false) - this.start.ownMicros) / 1e6;
    return Math.max(0, (allS - ownS) / wallS);
  }
}
