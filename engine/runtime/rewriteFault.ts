// Fault injection for the tests of the as-exported fallback: with R1_LOCAL_TEST=1 (set by the test
// runner only) and R1_LOCAL_REWRITE_FAULT=throw|invalid, the load-time rewrite fails the way a
// rewrite bug would — by throwing, or by producing a graph onnxruntime refuses. Ignored otherwise.
import type { onnx } from 'onnx-proto';

export function injectRewriteFault(model: onnx.IModelProto): void {
  if (process.env.R1_LOCAL_TEST !== '1') return;
  const fault = process.env.R1_LOCAL_REWRITE_FAULT;
  if (fault === 'throw') throw new Error('injected rewrite fault');
  if (fault === 'invalid') {
    model.graph?.node?.push({ opType: 'R1NoSuchOp', domain: '', input: ['input_ids'], output: ['r1_injected_fault'], name: 'r1_injected_fault' });
  }
}
