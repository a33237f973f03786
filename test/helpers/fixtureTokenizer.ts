// The generated test tokenizer (engine/fixtures/tokenizerFixture.ts) for unit tests that need real
// token ids: written once per test file into a temporary folder, removed after the file's tests.
import { after, before } from 'node:test';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { writeFixtureTokenizerFiles } from '../../engine/fixtures/tokenizerFixture';
import { TextTokenizer } from '../../engine/text/tokenizer';

/** Registers the set-up and clean-up hooks; `ready` receives the tokenizer before the first test. */
export function useFixtureTokenizer(ready: (tokenizer: TextTokenizer) => void): void {
  let root: string | undefined;
  before(() => {
    root = mkdtempSync(join(tmpdir(), 'r1-tokenizer-'));
    writeFixtureTokenizerFiles(root);
    ready(TextTokenizer.fromFolder(root));
  });
  after(() => {
    if (root) rmSync(root, { recursive: true, force: true });
  });
}
