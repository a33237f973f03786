// Shared setup for download tests: a small fake repository on the fake hub, a fresh model folder,
// fast retry timings, and a writer that checks every byte appended to a partial file against the
// true content (so "never appends mismatched bytes" is asserted directly, not inferred).

import { mkdtempSync, promises as fs, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openPartialFile, type OpenPartialFile } from '../../engine/download/partialFile';
import type { DownloadEvent, ModelSource } from '../../engine/download/types';
import { HubServer, seededBytes } from './hubServer';

export const TEST_REPO = 'test-org/tiny-r1-onnx';
export const GRAPH = 'onnx/model_q4.onnx';
export const GRAPH_DATA = 'onnx/model_q4.onnx_data';

export function repoFiles(graphBytes = 1_000_000): Record<string, Buffer> {
  return {
    'config.json': Buffer.from(JSON.stringify({ model_type: 'qwen2', num_hidden_layers: 2 })),
    'generation_config.json': Buffer.from(JSON.stringify({ eos_token_id: [1, 2] })),
    'tokenizer.json': Buffer.from(JSON.stringify({ version: '1.0', model: { type: 'BPE' } })),
    'tokenizer_config.json': Buffer.from(JSON.stringify({ model_max_length: 4096 })),
    [GRAPH]: seededBytes(graphBytes, 7),
    [GRAPH_DATA]: seededBytes(300_000, 11),
    'onnx/model_fp16.onnx': seededBytes(1000, 13), // another variant: must not be fetched
    'README.md': Buffer.from('# test'),
  };
}

export const FAST_RETRY = { baseDelayMs: 1, maxDelayMs: 5 };

export function tempDir(prefix: string): { path: string; cleanup: () => void } {
  const path = mkdtempSync(join(tmpdir(), prefix));
  return { path, cleanup: () => rmSync(path, { recursive: true, force: true }) };
}

/**
 * Runs `body` with a fresh scratch folder, then removes it and, when a hub is given, clears the
 * faults the body injected into it, even if the body throws.
 */
export async function inTempDir(prefix: string, body: (dir: { path: string }) => Promise<void>, hub?: HubServer): Promise<void> {
  const dir = tempDir(prefix);
  try {
    await body(dir);
  } finally {
    hub?.clearFaults();
    dir.cleanup();
  }
}

export function sourceFor(hub: HubServer, overrides: Partial<ModelSource> = {}): ModelSource {
  return { endpoint: hub.hubUrl, repo: TEST_REPO, revision: 'main', variant: 'q4', ...overrides };
}

/** Wraps the real writer; records any chunk that does not match the file's true bytes at its offset. */
export function checkingWriter(truth: Record<string, Buffer>, modelDir: string, mismatches: string[]): OpenPartialFile {
  return async (path, mode) => {
    const rel = path.slice(modelDir.length + 1).replace(/\\/g, '/').replace(/\.incomplete$/, '');
    const expected = truth[rel];
    const { size } = await fs.stat(path).catch(() => ({ size: 0 }));
    let offset = mode === 'append' ? size : 0;
    const inner = await openPartialFile(path, mode);
    return {
      async write(chunk) {
        if (!expected || !Buffer.from(chunk).equals(expected.subarray(offset, offset + chunk.length))) {
          mismatches.push(`${rel}: ${chunk.length} wrong bytes at offset ${offset}`);
        }
        offset += chunk.length;
        await inner.write(chunk);
      },
      close: () => inner.close(),
    };
  };
}

export function eventsOf<T extends DownloadEvent['type']>(events: DownloadEvent[], type: T): Extract<DownloadEvent, { type: T }>[] {
  return events.filter((e): e is Extract<DownloadEvent, { type: T }> => e.type === type);
}

export async function startHub(options?: ConstructorParameters<typeof HubServer>[0]): Promise<HubServer> {
  return new HubServer(options).start();
}
