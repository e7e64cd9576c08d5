// The JSON that scripts/package.sh writes while it stages the packages, kept out of the shell:
//
//   node stage.mjs npm-platform KEY VERSION DIR   package.json + README.md of the platform package KEY
//   node stage.mjs host-key TRIPLE                the platforms.json key of a Rust target, or nothing
//   node stage.mjs mcpb-dirs BINDIR               "KEY BUNDLE_DIR" lines: which binary goes where in the bundle
//   node stage.mjs mcpb-manifest SRC DEST OSES    the bundle manifest, listing only the OSes it has binaries for
//   node stage.mjs server-json SRC DEST SHA256    server.json with the bundle's SHA-256 (the Registry requires it)

import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const HERE = dirname(fileURLToPath(import.meta.url));
const { platforms } = JSON.parse(readFileSync(join(HERE, 'platforms.json'), 'utf8'));
const launcher = JSON.parse(readFileSync(join(HERE, 'launcher/package.json'), 'utf8'));
const keyOf = (p) => p.package.slice(`${launcher.name}-`.length);
const writeJson = (path, value) => writeFileSync(path, `${JSON.stringify(value, null, 2)}\n`);

function platform(key) {
  const found = platforms.find((p) => keyOf(p) === key);
  if (!found) throw new Error(`unknown platform key ${key}; known: ${platforms.map(keyOf).join(', ')}`);
  return found;
}

/** A platform package holds just the binary; npm installs it only where os/cpu/libc match. */
function npmPlatform(key, version, dir) {
  const p = platform(key);
  const exe = p.os === 'win32' ? 'piapi-billing-mcp.exe' : 'piapi-billing-mcp';
  writeJson(join(dir, 'package.json'), {
    name: p.package,
    version,
    description: `The ${p.os} ${p.cpu}${p.libc ? ` (${p.libc})` : ''} binary of piapi-billing-mcp; install piapi-billing-mcp, which picks it.`,
    license: launcher.license,
    repository: launcher.repository,
    homepage: launcher.homepage,
    os: [p.os],
    cpu: [p.cpu],
    ...(p.libc ? { libc: [p.libc] } : {}),
    files: [`bin/${exe}`],
    // Yarn Berry would otherwise keep the package zipped, where no binary can run.
    preferUnplugged: true,
  });
  writeFileSync(join(dir, 'README.md'),
    `# ${p.package}\n\nThe prebuilt \`piapi-billing-mcp\` binary for ${p.os} ${p.cpu}${p.libc ? ` (${p.libc})` : ''} ` +
    `(Rust target \`${p.target}\`). Do not install it directly: \`npx -y ${launcher.name}\` installs ` +
    `it when it fits your machine and runs it.\n`);
}

/** Which built binary each bundle directory gets: the static musl build wins on Linux. */
function mcpbDirs(binDir) {
  const chosen = new Map();
  for (const p of platforms) {
    const key = keyOf(p);
    if (!existsSync(join(binDir, key))) continue;
    if (!chosen.has(p.bundle) || p.libc === 'musl') chosen.set(p.bundle, key);
  }
  for (const [bundle, key] of chosen) console.log(`${key} ${bundle}`);
}

function mcpbManifest(src, dest, oses) {
  const manifest = JSON.parse(readFileSync(src, 'utf8'));
  const present = oses.split(',').filter(Boolean);
  manifest.compatibility.platforms = manifest.compatibility.platforms.filter((os) => present.includes(os));
  writeJson(dest, manifest);
}

function serverJson(src, dest, sha256) {
  const server = JSON.parse(readFileSync(src, 'utf8'));
  const mcpb = server.packages.find((p) => p.registryType === 'mcpb');
  mcpb.fileSha256 = sha256;
  writeJson(dest, server);
}

const [command, ...args] = process.argv.slice(2);
switch (command) {
  case 'npm-platform':
    npmPlatform(...args);
    break;
  case 'host-key': {
    const p = platforms.find((x) => x.target === args[0]);
    if (p) console.log(keyOf(p));
    break;
  }
  case 'mcpb-dirs':
    mcpbDirs(args[0]);
    break;
  case 'mcpb-manifest':
    mcpbManifest(...args);
    break;
  case 'server-json':
    serverJson(...args);
    break;
  default:
    console.error(`stage.mjs: unknown command ${command}`);
    process.exit(2);
}
