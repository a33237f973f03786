// What "Download Model…" offers: the configured model first, then each catalogue variant once.

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { CATALOGUE } from '../../engine/download/catalogue';
import { modelChoices } from '../../extension/models/modelChoices';

const settings = { endpoint: 'https://mirror.example', repo: 'onnx-community/DeepSeek-R1-Distill-Qwen-1.5B-ONNX', revision: 'main', variant: 'q4f16' };

describe('download model choices', () => {
  it('puts the configured model first and lists every other catalogue variant once', () => {
    const choices = modelChoices(settings);
    assert.deepEqual(choices[0].source, settings);
    assert.match(choices[0].description, /from your settings, about 1\.\d+ GB/);
    const variants = CATALOGUE.reduce((n, m) => n + m.variants.length, 0);
    assert.equal(choices.length, variants);
    const keys = choices.map((c) => `${c.source.repo}:${c.source.variant}`);
    assert.equal(new Set(keys).size, keys.length);
    assert.ok(choices.every((c) => c.source.endpoint === 'https://mirror.example'));
    assert.equal(choices.find((c) => /Coder-0\.5B/.test(c.source.repo))?.role, 'completion');
  });

  it('offers an unknown repository from the settings as it is', () => {
    const choices = modelChoices({ ...settings, repo: 'someone/else', variant: 'q9' });
    assert.equal(choices[0].source.repo, 'someone/else');
    assert.match(choices[0].description, /unknown variant/);
    assert.equal(choices.length, CATALOGUE.reduce((n, m) => n + m.variants.length, 0) + 1);
  });
});
