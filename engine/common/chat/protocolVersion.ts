// The chat protocol's version, written once: every message either side posts carries it, and the
// extension drops messages of another version (a webview left over from an older build).
import type { ProtocolVersion } from './protocol';

export const CHAT_PROTOCOL_VERSION: ProtocolVersion = 1;
