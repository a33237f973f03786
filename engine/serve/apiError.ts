// Errors of `r1-local serve` in OpenAI's shape, `{ error: { message, type, code, param } }`, each
// with its HTTP status. Clients branch on the status and `code`, never on the message.

export type ApiErrorType = 'invalid_request_error' | 'authentication_error' | 'not_found_error' | 'rate_limit_error' | 'server_error';

export interface ApiErrorBody {
  error: { message: string; type: ApiErrorType; code: string; param: string | null };
}

export class ApiError extends Error {
  override readonly name = 'ApiError';

  constructor(
    readonly status: number,
    readonly type: ApiErrorType,
    readonly code: string,
    message: string,
    /** The request field at fault, when there is one. */
    readonly param: string | null = null,
    /** Extra response headers (Retry-After, Allow, WWW-Authenticate). */
    readonly headers: Readonly<Record<string, string>> = {},
  ) {
    super(message);
  }

  body(): ApiErrorBody {
    return { error: { message: this.message, type: this.type, code: this.code, param: this.param } };
  }
}

/** A request field that is missing, of the wrong type or out of range. */
export function badField(param: string, expected: string): ApiError {
  return new ApiError(400, 'invalid_request_error', 'invalid_value', `${param}: expected ${expected}`, param);
}

export const apiErrors = {
  malformedJson: (detail: string) => new ApiError(400, 'invalid_request_error', 'invalid_json', `the request body is not valid JSON: ${detail}`),
  contextLength: (promptTokens: number, contextLength: number) =>
    new ApiError(400, 'invalid_request_error', 'context_length_exceeded', `the prompt has ${promptTokens} tokens but the model's context holds ${contextLength}: shorten it`, 'messages'),
  /** A prompt refused on its length in characters, before it is tokenized. */
  contextLengthChars: (promptChars: number, contextLength: number, param: string) =>
    new ApiError(
      400,
      'invalid_request_error',
      'context_length_exceeded',
      `the prompt has ${promptChars} characters, far more than the model's context of ${contextLength} tokens holds: shorten it`,
      param,
    ),
  missingKey: () => new ApiError(401, 'authentication_error', 'missing_api_key', 'this server needs an API key: send it as "Authorization: Bearer KEY"', null, { 'WWW-Authenticate': 'Bearer' }),
  wrongKey: () => new ApiError(401, 'authentication_error', 'invalid_api_key', 'the API key is not valid for this server', null, { 'WWW-Authenticate': 'Bearer' }),
  badTarget: () => new ApiError(400, 'invalid_request_error', 'invalid_request_target', 'the request target is not a valid path'),
  unknownPath: (path: string) => new ApiError(404, 'not_found_error', 'not_found', `no such endpoint: ${path}`),
  unknownModel: (asked: string, served: string) => new ApiError(404, 'not_found_error', 'model_not_found', `the model "${asked}" does not exist on this server; it serves "${served}"`, 'model'),
  methodNotAllowed: (method: string, allowed: readonly string[]) =>
    new ApiError(405, 'invalid_request_error', 'method_not_allowed', `${method} is not allowed here; use ${allowed.join(' or ')}`, null, { Allow: allowed.join(', ') }),
  bodyTooLarge: (limit: number) => new ApiError(413, 'invalid_request_error', 'request_too_large', `the request body is larger than this server accepts (${limit} bytes)`),
  queueFull: (maxQueue: number, retryAfterS: number) =>
    new ApiError(
      429,
      'rate_limit_error',
      'queue_full',
      maxQueue === 0 ? 'the server is busy with another request and keeps no queue; retry shortly' : `the server is busy: ${maxQueue} requests are already waiting; retry shortly`,
      null,
      { 'Retry-After': String(retryAfterS) },
    ),
  shuttingDown: () => new ApiError(503, 'server_error', 'shutting_down', 'the server is shutting down'),
  internal: (message: string) => new ApiError(500, 'server_error', 'internal_error', message),
};
