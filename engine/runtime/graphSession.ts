// Which graph a model runs and the onnxruntime session on it. The rewritten graph is tried first;
// any failure of the rewrite (rewrittenGraph.ts) or of creating a session on its result falls back
// to the graph as exported, and the failure is recorded so later loads skip the attempt. A model
// never runs worse than as exported because of the rewrite.
import type { RuntimePath, ExecutionProviderName } from '../types';
import { EmbeddingTable } from './embeddingTable';
import { prepareExportedGraph, type PreparedGraph } from './exportedGraph';
import { forgetRewrite, prepareRewrittenGraph, recordRewriteFailure } from './rewrittenGraph';
import { createSession, type CreatedSession } from './session';

export interface GraphSessionOptions {
  rewrite: boolean;
  /** With `rewrite`: raise MatMulNBits to accuracy_level 4 (default true; see RewriteOptions). */
  raiseAccuracyLevel?: boolean;
  requested: ExecutionProviderName;
  threads: number;
  /** See SessionOptions.prepackedWeights (default true). */
  prepackedWeights?: boolean;
}

export interface GraphSession {
  graph: PreparedGraph;
  created: CreatedSession;
  /** The token embeddings, when the rewrite took their lookup out of the graph. */
  embeddings?: EmbeddingTable;
}

async function open(graph: PreparedGraph, options: GraphSessionOptions): Promise<GraphSession> {
  const embeddings = graph.features.embedding ? await EmbeddingTable.open(graph.onnxPath, graph.features.embedding) : undefined;
  try {
    return { graph, created: await createSession(graph.onnxPath, options), embeddings };
  } catch (err) {
    embeddings?.close();
    throw err;
  }
}

export async function openGraphSession(onnxPath: string, options: GraphSessionOptions): Promise<GraphSession> {
  if (!options.rewrite) return open(await prepareExportedGraph(onnxPath, 'the load-time rewrite is turned off'), options);
  const preparation = { raiseAccuracyLevel: options.raiseAccuracyLevel };
  let rewritten = await prepareRewrittenGraph(onnxPath, preparation);
  if (!rewritten.rewritten) return open(rewritten, options);
  let failure: unknown;
  try {
    return await open(rewritten, options);
  } catch (err) {
    failure = err;
  }
  if (rewritten.reused) {
    // A cached copy that no longer loads (damaged on disk, say) is written afresh once before the
    // rewrite is given up on.
    await forgetRewrite(onnxPath, preparation);
    rewritten = await prepareRewrittenGraph(onnxPath, preparation);
    if (!rewritten.rewritten) return open(rewritten, options);
    try {
      return await open(rewritten, options);
    } catch (err) {
      failure = err;
    }
  }
  const reason = failure instanceof Error ? failure.message : String(failure);
  await recordRewriteFailure(onnxPath, reason, preparation);
  return open(await prepareExportedGraph(onnxPath, `onnxruntime refused the rewritten graph (${reason})`), options);
}

/** The path the loaded graph runs on, as the log, the status bar and `--json` output report it. */
export function describeRuntime(graph: PreparedGraph): RuntimePath {
  const kvCache = graph.features.kvOrder === 'heads' ? 'fetched' : 'in-place';
  if (!graph.rewritten) return { graph: 'as-exported', kvCache, reason: graph.reason ?? 'the graph runs as exported' };
  if (graph.features.kvOrder === 'capacity') return { graph: 'rewritten', kvCache };
  const why = graph.features.skipped.join('; ') || `KV cache in ${graph.features.kvOrder} order`;
  return { graph: 'rewritten', kvCache, reason: graph.features.kvOrder === 'rows' ? `the past is transposed inside the graph each step (${why})` : why };
}
