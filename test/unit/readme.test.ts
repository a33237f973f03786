// The README is the newcomer's entry point: its two commands stay at the top, and its settings
// table stays in step with the settings package.json contributes.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';

const readme = readFileSync('README.md', 'utf8');
const manifest = JSON.parse(readFileSync('package.json', 'utf8')) as {
  contributes: { configuration: { properties: Record<string, { default?: unknown }> } };
  scripts: Record<string, string>;
};

test('the README opens with the two commands', () => {
  const firstBlock = /```\n([\s\S]*?)```/.exec(readme)?.[1];
  assert.equal(firstBlock, 'npm install && npm start\nnpm install && npm test\n');
  assert.ok(readme.indexOf('```') < readme.indexOf('\n## '), 'the commands come before the first section');
  assert.ok(manifest.scripts.start && manifest.scripts.test);
});

test('the settings table lists every contributed setting with its default', () => {
  const rows = new Map<string, string>();
  for (const match of readme.matchAll(/^\| `(r1Local\.[\w.]+)` \| `([^`]*)` \|/gm)) rows.set(match[1]!, match[2]!);
  const properties = manifest.contributes.configuration.properties;
  assert.deepEqual(Object.keys(properties).filter((key) => !rows.has(key)), [], 'settings missing from the README table');
  assert.deepEqual([...rows.keys()].filter((key) => !(key in properties)), [], 'README rows for settings that do not exist');
  for (const [key, declared] of Object.entries(properties)) {
    assert.equal(rows.get(key), JSON.stringify(declared.default), `README default of ${key}`);
  }
});
