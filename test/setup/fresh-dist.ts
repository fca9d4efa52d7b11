/**
 * vitest global setup: the CLI tests run the compiled CLI in dist/, so a `vitest run` after an edit
 * of lib/ would test stale code. Rebuild dist (tsc -p tsconfig.build.json) when any lib/ source is
 * newer than the oldest compiled file it feeds, or dist is missing. `npm test` builds in `pretest`
 * already; then this finds dist fresh and does nothing.
 */
import { execFileSync } from 'node:child_process';
import { readdirSync, statSync } from 'node:fs';
import path from 'node:path';

const root = path.resolve(import.meta.dirname, '../..');

function newestMtime(dir: string, ext: string): number {
  let newest = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) newest = Math.max(newest, newestMtime(full, ext));
    else if (entry.name.endsWith(ext)) newest = Math.max(newest, statSync(full).mtimeMs);
  }
  return newest;
}

function mtimeOrZero(file: string): number {
  try {
    return statSync(file).mtimeMs;
  } catch {
    return 0;
  }
}

export default function setup(): void {
  // tsc rewrites every output, so dist/index.js's time is the time of the last build.
  const built = mtimeOrZero(path.join(root, 'dist/index.js'));
  if (built >= newestMtime(path.join(root, 'lib'), '.ts')) return;
  process.stderr.write('test setup: lib/ is newer than dist/, rebuilding dist (tsc -p tsconfig.build.json)\n');
  execFileSync(process.execPath, [path.join(root, 'node_modules/typescript/bin/tsc'), '-p', 'tsconfig.build.json'], { cwd: root, stdio: 'inherit' });
}
