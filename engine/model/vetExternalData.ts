// Checks, before onnxruntime opens anything, that every external-data file a model names lies
// inside the model folder, is completely downloaded, and is long enough for the bytes it must hold.
import { stat } from 'node:fs/promises';
import { posix } from 'node:path';
import { listExternalData } from './onnxExternalData';
import { ModelLoadError } from './modelLoadError';
import { resolveInsideFolder } from './safePath';
import { pathExists } from './pathExists';

/**
 * @param root the model folder (a real path)
 * @param onnxFile the model file relative to `root`, with `/` separators
 * @returns the external-data files in use, relative to `root`
 */
export async function vetExternalData(root: string, onnxFile: string, onnxPath: string): Promise<string[]> {
  const refs = await listExternalData(onnxPath, onnxFile);
  const byLocation = new Map<string, typeof refs>();
  for (const ref of refs) byLocation.set(ref.location, [...(byLocation.get(ref.location) ?? []), ref]);

  const used: string[] = [];
  const onnxDir = posix.dirname(onnxFile);
  for (const [location, tensors] of byLocation) {
    const what = `External data of tensor "${tensors[0].tensor}" in ${onnxFile}`;
    // Locations are relative to the .onnx file's own folder; `..` is refused by resolveInsideFolder.
    const relative = onnxDir === '.' ? location : `${onnxDir}/${location}`;
    let real: string;
    try {
      real = await resolveInsideFolder(root, relative, what);
    } catch (err) {
      if (err instanceof ModelLoadError && err.code === 'not-found' && (await pathExists(`${root}/${relative}.incomplete`))) {
        throw new ModelLoadError('incomplete-download', `${relative} is still downloading (${relative}.incomplete); finish the download first.`);
      }
      throw err;
    }
    const { size } = await stat(real);
    for (const t of tensors) {
      const needed = t.offset + (t.length ?? 0);
      if (needed > size || t.offset > size) {
        throw new ModelLoadError('corrupt-file', `${relative} is ${size} bytes but tensor "${t.tensor}" needs bytes up to ${needed}: the file is truncated.`);
      }
    }
    used.push(relative);
  }
  return used;
}
