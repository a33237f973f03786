// Engine host entry point (bundled to dist/engineHost.js), forked by the extension. It owns the one
// ORT session: model steps block this process's thread, never the editor's.
import { assertModelFolderVerified } from '../download/checkModelFolder';
import { Engine } from '../engine';
import { decodeHostRequest } from './decodeRequest';
import { HostRunner } from './hostRunner';
import type { HostMessage } from './protocol';
import { HOST_PROTOCOL_VERSION } from './protocolVersion';
import { TokenCounter } from './tokenCounter';

function send(message: HostMessage): void {
  // The channel closes when the extension goes away; the 'disconnect' handler ends the process.
  if (process.connected) process.send!(message);
}

if (!process.send) {
  console.error('the engine host must be started by child_process.fork, with an IPC channel');
  process.exit(2);
}

const runner = new HostRunner({
  loadEngine: async (options) => {
    // A downloaded folder is checked against its manifest (hashes cached by size and mtime) so a
    // damaged file is reported as such, with a code the extension turns into a re-download offer.
    await assertModelFolderVerified(options.modelPath);
    return Engine.load(options);
  },
  send,
  countTokens: (() => {
    const counter = new TokenCounter();
    return (modelPath, input) => counter.count(modelPath, input);
  })(),
  onShutdown: () => process.exit(0),
});

process.on('message', (raw: unknown) => {
  const decoded = decodeHostRequest(raw);
  if (decoded.ok) runner.handle(decoded.value);
  else runner.rejectMalformed(decoded.id, decoded.message);
});

// Never outlive the extension: an orphaned host would hold a gigabyte or more for nothing.
process.on('disconnect', () => process.exit(0));

send({ type: 'hello', version: HOST_PROTOCOL_VERSION, pid: process.pid });
