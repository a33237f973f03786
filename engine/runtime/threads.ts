// Default intra-op thread count: physical cores minus one, at least one. Decode is memory-bound and
// hyper-threads share a core's caches, so counting logical CPUs would oversubscribe; the spare core
// keeps the editor responsive.
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';

/** Physical cores from /proc/cpuinfo: distinct (physical id, core id) pairs. */
export function physicalCoresFromCpuinfo(cpuinfo: string): number | undefined {
  const cores = new Set<string>();
  let physical = '0';
  for (const line of cpuinfo.split('\n')) {
    const [key, value] = line.split(':').map((s) => s.trim());
    if (key === 'physical id') physical = value;
    if (key === 'core id') cores.add(`${physical}/${value}`);
  }
  return cores.size > 0 ? cores.size : undefined;
}

function physicalCores(): number | undefined {
  try {
    if (process.platform === 'linux') return physicalCoresFromCpuinfo(readFileSync('/proc/cpuinfo', 'utf8'));
    if (process.platform === 'darwin') {
      const n = Number(execFileSync('sysctl', ['-n', 'hw.physicalcpu'], { encoding: 'utf8', timeout: 2000 }).trim());
      return Number.isInteger(n) && n > 0 ? n : undefined;
    }
  } catch {
    // Unreadable: fall back to the logical count below.
  }
  return undefined;
}

export function defaultThreadCount(): number {
  // availableParallelism honours CPU affinity (containers); never exceed it.
  const logical = availableParallelism();
  const physical = Math.min(physicalCores() ?? logical, logical);
  return Math.max(1, physical - 1);
}
