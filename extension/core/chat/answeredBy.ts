// The "answered by" line under each chat answer: which backend, which server, which model. With
// two backends a user must be able to tell whether an answer came from this machine or left it.
import type { BackendCapabilities } from '../generationBackend';

/** "local · DeepSeek-R1-Distill-Qwen-1.5B", "openai-compatible · gpu-box:8000 · deepseek-r1:7b"; undefined before the backend is known. */
export function answeredBy(capabilities: BackendCapabilities | undefined): string | undefined {
  if (!capabilities) return undefined;
  const { origin, modelName } = capabilities;
  // A local model's name may be its folder path: the last segment says which model it is.
  if (!origin) return `local · ${modelName.split(/[\\/]/).filter(Boolean).pop() ?? modelName}`;
  return `${origin.backend} · ${origin.host} · ${modelName}`;
}
