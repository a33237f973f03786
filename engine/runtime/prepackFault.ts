// Fault injection for the tests of the pre-packed weights' fallbacks: with R1_LOCAL_TEST=1 (set by
// the test runner only) and R1_LOCAL_PREPACK_FAULT set, the save or the mapped load fails the way
// the real cases do. Ignored otherwise.
//   readonly   the model folder reports that it cannot be written
//   nospace    onnxruntime's write of the saved graph fails (its target folder is missing)
//   refuse     onnxruntime refuses the saved graph although its files pass the checks
export type PrepackFault = 'readonly' | 'nospace' | 'refuse';

export function prepackFault(): PrepackFault | undefined {
  if (process.env.R1_LOCAL_TEST !== '1') return undefined;
  const fault = process.env.R1_LOCAL_PREPACK_FAULT;
  return fault === 'readonly' || fault === 'nospace' || fault === 'refuse' ? fault : undefined;
}
