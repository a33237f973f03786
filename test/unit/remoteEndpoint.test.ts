// The plain-http rule: loopback is never asked about, another machine over http is asked once per
// origin (Allow and Cancel both remembered), https never.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { isLoopbackHost } from '../../engine/common/net/loopback';
import { insecureDecision, needsInsecureConsent, parseEndpoint, type EndpointFacts } from '../../extension/core/remote/endpoint';

function facts(endpoint: string): EndpointFacts {
  const parsed = parseEndpoint(endpoint);
  assert.ok(parsed.ok, endpoint);
  return parsed.facts;
}

test('loopback: 127.0.0.0/8, ::1 and localhost, in every spelling URL produces', () => {
  for (const url of ['http://127.0.0.1:8080/v1', 'http://127.1.2.3/v1', 'http://localhost:11434/v1', 'http://LOCALHOST/v1', 'http://api.localhost/v1', 'http://[::1]:8000/v1', 'http://[::ffff:127.0.0.1]/v1']) {
    assert.equal(facts(url).loopback, true, url);
    assert.equal(needsInsecureConsent(facts(url)), false, url);
  }
  for (const host of ['128.0.0.1', '10.0.0.5', 'gpu-box', 'localhost.example.com', '::2', '127.0.0.1.nip.io']) assert.equal(isLoopbackHost(host), false, host);
});

test('http to another machine needs consent; https never does', () => {
  assert.equal(needsInsecureConsent(facts('http://gpu-box:8000/v1')), true);
  assert.equal(needsInsecureConsent(facts('http://10.0.0.5/v1')), true);
  assert.equal(needsInsecureConsent(facts('https://gpu-box/v1')), false);
});

test('asked once per origin: an answer for one origin is not an answer for another', () => {
  const box = facts('http://gpu-box:8000/v1');
  assert.equal(insecureDecision(box, {}), 'ask');
  assert.equal(insecureDecision(box, { 'http://gpu-box:8000': 'allow' }), 'send');
  assert.equal(insecureDecision(box, { 'http://gpu-box:8000': 'deny' }), 'refuse');
  assert.equal(insecureDecision(facts('http://gpu-box:9000/v1'), { 'http://gpu-box:8000': 'allow' }), 'ask');
  assert.equal(insecureDecision(facts('http://127.0.0.1:8080/v1'), {}), 'send');
  assert.equal(insecureDecision(facts('https://gpu-box/v1'), { 'https://gpu-box': 'deny' }), 'send');
});

test('endpoints that are not http(s) URLs, or carry credentials, are refused with the reason', () => {
  const bad = (url: string) => {
    const parsed = parseEndpoint(url);
    assert.equal(parsed.ok, false, url);
    return parsed.ok ? '' : parsed.reason;
  };
  assert.match(bad('gpu-box:8000'), /http:\/\/ or https:\/\//);
  assert.match(bad('not a url'), /not a URL/);
  assert.match(bad('https://user:secret@gpu-box/v1'), /Set Server API Key/);
  assert.doesNotMatch(bad('https://user:secret@gpu-box/v1'), /secret/, 'the password is not repeated');
  assert.equal(facts('http://gpu-box:8000/v1').host, 'gpu-box:8000');
  assert.equal(facts('https://gpu-box:443/v1').host, 'gpu-box');
});
