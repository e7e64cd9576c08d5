// Installs the packed MCP Bundle the way a host does and starts it the way the host would:
//
//   node check-bundle.mjs BUNDLE.mcpb NODE_MODULES_OF_@anthropic-ai/mcpb
//
// 1. unpacks it with @anthropic-ai/mcpb's own unpacker, then strips every mode bit the way
//    Claude Desktop on macOS does (files 0600, directories 0700), so nothing is executable;
// 2. validates the unpacked manifest;
// 3. resolves the launch command with @anthropic-ai/mcpb's getMcpConfigForManifest, the
//    reference implementation hosts use: `${__dirname}` and `${user_config.*}` substituted,
//    the platform's override applied;
// 4. starts it twice, as a user who left every setting blank and as one who filled them in,
//    and requires `initialize`, the tool list and the $2.00 Kling estimate each time, that the
//    binary got its execute bit back, and that the PiAPI key never shows on stdout or stderr;
// 5. resolves it as a Windows host would, where the override must still pass the user's
//    settings and give the server a data directory (Windows has no HOME).

import { chmodSync, mkdtempSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { homedir, tmpdir } from 'node:os';
import { join, resolve, sep } from 'node:path';
import { pathToFileURL } from 'node:url';

import { connect, listAll } from './mcp-stdio.mjs';

const [bundlePath, toolsModules] = process.argv.slice(2);
if (!bundlePath || !toolsModules) {
  console.error('usage: node check-bundle.mjs BUNDLE.mcpb NODE_MODULES_DIR');
  process.exit(2);
}
const mcpbEntry = createRequire(join(resolve(toolsModules), 'x.js')).resolve('@anthropic-ai/mcpb');
const mcpb = await import(pathToFileURL(mcpbEntry).href);

const KLING = { model: 'kling', task_type: 'video_generation', input: { version: '3.0', mode: 'pro', duration: 10, enable_audio: true } };
const CANARY = 'piapi-canary-key-5f1d2c';

function check(ok, message) {
  if (!ok) throw new Error(`check-bundle: ${message}`);
}

function stripModes(dir) {
  for (const entry of readdirSync(dir)) {
    const path = join(dir, entry);
    if (statSync(path).isDirectory()) {
      stripModes(path);
      chmodSync(path, 0o700);
    } else {
      chmodSync(path, 0o600);
    }
  }
}

async function startAsHost(dir, manifest, userConfig, label, overlayName = null) {
  const config = await mcpb.getMcpConfigForManifest({
    manifest,
    extensionPath: dir,
    systemDirs: { HOME: homedir(), DESKTOP: join(homedir(), 'Desktop'), DOCUMENTS: join(homedir(), 'Documents'), DOWNLOADS: join(homedir(), 'Downloads') },
    userConfig,
    pathSeparator: sep,
  });
  check(config, `${label}: the host would not start the bundle (required settings missing?)`);
  check(config.args.some((a) => a.startsWith(dir)), `${label}: \${__dirname} was not resolved in ${JSON.stringify(config.args)}`);
  // PiAPI itself is never called: the key goes to a loopback port where nothing listens.
  const env = { ...process.env, XDG_DATA_HOME: join(dir, '..', 'data'), PIAPI_BASE_URL: 'http://127.0.0.1:9', PIAPI_TIMEOUT_MS: '2000', ...config.env };
  const session = await connect(config.command, config.args, { env });
  try {
    check(session.initialize.serverInfo.name === 'piapi-billing-mcp', `${label}: initialize answered ${JSON.stringify(session.initialize)}`);
    const tools = (await listAll(session, 'tools/list', 'tools')).map((t) => t.name);
    check(tools.includes('estimate_cost'), `${label}: tools/list gave ${tools}`);
    const estimate = await session.request('tools/call', { name: 'estimate_cost', arguments: { tasks: [KLING] } });
    check(estimate.structuredContent?.total_max_usd === '2.00', `${label}: estimate ${JSON.stringify(estimate)}`);
    check((estimate.structuredContent.overlay ?? null) === overlayName, `${label}: overlay ${estimate.structuredContent.overlay}, expected ${overlayName}`);
    const balance = await session.request('tools/call', { name: 'check_balance', arguments: {} });
    check(!JSON.stringify(balance).includes(CANARY), `${label}: the key appeared in a result`);
  } finally {
    await session.close();
  }
  check(!session.stderr().includes(CANARY), `${label}: the key appeared on stderr`);
  console.log(`check-bundle: ${label}: \`${config.command} ${config.args.join(' ')}\` answered initialize, tools/list and the $2.00 estimate`);
}

const dir = join(mkdtempSync(join(tmpdir(), 'mcpb-host-')), 'extension');
check(await mcpb.unpackExtension({ mcpbPath: bundlePath, outputDir: dir, silent: true }), 'unpack failed');
stripModes(dir);
const manifest = JSON.parse(readFileSync(join(dir, 'manifest.json'), 'utf8'));
check(mcpb.validateManifest(join(dir, 'manifest.json')), 'the unpacked manifest does not validate');
const binaries = readdirSync(join(dir, 'server/bin'));
const key = `${process.platform}-${process.arch}`;
check(binaries.includes(key), `the bundle has no ${key} binary (it has ${binaries})`);
const binary = join(dir, 'server/bin', key, 'piapi-billing-mcp');
check((statSync(binary).mode & 0o111) === 0, 'the mode bits were not stripped');

await startAsHost(dir, manifest, {}, 'settings left blank');
check((statSync(binary).mode & 0o100) !== 0, 'the entry point did not restore the execute bit');
const overlay = join(dir, '..', 'overlay.json');
writeFileSync(overlay, JSON.stringify({ name: 'install-test', entries: [{ id: 'kling.video.3.0.std.silent', price_usd: '0.10' }] }));
await startAsHost(dir, manifest, { piapi_api_key: CANARY, ledger: 'off', price_overlay: overlay }, 'settings filled in', 'install-test');

// Windows: the platform override replaces env whole, so it must repeat every setting.
Object.defineProperty(process, 'platform', { value: 'win32' });
const windows = await mcpb.getMcpConfigForManifest({
  manifest,
  extensionPath: 'C:\\Users\\me\\AppData\\Roaming\\Claude\\Claude Extensions\\piapi-billing-mcp',
  systemDirs: { HOME: 'C:\\Users\\me' },
  userConfig: { piapi_api_key: CANARY, ledger: 'off', price_overlay: 'C:\\overlay.json' },
  pathSeparator: '\\',
});
check(windows.env.XDG_DATA_HOME === 'C:\\Users\\me\\AppData\\Local', `win32: XDG_DATA_HOME ${windows.env.XDG_DATA_HOME}`);
check(windows.env.PIAPI_API_KEY === CANARY && windows.env.PIAPI_BILLING_LEDGER === 'off' && windows.env.PIAPI_BILLING_OVERLAY === 'C:\\overlay.json',
  `win32: the override lost a setting: ${JSON.stringify(windows.env)}`);
check(windows.command === 'node' && windows.args[0].endsWith('server/index.js'), `win32: ${windows.command} ${windows.args}`);
console.log('check-bundle: a Windows host passes the settings and a data directory (XDG_DATA_HOME under AppData\\Local)');
