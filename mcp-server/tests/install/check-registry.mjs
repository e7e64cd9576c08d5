// Checks the MCP Registry entry (server.json) and that every package it lists carries one version.
//
//   node check-registry.mjs --metadata CARGO_METADATA.json --binary BIN [--dist DIST]
//
// - server.json (and DIST/server.json, the copy scripts/package.sh completes with the bundle's
//   SHA-256) validate against the Registry's JSON schema, vendored in mcp-server/registry/;
// - the server's version, each package's version, the npm launcher's version and its platform
//   packages' versions, the bundle manifest's version and the crates' versions are all equal;
// - the names the Registry checks for ownership agree: the npm launcher's `mcpName`, the
//   `mcp-name:` line of the crate's README (visible text: crates.io drops HTML comments);
// - every package lists the environment variables the server documents in `--help` (all but
//   the HTTP-only bearer token), with PIAPI_API_KEY marked secret;
// - the launcher's platform packages are the ones in platforms.json, and the release workflow
//   builds each of their Rust targets;
// - the README's install commands and links (VS Code, Cursor, Claude Code) all decode to
//   `npx -y piapi-billing-mcp` with PIAPI_API_KEY in its environment.
// Exits 1 with every problem found.

import { createHash } from 'node:crypto';
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '../../..');
const readJson = (path) => JSON.parse(readFileSync(path, 'utf8'));
/** Variables the server reads that a stdio package has no use for. */
const HTTP_ONLY = new Set(['PIAPI_BILLING_TOKEN']);

const { values: opts } = parseArgs({
  options: { metadata: { type: 'string' }, binary: { type: 'string' }, dist: { type: 'string' }, tools: { type: 'string' } },
});
if (!opts.metadata || !opts.binary) {
  console.error('usage: node check-registry.mjs --metadata CARGO_METADATA.json --binary BIN [--dist DIST] [--tools NODE_MODULES_DIR]');
  process.exit(2);
}
const problems = [];
const expect = (ok, message) => {
  if (!ok) problems.push(message);
};

function schemaValidator() {
  // Ajv comes from the test tools' node_modules (scripts/package.sh installs it there).
  const require = createRequire(join(resolve(opts.tools ?? join(ROOT, '.tools/install-npm/node_modules')), 'x.js'));
  const Ajv = require('ajv');
  const addFormats = require('ajv-formats');
  // strict: false because the schema uses the OpenAPI keyword `example`, unknown to JSON Schema.
  const ajv = new Ajv({ allErrors: true, strict: false });
  addFormats(ajv);
  return ajv.compile(readJson(join(ROOT, 'mcp-server/registry/server.schema.json')));
}

function checkSchema(validate, label, server) {
  if (!validate(server)) {
    for (const e of validate.errors) problems.push(`${label}${e.instancePath || '/'}: ${e.message} ${JSON.stringify(e.params)}`);
  }
  expect(server.$schema === readJson(join(ROOT, 'mcp-server/registry/server.schema.json')).$id,
    `${label}: $schema must be the vendored schema's $id`);
}

function checkVersions(server, version, crates) {
  expect(server.version === version, `server.json version ${server.version} != piapi-billing-mcp's ${version}`);
  for (const p of server.packages) {
    expect(p.version === version, `server.json ${p.registryType} package version ${p.version} != ${version}`);
  }
  for (const c of crates) expect(c.version === version, `crate ${c.name} version ${c.version} != ${version}`);
  const launcher = readJson(join(ROOT, 'mcp-server/npm/launcher/package.json'));
  expect(launcher.version === version, `npm launcher version ${launcher.version} != ${version}`);
  for (const [name, v] of Object.entries(launcher.optionalDependencies)) {
    expect(v === version, `npm launcher optionalDependencies.${name} ${v} != ${version}`);
  }
  const manifest = readJson(join(ROOT, 'mcp-server/mcpb/manifest.json'));
  expect(manifest.version === version, `mcpb manifest version ${manifest.version} != ${version}`);
  const mcpb = server.packages.find((p) => p.registryType === 'mcpb');
  expect(mcpb && mcpb.identifier.endsWith(`/v${version}/piapi-billing-mcp-${version}.mcpb`),
    `the mcpb package must point at the v${version} release asset piapi-billing-mcp-${version}.mcpb`);
}

function checkNames(server) {
  const byType = Object.fromEntries(server.packages.map((p) => [p.registryType, p]));
  expect(['npm', 'mcpb', 'cargo'].every((t) => t in byType), 'server.json must list the npm, mcpb and cargo packages');
  const launcher = readJson(join(ROOT, 'mcp-server/npm/launcher/package.json'));
  expect(byType.npm?.identifier === launcher.name, `npm identifier must be ${launcher.name}`);
  expect(launcher.mcpName === server.name, `npm launcher mcpName ${launcher.mcpName} != ${server.name}`);
  expect(byType.cargo?.identifier === 'piapi-billing-mcp', 'cargo identifier must be piapi-billing-mcp');
  const readme = readFileSync(join(ROOT, 'mcp-server/README.md'), 'utf8');
  const visible = readme.replace(/<!--[\s\S]*?-->/g, '');
  expect(new RegExp(`^mcp-name: ${server.name.replace(/[.]/g, '\\.')}$`, 'm').test(visible),
    `mcp-server/README.md (the crate's README) needs the visible line "mcp-name: ${server.name}"`);
}

function documentedVariables(binary) {
  const help = execFileSync(binary, ['--help'], { encoding: 'utf8' });
  const section = help.slice(help.indexOf('Environment:'), help.indexOf('Examples:'));
  return [...section.matchAll(/^ {2}([A-Z][A-Z0-9_]+) /gm)].map((m) => m[1]);
}

function checkVariables(server, binary) {
  const documented = documentedVariables(binary).filter((v) => !HTTP_ONLY.has(v)).sort();
  expect(documented.includes('PIAPI_API_KEY'), '--help no longer documents PIAPI_API_KEY');
  for (const p of server.packages) {
    const listed = (p.environmentVariables ?? []).map((v) => v.name).sort();
    expect(JSON.stringify(listed) === JSON.stringify(documented),
      `server.json ${p.registryType} environmentVariables ${listed.join(',')} != the server's ${documented.join(',')}`);
    const key = (p.environmentVariables ?? []).find((v) => v.name === 'PIAPI_API_KEY');
    expect(key?.isSecret === true, `server.json ${p.registryType}: PIAPI_API_KEY must be isSecret`);
  }
}

function checkPlatforms() {
  const { platforms } = readJson(join(ROOT, 'mcp-server/npm/platforms.json'));
  const launcher = readJson(join(ROOT, 'mcp-server/npm/launcher/package.json'));
  const packages = platforms.map((p) => p.package).sort();
  expect(JSON.stringify(Object.keys(launcher.optionalDependencies).sort()) === JSON.stringify(packages),
    'the npm launcher optionalDependencies must be exactly the packages in platforms.json');
  const workflow = readFileSync(join(ROOT, '.github/workflows/release.yml'), 'utf8');
  for (const p of platforms) expect(workflow.includes(`target: ${p.target}`), `release.yml does not build ${p.target}`);
}

/** The server entries the README's install links and commands would add. */
function readmeInstallConfigs(readme) {
  const vscode = readme.match(/\]\((https:\/\/insiders\.vscode\.dev\/redirect\?url=[^)\s]+)\)/);
  const cursor = readme.match(/\]\((cursor:\/\/anysphere\.cursor-deeplink\/mcp\/install\?[^)\s]+)\)/);
  const addMcp = readme.match(/^code --add-mcp '(.+)'$/m);
  const claude = readme.match(/`claude mcp add (\S+) --env PIAPI_API_KEY=\S+ -- (npx -y \S+)`/);
  const configs = {};
  if (vscode) {
    const inner = decodeURIComponent(new URL(vscode[1]).searchParams.get('url'));
    configs.vscode = JSON.parse(decodeURIComponent(inner.slice('vscode:mcp/install?'.length)));
  }
  if (cursor) configs.cursor = JSON.parse(Buffer.from(new URL(cursor[1]).searchParams.get('config'), 'base64').toString());
  if (addMcp) configs.addMcp = JSON.parse(addMcp[1]);
  if (claude) configs.claude = { command: 'npx', args: claude[2].split(' ').slice(1), env: { PIAPI_API_KEY: 'x' } };
  return configs;
}

function checkReadme() {
  const launcher = readJson(join(ROOT, 'mcp-server/npm/launcher/package.json'));
  const configs = readmeInstallConfigs(readFileSync(join(ROOT, 'README.md'), 'utf8'));
  for (const client of ['vscode', 'cursor', 'addMcp', 'claude']) {
    const c = configs[client];
    expect(c, `README.md: no ${client} install link or command found`);
    if (!c) continue;
    expect(c.command === 'npx' && JSON.stringify(c.args) === JSON.stringify(['-y', launcher.name]),
      `README.md ${client}: runs ${c.command} ${JSON.stringify(c.args)}, not npx -y ${launcher.name}`);
    expect(c.env && 'PIAPI_API_KEY' in c.env, `README.md ${client}: no PIAPI_API_KEY in env`);
  }
  if (configs.vscode && configs.addMcp) {
    expect(JSON.stringify(configs.vscode) === JSON.stringify(configs.addMcp), 'README.md: the VS Code link and the code --add-mcp JSON differ');
  }
}

function checkDist(validate, dist, version) {
  const server = readJson(join(dist, 'server.json'));
  checkSchema(validate, 'dist/server.json', server);
  const mcpb = server.packages.find((p) => p.registryType === 'mcpb');
  const bundle = readFileSync(join(dist, `piapi-billing-mcp-${version}.mcpb`));
  const sha = createHash('sha256').update(bundle).digest('hex');
  expect(mcpb?.fileSha256 === sha, `dist/server.json mcpb fileSha256 ${mcpb?.fileSha256} != the bundle's ${sha}`);
  const root = readJson(join(ROOT, 'server.json'));
  delete mcpb.fileSha256;
  expect(JSON.stringify(server) === JSON.stringify(root), 'dist/server.json must be server.json plus the bundle SHA-256');
}

const metadata = readJson(opts.metadata);
const crates = metadata.packages.filter((p) => metadata.workspace_members.includes(p.id) && p.publish === null);
const version = metadata.packages.find((p) => p.name === 'piapi-billing-mcp').version;
const server = readJson(join(ROOT, 'server.json'));
const validate = schemaValidator();
checkSchema(validate, 'server.json', server);
checkVersions(server, version, crates);
checkNames(server);
checkVariables(server, opts.binary);
checkPlatforms();
checkReadme();
if (opts.dist) checkDist(validate, opts.dist, version);

if (problems.length > 0) {
  console.error(`check-registry: ${problems.length} problem(s):\n- ${problems.join('\n- ')}`);
  process.exit(1);
}
console.log(`check-registry: server.json is valid against the Registry schema; npm, mcpb, cargo and every crate are at ${version}`);
