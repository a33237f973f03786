// TLS verification is never turned off: a hub with a self-signed certificate is refused at once
// (no retries), with a message that says what to do. The certificate is made with openssl.

import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:https';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { DownloadError } from '../../engine/download/errors';
import { downloadModel } from '../../engine/download/modelDownload';
import type { DownloadEvent } from '../../engine/download/types';
import { FAST_RETRY, TEST_REPO, tempDir } from '../helpers/downloadFixtures';

const openssl = spawnSync('openssl', ['version']).status === 0;

describe('download over TLS', { timeout: 60_000, skip: openssl ? false : 'openssl is not installed' }, () => {
  const certs = tempDir('r1-tls-');
  let server: Server;
  let url = '';
  let requests = 0;
  before(async () => {
    const made = spawnSync('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-days', '1', '-subj', '/CN=127.0.0.1', '-keyout', join(certs.path, 'key.pem'), '-out', join(certs.path, 'cert.pem')], { encoding: 'utf8' });
    assert.equal(made.status, 0, made.stderr);
    server = createServer({ key: readFileSync(join(certs.path, 'key.pem')), cert: readFileSync(join(certs.path, 'cert.pem')) }, (_req, res) => {
      requests++;
      res.end('{}');
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    url = `https://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  after(async () => {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
    certs.cleanup();
  });

  it('refuses a self-signed certificate without retrying', async () => {
    const dir = tempDir('r1-dl-');
    const events: DownloadEvent[] = [];
    try {
      await assert.rejects(
        downloadModel({ source: { endpoint: url, repo: TEST_REPO, revision: 'main', variant: 'q4' }, modelDir: dir.path, retry: FAST_RETRY, onEvent: (e) => events.push(e) }),
        (e: unknown) => e instanceof DownloadError && e.code === 'network' && !e.retryable && /certificate .* could not be verified .*self-signed/i.test(e.message),
      );
      assert.equal(requests, 0, 'no request got through the handshake');
      assert.equal(events.filter((e) => e.type === 'retry').length, 0);
    } finally {
      dir.cleanup();
    }
  });
});
