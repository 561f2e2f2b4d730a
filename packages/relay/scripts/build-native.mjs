// Install-time build of the relay's batched media I/O addon (docs/relay.md "Batched media I/O"), from
// native/media_batch.c with node-gyp against the headers of the Node that runs the install. Nothing is
// downloaded: without local headers (include/node/node_api.h next to the node binary), without node-gyp,
// a compiler or Linux, the build is skipped. It never fails the install — the relay then uses its
// node:dgram path, which forwards the same packets under the same checks.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const packageDir = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const skip = (why) => {
  process.stderr.write(`@leitung/relay: batched media I/O not built (${why}); the relay uses node:dgram\n`);
  process.exit(0);
};

if (process.platform !== 'linux') skip('recvmmsg/sendmmsg are Linux system calls');
if (process.env.LEITUNG_RELAY_NO_NATIVE === '1') skip('LEITUNG_RELAY_NO_NATIVE=1');
const nodeDir = resolve(dirname(process.execPath), '..');
if (!existsSync(join(nodeDir, 'include', 'node', 'node_api.h')))
  skip(`no Node headers under ${nodeDir}/include/node`);

function findNodeGyp() {
  // npm passes the path of its own node-gyp to lifecycle scripts; otherwise a locally installed one.
  const fromNpm = process.env.npm_config_node_gyp;
  if (fromNpm && existsSync(fromNpm)) return fromNpm;
  try {
    return createRequire(import.meta.url).resolve('node-gyp/bin/node-gyp.js');
  } catch {
    const besideNpm = join(
      nodeDir,
      'lib',
      'node_modules',
      'npm',
      'node_modules',
      'node-gyp',
      'bin',
      'node-gyp.js',
    );
    return existsSync(besideNpm) ? besideNpm : undefined;
  }
}

const nodeGyp = findNodeGyp();
if (nodeGyp === undefined) skip('node-gyp not found');
const result = spawnSync(process.execPath, [nodeGyp, 'rebuild', `--nodedir=${nodeDir}`], {
  cwd: packageDir,
  stdio: ['ignore', 'ignore', 'pipe'],
  encoding: 'utf8',
});
if (result.status !== 0) {
  const lastLines = (result.stderr ?? '').trim().split('\n').slice(-5).join('\n');
  skip(`node-gyp failed${lastLines ? `:\n${lastLines}` : ''}`);
}
process.stdout.write(
  '@leitung/relay: batched media I/O addon built (build/Release/leitung_media_batch.node)\n',
);
