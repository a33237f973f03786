// Checks messages from the engine host before the client routes them. The host is our own
// process, but a version mismatch or a corrupted channel must surface as a clear error, not as
// `undefined` deep inside a feature.
import type { HostMessage } from '../../engine/host/protocol';
import { HOST_PROTOCOL_VERSION } from '../../engine/host/protocolVersion';

export type DecodedHostMessage = { ok: true; message: HostMessage } | { ok: false; reason: string };

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function hasId(m: Record<string, unknown>): boolean {
  return Number.isSafeInteger(m.id);
}

export function decodeHostMessage(raw: unknown): DecodedHostMessage {
  if (!isRecord(raw)) return { ok: false, reason: 'not an object' };
  switch (raw.type) {
    case 'hello':
      if (raw.version !== HOST_PROTOCOL_VERSION) {
        return { ok: false, reason: `engine host speaks protocol ${String(raw.version)}, expected ${HOST_PROTOCOL_VERSION}` };
      }
      if (!Number.isInteger(raw.pid)) return { ok: false, reason: 'hello without pid' };
      return { ok: true, message: raw as HostMessage };
    case 'event': {
      const event = raw.event;
      if (!hasId(raw) || !isRecord(event)) return { ok: false, reason: 'event without id or payload' };
      if (event.type === 'delta') {
        if ((event.channel !== 'reasoning' && event.channel !== 'answer') || typeof event.text !== 'string' || !Array.isArray(event.tokenIds)) {
          return { ok: false, reason: 'malformed delta event' };
        }
      } else if (event.type === 'done') {
        if (typeof event.finishReason !== 'string' || !isRecord(event.stats) || !Array.isArray(event.tokenIds)) {
          return { ok: false, reason: 'malformed done event' };
        }
      } else {
        return { ok: false, reason: `unknown event type ${JSON.stringify(event.type)}` };
      }
      return { ok: true, message: raw as HostMessage };
    }
    case 'result':
      if (!hasId(raw) || !('result' in raw)) return { ok: false, reason: 'result without id' };
      return { ok: true, message: raw as HostMessage };
    case 'error': {
      const error = raw.error;
      const badDetail = isRecord(error) && error.detail !== undefined && typeof error.detail !== 'string';
      if (!Number.isInteger(raw.id) || !isRecord(error) || typeof error.code !== 'string' || typeof error.message !== 'string' || badDetail) {
        return { ok: false, reason: 'malformed error' };
      }
      return { ok: true, message: raw as HostMessage };
    }
    case 'alive':
      return { ok: true, message: { type: 'alive', busy: raw.busy === true } };
    default:
      return { ok: false, reason: `unknown message type ${JSON.stringify(raw.type)}` };
  }
}
