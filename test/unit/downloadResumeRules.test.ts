// The rules that decide whether a server's answer may be appended to a partial file.

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseContentRange, rejectResumeReason } from '../../engine/download/fileDownload';

const ok206 = (range: string, etag?: string) => ({ status: 206, headers: { 'content-range': range, etag } });

describe('download resume rules', () => {
  it('parses Content-Range', () => {
    assert.deepEqual(parseContentRange('bytes 100-199/1000'), { start: 100, end: 199, total: 1000 });
    assert.deepEqual(parseContentRange('bytes 0-0/*'), { start: 0, end: 0, total: undefined });
    for (const bad of [undefined, '', 'bytes */1000', 'bytes 5-4/10', 'items 0-1/2', 'bytes 1-2']) assert.equal(parseContentRange(bad), undefined, String(bad));
  });

  it('accepts only a 206 that starts at the local size, for the same file and ETag', () => {
    assert.equal(rejectResumeReason(ok206('bytes 500-999/1000', '"abc"'), 500, 1000, 'abc'), undefined);
    assert.equal(rejectResumeReason(ok206('bytes 500-599/1000'), 500, 1000, 'abc'), undefined, 'no ETag in the answer: the hash decides');
    assert.match(rejectResumeReason({ status: 200, headers: {} }, 500, 1000, undefined)!, /ignored the Range/);
    assert.match(rejectResumeReason({ status: 416, headers: {} }, 500, 1000, undefined)!, /416/);
    assert.match(rejectResumeReason(ok206('bytes 499-999/1000'), 500, 1000, undefined)!, /started at byte 499, not 500/);
    assert.match(rejectResumeReason(ok206('bytes 501-999/1000'), 500, 1000, undefined)!, /started at byte 501/);
    assert.match(rejectResumeReason(ok206('bytes 500-999/2000'), 500, 1000, undefined)!, /2000 bytes, not 1000/);
    assert.match(rejectResumeReason(ok206('bytes 500-999/1000', '"new"'), 500, 1000, 'old')!, /ETag differs/);
    assert.match(rejectResumeReason({ status: 206, headers: {} }, 500, 1000, undefined)!, /no valid Content-Range/);
    assert.equal(rejectResumeReason(ok206('bytes 500-999/1000', 'W/"weak"'), 500, 1000, 'old'), undefined, 'weak ETags are not compared');
  });
});
