// `npm start` without a local VS Code: serves the extension in code-server on 127.0.0.1 and keeps
// running until Ctrl+C. The repository itself is linked into the extensions folder, so a rebuild
// (`npm run build`) plus "Developer: Reload Window" picks up changes. Settings persist in .cache/e2e/start/.
import { mkdirSync, rmSync, symlinkSync } from 'node:fs';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { startCodeServer } from './codeServer.ts';
import { cacheDir, repoRoot } from './layout.ts';
import { setupE2e } from './setup.ts';

async function serve(): Promise<void> {
  await setupE2e();
  const port = Number(process.env.PORT ?? 8080);
  if (!Number.isInteger(port) || port <= 0 || port > 65535) throw new Error(`PORT must be a TCP port number, got ${process.env.PORT}`);
  const persistentDir = join(cacheDir, 'start');
  const { publisher, name, version } = JSON.parse(readFileSync(join(repoRoot, 'package.json'), 'utf8')) as Record<string, string>;
  const extensionsDir = join(persistentDir, 'extensions');
  mkdirSync(extensionsDir, { recursive: true });
  const link = join(extensionsDir, `${publisher}.${name}-${version}`);
  rmSync(link, { recursive: true, force: true });
  symlinkSync(repoRoot, link, 'dir');
  // Extensions installed earlier are listed in extensions.json; let the folder scan find the link.
  rmSync(join(extensionsDir, 'extensions.json'), { force: true });

  const server = await startCodeServer({ name: 'start', port, persistentDir });
  const folder = encodeURIComponent(repoRoot);
  console.log(`R1 Local is running in code-server: ${server.url}/?folder=${folder}`);
  console.log(`(log: ${server.logFile}; press Ctrl+C to stop)`);
  const stop = () => {
    void server.stop().then(() => process.exit(0));
  };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
}

serve().catch((error: unknown) => {
  console.error(`start: ${error instanceof Error ? error.message : String(error)}`);
  process.exit(1);
});
