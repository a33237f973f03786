// A model file opened for forward passes: the graph chosen by graphSession.ts, its session, and the
// ModelRunner that drives it with the dimensions the session's own I/O declares (they win over what
// config files suggest). The engine and the rewrite-equivalence tests open models the same way.
// A copy of the pre-packed weights saved by this load is checked here, where a forward pass can be
// run, before any later load maps it (prepackedWeights.ts).
import { describeModelIO, type ModelIO } from '../model/ioSignature';
import type { RuntimePath } from '../types';
import { describeRuntime, openGraphSession, type GraphSessionOptions } from './graphSession';
import type { PreparedGraph } from './exportedGraph';
import { ModelRunner } from './modelRunner';
import type { CreatedSession } from './session';
import { compareRunners } from './weightsCheck';

export interface RunnerConfig {
  numKvHeads: number;
  headDim: number;
  vocabSize: number;
  contextLength: number;
}

export interface OpenedRunner {
  runner: ModelRunner;
  io: ModelIO;
  graph: PreparedGraph;
  runtime: RuntimePath;
  created: CreatedSession;
}

export async function openModelRunner(onnxPath: string, config: RunnerConfig, options: GraphSessionOptions): Promise<OpenedRunner> {
  const { graph, created, embeddings } = await openGraphSession(onnxPath, options);
  try {
    // logits_to_keep and the embeddings are the rewrite's own inputs: the runner fills them, the export signature lacks them.
    const own = new Set([graph.features.logitsToKeepInput, graph.features.embedding?.input]);
    const inputs = created.session.inputMetadata.filter((m) => !own.has(m.name));
    const io = describeModelIO(inputs, created.session.outputMetadata);
    const dims = {
      kvHeads: io.kvHeads ?? config.numKvHeads,
      headDim: io.headDim ?? config.headDim,
      vocabSize: config.vocabSize,
      contextLength: config.contextLength,
    };
    const runner = new ModelRunner(created.session, io, dims, graph.features, embeddings);
    if (created.savedCopy) {
      // The check runner shares the embedding table; verify() releases its session, never the table.
      created.weights = await created.savedCopy.verify((mapped) => compareRunners(runner, new ModelRunner(mapped, io, dims, graph.features, embeddings)));
    }
    return { runner, io, graph, runtime: describeRuntime(graph), created };
  } catch (err) {
    embeddings?.close();
    await created.session.release();
    throw err;
  }
}
