// Resolves a path that a model file names (an external-data location, a genai decoder file name)
// and refuses anything that could leave the model folder: absolute paths, `..` segments, and
// symbolic links whose target lies outside. A downloaded model is untrusted input.
import { realpath } from 'node:fs/promises';
import { isAbsolute, join, posix, sep, win32 } from 'node:path';
import { ModelLoadError } from './modelLoadError';

/** `root` must already be a real path (no symlinks), as returned by `realpath`. */
export async function resolveInsideFolder(root: string, relativePath: string, what: string): Promise<string> {
  if (relativePath.length === 0 || relativePath.includes('\0')) {
    throw new ModelLoadError('unsafe-external-data', `${what}: empty or malformed path ${JSON.stringify(relativePath)}.`);
  }
  // Check both path flavours: a model written on Windows may carry `C:\…` or `\\server\…`.
  if (isAbsolute(relativePath) || posix.isAbsolute(relativePath) || win32.isAbsolute(relativePath)) {
    throw new ModelLoadError('unsafe-external-data', `${what}: absolute path ${JSON.stringify(relativePath)} is not allowed; files must live inside the model folder.`);
  }
  if (relativePath.split(/[\\/]/).includes('..')) {
    throw new ModelLoadError('unsafe-external-data', `${what}: path ${JSON.stringify(relativePath)} climbs out of the model folder with "..".`);
  }
  const joined = join(root, ...relativePath.split(/[\\/]/));
  let real: string;
  try {
    real = await realpath(joined);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') {
      throw new ModelLoadError('not-found', `${what}: ${JSON.stringify(relativePath)} does not exist in the model folder.`);
    }
    throw err;
  }
  if (!real.startsWith(root + sep)) {
    throw new ModelLoadError('unsafe-external-data', `${what}: ${JSON.stringify(relativePath)} is a link to ${real}, outside the model folder.`);
  }
  return real;
}
