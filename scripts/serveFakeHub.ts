// Publishes a local model folder on the fake Hugging Face hub (127.0.0.1 only), for trying
// `r1-local download` or the extension's "Download Model…" without the real hub:
//   node --import tsx scripts/serveFakeHub.ts --dir <model folder> [--repo owner/name] [--drop-at BYTES]
// then: r1-local download --endpoint <printed URL> --repo <repo> --variant <dtype> --dest <dir>
// (or set r1Local.hub.endpoint / hub.repo / hub.variant). Stops on Ctrl-C.
// --drop-at cuts the first transfer of every file at that offset, to watch a resume happen.

import { parseArgs } from 'node:util';
import { HubServer, folderAsHubFiles } from '../test/helpers/hubServer';

async function main(): Promise<void> {
  const { values } = parseArgs({ options: { dir: { type: 'string' }, repo: { type: 'string', default: 'local/model-ONNX' }, 'drop-at': { type: 'string' } } });
  if (!values.dir) throw new Error('usage: serveFakeHub.ts --dir <model folder> [--repo owner/name] [--drop-at BYTES]');
  const hub = await new HubServer().start();
  const files = folderAsHubFiles(values.dir);
  const repo = hub.addRepo(values.repo, files);
  const dropAt = values['drop-at'] === undefined ? undefined : Number(values['drop-at']);
  if (dropAt !== undefined) for (const [path, content] of Object.entries(files)) if (content.length > dropAt) hub.injectFaults(path, { kind: 'drop', at: dropAt });
  console.log(`fake hub: ${hub.hubUrl} (CDN ${hub.cdnUrl}), repository ${values.repo} at commit ${repo.commit}, ${Object.keys(files).length} files`);
  const stop = () => void hub.stop().then(() => process.exit(0));
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : error);
  process.exitCode = 1;
});
