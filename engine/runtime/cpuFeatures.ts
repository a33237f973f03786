// What the CPU can execute, as one short string: onnxruntime packs quantized weights for the
// instruction set it finds (AVX2, AVX-512 VNNI, NEON dot product…), so weights packed on one machine
// are only valid where the same set is present. Cheap by design: one read of /proc/cpuinfo on Linux,
// one sysctl call on macOS, the processor's name elsewhere; computed once per process.
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { arch, cpus } from 'node:os';

let cached: string | undefined;

function linuxFlags(): string | undefined {
  const text = readFileSync('/proc/cpuinfo', 'utf8');
  // x86 lists "flags", arm64 "Features"; the first processor's line stands for all of them.
  const line = /^(?:flags|Features)\s*:\s*(.*)$/m.exec(text);
  return line ? line[1].trim().split(/\s+/).sort().join(' ') : undefined;
}

function macFeatures(): string | undefined {
  const keys = arch() === 'x64' ? ['machdep.cpu.features', 'machdep.cpu.leaf7_features'] : ['machdep.cpu.brand_string'];
  return execFileSync('sysctl', ['-n', ...keys], { encoding: 'utf8', timeout: 2000 }).trim();
}

function describe(): string {
  try {
    const features = process.platform === 'linux' ? linuxFlags() : process.platform === 'darwin' ? macFeatures() : undefined;
    if (features) return features;
  } catch {
    // Unreadable: the processor's name below is coarser but still changes with the machine.
  }
  return `${cpus()[0]?.model ?? 'unknown'} ${process.env.PROCESSOR_IDENTIFIER ?? ''}`.trim();
}

/** A short hash of the architecture and the CPU's feature flags. */
export function cpuFeatureKey(): string {
  cached ??= createHash('sha256').update(`${process.platform} ${arch()} ${describe()}`).digest('hex').slice(0, 12);
  return cached;
}
