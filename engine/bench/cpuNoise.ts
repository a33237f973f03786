// Measures how much CPU other processes used while a benchmark ran: a noisy neighbour on a 2-core
// machine can cut decode speed several times, so every figure carries this next to it.
import { readFileSync } from 'node:fs';

/** Other processes using more than this many cores on average mark a run noisy. */
export const NOISY_CORES = 0.25;

interface Snapshot { busyTicks: number; ownMicros: number; wallMs: number }

function busyTicks(): number {
  // First line of /proc/stat: "cpu user nice system idle iowait irq softirq steal ..."
  const fields = readFileSync('/proc/stat', 'utf8').split('\n', 1)[0].trim().split(/\s+/).slice(1).map(Number);
  const idle = fields[3] + (fields[4] ?? 0);
  return fields.slice(0, 8).reduce((a, b) => a + b, 0) - idle;
}

function ownMicros(): number {
  const u = process.cpuUsage();
  return u.user + u.system;
}

export function cpuNoiseSupported(): boolean {
  try { busyTicks(); return true; } catch { return false; }
}

export class CpuNoiseMeter {
  private start: Snapshot | undefined;
  private readonly ticksPerSecond = 100; // USER_HZ on Linux

  begin(): void {
    this.start = cpuNoiseSupported() ? { busyTicks: busyTicks(), ownMicros: ownMicros(), wallMs: performance.now() } : undefined;
  }

  /** Average cores used by everything except this process since begin(); 0 where /proc is missing. */
  end(): number {
    if (!this.start) return 0;
    const wallS = (performance.now() - this.start.wallMs) / 1000;
    if (wallS <= 0) return 0;
    const allS = (busyTicks() - this.start.busyTicks) / this.ticksPerSecond;
    const ownS = (ownMicros() - this.start.ownMicros) / 1e6;
    return Math.max(0, (allS - ownS) / wallS);
  }
}
