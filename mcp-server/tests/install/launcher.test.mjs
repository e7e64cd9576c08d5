// The npm launcher and the bundle entry point, against stand-in binaries (small shell scripts)
// laid out the way npm and a bundle host lay out the real ones: which binary is picked, what
// happens when none fits, and that stdio, arguments, the exit code and signals pass through.
//
//   node --test mcp-server/tests/install/

import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { chmodSync, cpSync, mkdirSync, mkdtempSync, statSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';

const HERE = dirname(fileURLToPath(import.meta.url));
const LAUNCHER = join(HERE, '../../npm/launcher');
const BUNDLE_ENTRY = join(HERE, '../../mcpb/server/index.js');
const launch = createRequire(import.meta.url)(join(LAUNCHER, 'lib/launch.js'));
const KEY = `${process.platform}-${process.arch}`;

/** A stand-in binary: a shell script with the given body. */
function fakeBinary(path, body, mode = 0o755) {
  mkdirSync(dirname(path), { recursive: true });
  writeFileSync(path, `#!/bin/sh\n${body}\n`);
  chmodSync(path, mode);
}

/** node_modules with the launcher and the given platform packages, each holding `body`. */
function npmInstall(packages, body = 'echo "binary of $0"') {
  const root = mkdtempSync(join(tmpdir(), 'launcher-'));
  cpSync(LAUNCHER, join(root, 'node_modules/piapi-billing-mcp'), { recursive: true });
  for (const pkg of packages) {
    const dir = join(root, 'node_modules', pkg);
    mkdirSync(dir, { recursive: true });
    writeFileSync(join(dir, 'package.json'), JSON.stringify({ name: pkg, version: '0.0.0' }));
    fakeBinary(join(dir, 'bin/piapi-billing-mcp'), body);
  }
  return { root, bin: join(root, 'node_modules/piapi-billing-mcp/bin/piapi-billing-mcp.js') };
}

/** Runs a script with node; resolves with its exit, output, and the child for signalling. */
function runNode(script, args = [], { env = process.env, input, onSpawn } = {}) {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [script, ...args], { env, stdio: ['pipe', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => {
      stdout += d;
    });
    child.stderr.on('data', (d) => {
      stderr += d;
    });
    child.on('exit', (code, signal) => resolve({ code, signal, stdout, stderr }));
    if (input !== undefined) child.stdin.end(input);
    if (onSpawn) onSpawn(child, () => stdout);
  });
}

const waitFor = async (predicate) => {
  for (let i = 0; i < 200 && !predicate(); i++) await new Promise((r) => setTimeout(r, 25));
  assert.ok(predicate(), 'timed out waiting');
};

test('the launcher runs the platform package npm installed, with its arguments and stdin', async () => {
  const { bin } = npmInstall([`piapi-billing-mcp-${KEY}`], 'echo "args: $*"; cat');
  const r = await runNode(bin, ['estimate', '-'], { input: '{"tasks":[]}' });
  assert.equal(r.code, 0, r.stderr);
  assert.equal(r.stdout, 'args: estimate -\n{"tasks":[]}');
});

test('on Linux the static musl build wins when a package manager installed both', { skip: process.platform !== 'linux' }, async () => {
  const { bin } = npmInstall([`piapi-billing-mcp-${KEY}`, `piapi-billing-mcp-${KEY}-musl`]);
  const r = await runNode(bin);
  assert.match(r.stdout, new RegExp(`piapi-billing-mcp-${KEY}-musl/bin/piapi-billing-mcp`));
});

test('without a fitting binary the launcher names the platform and the way to build from source', async () => {
  const { bin } = npmInstall(['piapi-billing-mcp-plan9-mips']);
  const r = await runNode(bin);
  assert.equal(r.code, 1);
  assert.equal(r.stdout, '');
  assert.match(r.stderr, new RegExp(`no prebuilt binary for this platform \\(${process.platform} ${process.arch}\\)`));
  assert.match(r.stderr, new RegExp(`piapi-billing-mcp-${KEY}`));
  assert.match(r.stderr, /cargo install piapi-billing-mcp/);
  assert.match(r.stderr, /PIAPI_BILLING_MCP_BINARY/);
});

test('PIAPI_BILLING_MCP_BINARY runs a binary of the user\'s choosing', async () => {
  const { root, bin } = npmInstall([]);
  fakeBinary(join(root, 'own'), 'echo own build');
  const r = await runNode(bin, [], { env: { ...process.env, PIAPI_BILLING_MCP_BINARY: join(root, 'own') } });
  assert.equal(r.stdout, 'own build\n');
});

test('the binary\'s exit code comes back unchanged', async () => {
  const { bin } = npmInstall([`piapi-billing-mcp-${KEY}`], 'echo bad input >&2; exit 7');
  const r = await runNode(bin);
  assert.equal(r.code, 7);
  assert.equal(r.stderr, 'bad input\n');
});

test('a binary killed by a signal makes the launcher die of the same signal', async () => {
  const { bin } = npmInstall([`piapi-billing-mcp-${KEY}`], 'kill -TERM $$');
  const r = await runNode(bin);
  assert.equal(r.signal, 'SIGTERM');
  assert.equal(r.code, null);
});

test('a signal sent to the launcher reaches the binary, whose exit then ends the launcher', async () => {
  const { bin } = npmInstall([`piapi-billing-mcp-${KEY}`],
    'trap \'echo "got TERM"; exit 3\' TERM; echo ready; while :; do sleep 0.05; done');
  const r = await runNode(bin, [], {
    onSpawn: async (child, stdout) => {
      await waitFor(() => stdout().includes('ready'));
      child.kill('SIGTERM');
    },
  });
  assert.equal(r.stdout, 'ready\ngot TERM\n');
  assert.equal(r.code, 3);
});

test('an unexecutable binary (a bundle unpacked with mode 0600) gets its execute bit back', () => {
  const dir = mkdtempSync(join(tmpdir(), 'mode-'));
  fakeBinary(join(dir, 'bin'), 'true', 0o600);
  launch.ensureExecutable(join(dir, 'bin'));
  assert.equal(statSync(join(dir, 'bin')).mode & 0o100, 0o100);
});

test('settings left blank in a bundle host are dropped, everything else is kept', () => {
  const env = launch.withoutBlankSettings({
    PIAPI_API_KEY: '${user_config.piapi_api_key}',
    PIAPI_BILLING_LEDGER: '',
    PIAPI_BILLING_OVERLAY: '/home/me/overlay.json',
    HOME: '/home/me',
    EMPTY_BUT_NOT_OURS: '',
  });
  assert.deepEqual(env, { PIAPI_BILLING_OVERLAY: '/home/me/overlay.json', HOME: '/home/me', EMPTY_BUT_NOT_OURS: '' });
});

test('a bundle picks the binary of its architecture, and Apple silicon falls back to x64', () => {
  const dir = mkdtempSync(join(tmpdir(), 'bundle-'));
  fakeBinary(join(dir, 'darwin-x64/piapi-billing-mcp'), 'true');
  fakeBinary(join(dir, 'linux-x64/piapi-billing-mcp'), 'true');
  assert.equal(launch.findBundledBinary(dir, 'darwin', 'arm64'), join(dir, 'darwin-x64/piapi-billing-mcp'));
  assert.equal(launch.findBundledBinary(dir, 'linux', 'x64'), join(dir, 'linux-x64/piapi-billing-mcp'));
  assert.equal(launch.findBundledBinary(dir, 'linux', 'arm64'), null);
  assert.equal(launch.findBundledBinary(dir, 'win32', 'x64'), null);
});

test('the bundle entry point restores the mode, drops blank settings and runs the binary', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'bundle-entry-'));
  cpSync(BUNDLE_ENTRY, join(dir, 'server/index.js'));
  cpSync(join(LAUNCHER, 'lib/launch.js'), join(dir, 'server/launch.js'));
  fakeBinary(join(dir, `server/bin/${KEY}/piapi-billing-mcp`),
    'echo "key=${PIAPI_API_KEY-unset} ledger=${PIAPI_BILLING_LEDGER-unset} args=$*"', 0o600);
  const env = { ...process.env, PIAPI_API_KEY: '${user_config.piapi_api_key}', PIAPI_BILLING_LEDGER: 'off' };
  const r = await runNode(join(dir, 'server/index.js'), ['--http', '127.0.0.1:0'], { env });
  assert.equal(r.code, 0, r.stderr);
  assert.equal(r.stdout, 'key=unset ledger=off args=--http 127.0.0.1:0\n');
});
