// The engine host protocol's version, written once: the host announces it in `hello` and the
// extension refuses a host that speaks another (a stale dist/engineHost.js).
import type { HostProtocolVersion } from './protocol';

export const HOST_PROTOCOL_VERSION: HostProtocolVersion = 1;
