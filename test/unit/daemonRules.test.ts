// The shared engine's rules without sockets or processes: where its folder is, when the folder is
// private enough, the handshake (token first, then protocol and build), what a window makes of the
// daemon.json it finds (stale, mismatched, usable), message framing, and idle exit on a fake clock.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { DAEMON_PROTOCOL_VERSION, judgeConnect, judgeDaemonInfo, tokensEqual, type DaemonInfo } from '../../engine/daemon/handshake';
import { IdleExit, type DaemonClock } from '../../engine/daemon/idleExit';
import { LineReader, LineTooLongError, MAX_HANDSHAKE_LINE_CHARS, MAX_LINE_CHARS, encodeLine, parseLine } from '../../engine/daemon/lineCodec';
import { daemonPaths, privateFolderProblem, socketPathProblem } from '../../engine/daemon/paths';

class FakeClock implements DaemonClock {
  time = 0;
  private timers = new Map<number, { at: number; callback: () => void }>();
  private nextHandle = 1;
  now(): number {
    return this.time;
  }
  setTimeout(callback: () => void, ms: number): unknown {
    const handle = this.nextHandle++;
    this.timers.set(handle, { at: this.time + ms, callback });
    return handle;
  }
  clearTimeout(handle: unknown): void {
    this.timers.delete(handle as number);
  }
  advance(ms: number): void {
    const until = this.time + ms;
    for (;;) {
      const due = [...this.timers.entries()].filter(([, t]) => t.at <= until).sort((a, b) => a[1].at - b[1].at)[0];
      if (!due) break;
      this.timers.delete(due[0]);
      this.time = due[1].at;
      due[1].callback();
    }
    this.time = until;
  }
}

describe('daemon paths', () => {
  it('uses XDG_RUNTIME_DIR, else the cache dir, so a private HOME or runtime dir gives a private engine', () => {
    const linux = daemonPaths({ platform: 'linux', env: { XDG_RUNTIME_DIR: '/run/user/1000' }, home: '/home/ann' });
    assert.equal(linux.dir, '/run/user/1000/r1-local');
    assert.equal(linux.socket, '/run/user/1000/r1-local/sock');
    assert.equal(linux.info, '/run/user/1000/r1-local/daemon.json');
    assert.equal(daemonPaths({ platform: 'linux', env: {}, home: '/home/ann' }).dir, '/home/ann/.cache/r1-local/engine');
    assert.equal(daemonPaths({ platform: 'linux', env: { XDG_CACHE_HOME: '/c' }, home: '/home/ann' }).dir, '/c/r1-local/engine');
    // A relative XDG value is not a valid one (the spec says to ignore it).
    assert.equal(daemonPaths({ platform: 'linux', env: { XDG_RUNTIME_DIR: 'run' }, home: '/home/ann' }).dir, '/home/ann/.cache/r1-local/engine');
    assert.equal(daemonPaths({ platform: 'darwin', env: {}, home: '/Users/ann' }).dir, '/Users/ann/Library/Caches/r1-local/engine');
  });

  it('uses a named pipe per user profile on Windows', () => {
    const a = daemonPaths({ platform: 'win32', env: { LOCALAPPDATA: 'C:\\Users\\ann\\AppData\\Local' }, home: 'C:\\Users\\ann' });
    const b = daemonPaths({ platform: 'win32', env: { LOCALAPPDATA: 'C:\\Users\\bob\\AppData\\Local' }, home: 'C:\\Users\\bob' });
    assert.match(a.socket, /^\\\\\.\\pipe\\r1-local-[0-9a-f]{16}$/);
    assert.notEqual(a.socket, b.socket);
    assert.equal(socketPathProblem(a.socket, 'win32'), undefined);
  });

  it('refuses a socket path longer than a Unix socket allows (104 bytes on macOS)', () => {
    assert.equal(socketPathProblem('/run/user/1000/r1-local/sock', 'linux'), undefined);
    assert.match(socketPathProblem(`/${'x'.repeat(120)}/sock`, 'darwin') ?? '', /more than the 103/);
  });
});

describe('private folder', () => {
  const stat = (mode: number, uid = 1000, kind: 'dir' | 'link' | 'file' = 'dir') => ({
    mode,
    uid,
    isDirectory: () => kind === 'dir',
    isSymbolicLink: () => kind === 'link',
  });
  it('accepts a 0700 folder of the user', () => {
    assert.equal(privateFolderProblem('/d', stat(0o40700), 1000, 'linux'), undefined);
  });
  it('refuses loose permissions, another owner, a symlink or a file', () => {
    assert.match(privateFolderProblem('/d', stat(0o40755), 1000, 'linux') ?? '', /open to other users \(mode 755\).*chmod 700/);
    assert.match(privateFolderProblem('/d', stat(0o40770), 1000, 'linux') ?? '', /open to other users/);
    assert.match(privateFolderProblem('/d', stat(0o40700, 0), 1000, 'linux') ?? '', /belongs to user 0/);
    assert.match(privateFolderProblem('/d', stat(0o40700, 1000, 'link'), 1000, 'linux') ?? '', /symbolic link/);
    assert.match(privateFolderProblem('/d', stat(0o100600, 1000, 'file'), 1000, 'linux') ?? '', /not a folder/);
  });
  it('has no mode bits to check on Windows (the token protects the pipe)', () => {
    assert.equal(privateFolderProblem('C:\\d', stat(0o40777, 0), undefined, 'win32'), undefined);
  });
});

describe('handshake', () => {
  const self = { protocol: DAEMON_PROTOCOL_VERSION, build: 'b1', token: 'secret-token' };
  const hello = { type: 'connect', token: 'secret-token', protocol: DAEMON_PROTOCOL_VERSION, build: 'b1', client: 'w1', role: 'window' };

  it('lets in a window with the token, the protocol and the build', () => {
    const verdict = judgeConnect(hello, self);
    assert.ok(verdict.ok);
    assert.equal(verdict.hello.client, 'w1');
  });

  it('checks the token first: a wrong token learns nothing about versions', () => {
    assert.deepEqual(judgeConnect({ ...hello, token: 'guess', protocol: 99 }, self), { ok: false, code: 'token', reason: 'wrong token' });
    assert.equal((judgeConnect({ ...hello, token: '' }, self) as { code: string }).code, 'token');
    assert.equal((judgeConnect({ ...hello, token: undefined }, self) as { code: string }).code, 'bad_request');
  });

  it('refuses another protocol, and a window of another build', () => {
    const protocol = judgeConnect({ ...hello, protocol: DAEMON_PROTOCOL_VERSION + 1 }, self);
    assert.equal(!protocol.ok && protocol.code, 'protocol');
    const build = judgeConnect({ ...hello, build: 'b2' }, self);
    assert.equal(!build.ok && build.code, 'build');
    assert.match(!build.ok ? build.reason : '', /build b1, the client expects b2/);
  });

  it('lets `r1-local status` of another build look (it reads the status only)', () => {
    assert.ok(judgeConnect({ ...hello, build: 'other', role: 'status' }, self).ok);
  });

  it('refuses malformed first messages', () => {
    for (const bad of [null, 'connect', { ...hello, type: 'load' }, { ...hello, role: 'admin' }, { ...hello, client: '' }, { ...hello, build: 7 }]) {
      const v = judgeConnect(bad, self);
      assert.equal(!v.ok && v.code, 'bad_request', JSON.stringify(bad));
    }
  });

  it('compares tokens of any length without throwing', () => {
    assert.equal(tokensEqual('abc', 'abc'), true);
    assert.equal(tokensEqual('abc', 'abd'), false);
    assert.equal(tokensEqual('abc', 'abcd'), false);
  });
});

describe('daemon.json', () => {
  const info: DaemonInfo = { pid: 4242, protocol: DAEMON_PROTOCOL_VERSION, build: 'b1', token: 't', socket: '/s', startedAt: 1 };
  const alive = (pid: number) => pid === 4242;

  it('is usable when its process lives and versions match', () => {
    assert.deepEqual(judgeDaemonInfo(info, { protocol: DAEMON_PROTOCOL_VERSION, build: 'b1' }, alive), { kind: 'usable', info });
  });

  it('is stale when its process is gone, whatever its versions (it is replaced)', () => {
    assert.deepEqual(judgeDaemonInfo({ ...info, pid: 7, build: 'old' }, { protocol: DAEMON_PROTOCOL_VERSION, build: 'b1' }, alive), { kind: 'stale', pid: 7 });
  });

  it('is absent when missing, unreadable or incomplete', () => {
    for (const raw of [undefined, null, 'x', {}, { ...info, token: '' }, { ...info, pid: -1 }, { ...info, socket: undefined }]) {
      assert.equal(judgeDaemonInfo(raw, { protocol: DAEMON_PROTOCOL_VERSION, build: 'b1' }, alive).kind, 'absent', JSON.stringify(raw));
    }
  });

  it('is a mismatch for a live engine of another protocol or build, with the reason', () => {
    const protocol = judgeDaemonInfo({ ...info, protocol: 0 }, { protocol: DAEMON_PROTOCOL_VERSION, build: 'b1' }, alive);
    assert.equal(protocol.kind, 'mismatch');
    assert.match(protocol.kind === 'mismatch' ? protocol.reason : '', /speaks protocol 0/);
    const build = judgeDaemonInfo({ ...info, build: 'b0' }, { protocol: DAEMON_PROTOCOL_VERSION, build: 'b1' }, alive);
    assert.match(build.kind === 'mismatch' ? build.reason : '', /another build \(b0, this window has b1\)/);
    // `r1-local status` accepts any build.
    assert.equal(judgeDaemonInfo({ ...info, build: 'b0' }, { protocol: DAEMON_PROTOCOL_VERSION }, alive).kind, 'usable');
  });
});

describe('line framing', () => {
  it('splits messages on newlines across chunks and keeps a partial line', () => {
    const reader = new LineReader();
    const wire = encodeLine({ a: 'x\ny' }) + encodeLine({ b: 2 });
    assert.equal(wire.split('\n').length, 3, 'newlines inside strings are escaped');
    assert.deepEqual(reader.push(wire.slice(0, 5)), []);
    const lines = reader.push(wire.slice(5));
    assert.deepEqual(lines.map(parseLine), [{ a: 'x\ny' }, { b: 2 }]);
    assert.equal(parseLine('{not json'), undefined);
  });
  it('refuses a line longer than the limit, whether it arrives whole, in pieces or unended', () => {
    assert.throws(() => new LineReader(10).push('x'.repeat(11)), LineTooLongError);
    assert.throws(() => new LineReader(10).push(`${'x'.repeat(11)}\n`), LineTooLongError);
    const pieces = new LineReader(10);
    assert.deepEqual(pieces.push('x'.repeat(6)), []);
    assert.throws(() => pieces.push(`${'x'.repeat(5)}\n`), LineTooLongError);
    const exact = new LineReader(10);
    assert.deepEqual(exact.push('x'.repeat(4)), []);
    assert.deepEqual(exact.push(`${'y'.repeat(6)}\nz`), ['xxxxyyyyyy']);
  });
  it('counts characters, and reads the first line under the small handshake limit', () => {
    assert.ok(MAX_HANDSHAKE_LINE_CHARS <= 4096 && MAX_HANDSHAKE_LINE_CHARS < MAX_LINE_CHARS);
    assert.deepEqual(new LineReader(3).push('ééé\n'), ['ééé'], 'three characters, six bytes');
    // main.ts raises the limit once the handshake line is read; lines after it in the same chunk
    // are read under the raised limit, lines before it under the small one.
    const reader = new LineReader(MAX_HANDSHAKE_LINE_CHARS);
    const big = 'b'.repeat(MAX_HANDSHAKE_LINE_CHARS * 4);
    const seen: string[] = [];
    reader.read(`hello\n${big}\n`, (line) => {
      seen.push(line);
      reader.maxChars = MAX_LINE_CHARS;
    });
    assert.deepEqual(seen, ['hello', big]);
    const early = new LineReader(MAX_HANDSHAKE_LINE_CHARS);
    assert.throws(() => early.push(`${big}\nhello\n`), LineTooLongError);
    assert.throws(() => new LineReader(MAX_HANDSHAKE_LINE_CHARS).push(big), LineTooLongError, 'an unended first line');
  });
  it('takes linear time: a 32 MB line in 64 KiB chunks is read in under 1.5 s', () => {
    // Re-splitting everything buffered at every chunk took seconds here, all of them on the event
    // loop every window's requests go through.
    const reader = new LineReader(MAX_LINE_CHARS);
    const chunk = 'x'.repeat(64 * 2 ** 10);
    const chunks = 512;
    const started = performance.now();
    for (let i = 0; i < chunks; i++) {
      assert.deepEqual(reader.push(chunk), []);
      // Bounded even when the reader is slow: stop at the first chunk past the limit.
      assert.ok(performance.now() - started < 1500, `only ${i + 1} of ${chunks} chunks read in 1.5 s`);
    }
    const lines = reader.push('y\n');
    assert.equal(lines.length, 1);
    assert.equal(lines[0]!.length, chunks * chunk.length + 1);
    assert.ok(performance.now() - started < 1500, `${Math.round(performance.now() - started)} ms`);
  });
});

describe('idle exit', () => {
  it('exits 60 s after start when no window connects', () => {
    const clock = new FakeClock();
    let exited = 0;
    const idle = new IdleExit(clock, 60_000, () => exited++);
    clock.advance(59_999);
    assert.equal(exited, 0);
    assert.equal(idle.remainingMs(), 1);
    clock.advance(1);
    assert.equal(exited, 1);
  });

  it('never exits while a window is connected; counts 60 s from the last disconnect', () => {
    const clock = new FakeClock();
    let exited = 0;
    const idle = new IdleExit(clock, 60_000, () => exited++);
    clock.advance(30_000);
    idle.clientConnected();
    idle.clientConnected();
    assert.equal(idle.remainingMs(), undefined);
    clock.advance(10 * 60_000);
    idle.clientDisconnected();
    clock.advance(10 * 60_000);
    assert.equal(exited, 0, 'one window is still connected');
    idle.clientDisconnected();
    clock.advance(59_000);
    assert.equal(exited, 0);
    // A window that connects in the last second cancels the countdown; its leaving restarts it.
    idle.clientConnected();
    clock.advance(5_000);
    idle.clientDisconnected();
    clock.advance(59_999);
    assert.equal(exited, 0);
    clock.advance(1);
    assert.equal(exited, 1);
  });
});
