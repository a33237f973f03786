// Reads a request body as JSON within a size limit. A declared Content-Length over the limit is
// refused before anything is read; a body that grows past it while arriving stops being kept (the
// rest is drained and dropped, so the client still reads the 413 instead of a reset connection).
import type { IncomingMessage } from 'node:http';
import { ApiError, apiErrors } from './apiError';

/** Default limit: a long prompt (the whole context of code) is well under 1 MB of JSON. */
export const DEFAULT_MAX_BODY_BYTES = 4 * 1024 * 1024;

export function readJsonBody(req: IncomingMessage, maxBytes: number): Promise<unknown> {
  return new Promise((resolve, reject) => {
    const declared = Number(req.headers['content-length']);
    if (Number.isFinite(declared) && declared > maxBytes) {
      req.resume();
      return reject(apiErrors.bodyTooLarge(maxBytes));
    }
    const chunks: Buffer[] = [];
    let size = 0;
    let tooLarge = false;
    req.on('data', (chunk: Buffer) => {
      if (tooLarge) return;
      size += chunk.length;
      if (size > maxBytes) {
        tooLarge = true;
        chunks.length = 0;
        reject(apiErrors.bodyTooLarge(maxBytes));
        return;
      }
      chunks.push(chunk);
    });
    req.on('error', (err) => reject(err instanceof ApiError ? err : apiErrors.internal(`reading the request failed: ${err.message}`)));
    req.on('end', () => {
      if (tooLarge) return;
      const text = Buffer.concat(chunks).toString('utf8');
      if (text.trim() === '') return reject(apiErrors.malformedJson('the body is empty'));
      try {
        resolve(JSON.parse(text));
      } catch (err) {
        reject(apiErrors.malformedJson((err as Error).message));
      }
    });
  });
}
