// Redirect handling with an injected request function: Authorization never reaches another
// origin, https never downgrades to http, redirect chains are bounded.

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { DownloadError } from '../../engine/download/errors';
import { type HttpRequestOptions, type HttpResponse, type RequestFn, requestFollowingRedirects } from '../../engine/download/http';
import { unquoteEtag } from '../../engine/download/hubClient';

function fakeServer(routes: Record<string, { status: number; location?: string }>) {
  const seen: { url: string; headers: Record<string, string> }[] = [];
  const request: RequestFn = async (url: URL, options: HttpRequestOptions): Promise<HttpResponse> => {
    seen.push({ url: url.href, headers: { ...(options.headers ?? {}) } });
    const route = routes[url.href] ?? { status: 404 };
    return {
      status: route.status,
      headers: route.location ? { location: route.location } : {},
      url,
      body: (async function* () {})(),
      dispose: () => undefined,
    };
  };
  return { request, seen };
}

describe('download redirects', () => {
  it('keeps Authorization on the same origin and drops it for good on another one', async () => {
    const { request, seen } = fakeServer({
      'https://hub.example/a': { status: 307, location: '/b' },
      'https://hub.example/b': { status: 302, location: 'https://cdn.example/blob' },
      'https://cdn.example/blob': { status: 302, location: 'https://hub.example/c' },
      'https://hub.example/c': { status: 200 },
    });
    const res = await requestFollowingRedirects(request, new URL('https://hub.example/a'), { method: 'GET', headers: { Authorization: 'Bearer t', range: 'bytes=5-' } });
    assert.equal(res.status, 200);
    assert.equal(res.url.href, 'https://hub.example/c');
    assert.deepEqual(seen.map((r) => [r.url, r.headers.Authorization]), [
      ['https://hub.example/a', 'Bearer t'],
      ['https://hub.example/b', 'Bearer t'],
      ['https://cdn.example/blob', undefined],
      ['https://hub.example/c', undefined],
    ]);
    assert.ok(seen.every((r) => r.headers.range === 'bytes=5-'), 'other headers travel on');
  });

  it('treats another port as another origin', async () => {
    const { request, seen } = fakeServer({
      'http://127.0.0.1:1000/x': { status: 302, location: 'http://127.0.0.1:2000/y' },
      'http://127.0.0.1:2000/y': { status: 200 },
    });
    await requestFollowingRedirects(request, new URL('http://127.0.0.1:1000/x'), { method: 'GET', headers: { authorization: 'Bearer t' } });
    assert.equal(seen[1].headers.authorization, undefined);
  });

  it('refuses a downgrade to http and endless redirects', async () => {
    const down = fakeServer({ 'https://hub.example/a': { status: 302, location: 'http://cdn.example/b' } });
    await assert.rejects(requestFollowingRedirects(down.request, new URL('https://hub.example/a'), { method: 'GET' }), (e: unknown) => e instanceof DownloadError && /insecure/.test(e.message));
    const loop = fakeServer({ 'https://hub.example/a': { status: 302, location: '/a' } });
    await assert.rejects(requestFollowingRedirects(loop.request, new URL('https://hub.example/a'), { method: 'GET' }), /Too many redirects/);
    assert.equal(loop.seen.length, 11);
  });

  it('unquotes ETags', () => {
    assert.equal(unquoteEtag('"abc"'), 'abc');
    assert.equal(unquoteEtag('W/"abc"'), 'abc');
    assert.equal(unquoteEtag(undefined), undefined);
  });
});
