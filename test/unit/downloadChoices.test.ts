// What "Download Model…" offers: the configured model first, then each catalogue variant once, each
// with its size and speed note, and "(unverified)" where nobody has confirmed the files.

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

  it('shows each variant\'s size and speed note, and says which are unverified or estimated', () => {
    const choices = modelChoices(settings);
    const pick = (repo: string, variant: string) => choices.find((c) => c.source.repo === repo && c.source.variant === variant)!;
    const coder = pick('onnx-community/Qwen2.5-Coder-0.5B-Instruct', 'q4f16');
    assert.match(coder.description, /^completion model, about 562 MB · fastest completions/);
    assert.doesNotMatch(coder.description, /unverified|estimated/);
    const r1q4 = pick(settings.repo, 'q4');
    assert.match(r1q4.description, /^chat model, about 1\.98 GB · \S/);
    const big = pick('onnx-community/DeepSeek-R1-Distill-Qwen-7B-ONNX', 'q4f16');
    assert.match(big.description, /\(estimated\) · .+ \(unverified\)$/);
    for (const c of choices.slice(1)) {
      const variant = CATALOGUE.find((m) => m.repo === c.source.repo)!.variants.find((v) => v.id === c.source.variant)!;
      assert.equal(c.description.endsWith('(unverified)'), variant.unverified === true, c.label);
      assert.ok(c.description.includes(variant.speedNote!), c.label);
    }
    // The configured choice gets the same facts.
    assert.match(choices[0].description, /^from your settings, about 1\.38 GB · /);
    const old = modelChoices({ ...settings, repo: 'onnxruntime/DeepSeek-R1-Distill-ONNX', variant: 'directml-int4' });
    assert.match(old[0].description, /CUDA|GPU/i);
    assert.ok(!old.some((c, i) => i > 0 && c.source.variant === 'gpu-int4'), 'an old name of a variant is the variant itself');
  });

  it('offers an unknown repository from the settings as it is', () => {
    const choices = modelChoices({ ...settings, repo: 'someone/else', variant: 'q9' });
    assert.equal(choices[0].source.repo, 'someone/else');
    assert.match(choices[0].description, /unknown variant/);
    assert.equal(choices.length, CATALOGUE.reduce((n, m) => n + m.variants.length, 0) + 1);
  });
});
