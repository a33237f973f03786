// The one loopback rule (engine/common/net/loopback.ts): what only this machine can reach, in every
// spelling a URL or a --host flag produces, and nothing that merely looks like it.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { isLoopbackHost } from '../../engine/common/net/loopback';

test('loopback: localhost and its subdomains, 127.0.0.0/8, ::1 and IPv4-mapped 127.x in dotted and hex forms', () => {
  for (const host of [
    'localhost', 'LOCALHOST', 'localhost.', 'api.localhost', '127.0.0.1', '127.1.2.3', '127.255.255.255',
    '::1', '[::1]', '0:0:0:0:0:0:0:1', '0000:0000::0001', '::ffff:127.0.0.1', '[::ffff:7f00:1]', '::ffff:7fff:ffff',
    '0:0:0:0:0:ffff:7f00:1', '::1%lo',
  ]) {
    assert.equal(isLoopbackHost(host), true, host);
  }
});

test('not loopback: other addresses, names that only contain the words, malformed forms', () => {
  for (const host of [
    '', '0.0.0.0', '::', '128.0.0.1', '10.0.0.5', '126.0.0.1', '127.0.0', '127.0.0.1.5', '127.0.0.256', '127.0.0.01x',
    '127.0.0.1.nip.io', 'localhost.example.com', 'mylocalhost', 'gpu-box', '::2', '::ffff:128.0.0.1', '::ffff:8000:1',
    '1::1', '::1::', ':::1', '0:0:0:0:0:0:0:0:1', '::ffff:7f00:1:2:3:4:5:6', '::1g', 'fe80::1',
  ]) {
    assert.equal(isLoopbackHost(host), false, host);
  }
});
