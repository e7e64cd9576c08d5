'use strict';
// Finds the prebuilt piapi-billing-mcp binary for this machine and runs it as if it had been
// started directly: the same stdin/stdout/stderr (inherited, never piped through Node), the
// signals a client sends forwarded to it, and its exit code or terminating signal given back
// unchanged.
//
// Hand-written on purpose, with no dependencies: this file sits on every MCP client's start-up
// path (`npx -y piapi-billing-mcp`, the MCP Bundle's entry point), so it must load in a few
// milliseconds and install nothing beyond the binary itself. The npm launcher and the bundle
// ship this same file (scripts/package.sh copies it into the bundle).

const fs = require('fs');
const os = require('os');
const path = require('path');
const { spawn } = require('child_process');

const NAME = 'piapi-billing-mcp';
/** Set to a binary's path to run it instead of the prebuilt one (a source build, say). */
const OVERRIDE_VAR = 'PIAPI_BILLING_MCP_BINARY';
/** Prebuilt platforms, as `platform arch` pairs in Node's spelling. */
const PREBUILT = 'linux x64 and arm64, macOS (darwin) x64 and arm64, Windows (win32) x64';
/** Signals a client may send to stop or poke the server; each is passed on to the binary. */
const FORWARDED = ['SIGINT', 'SIGTERM', 'SIGHUP', 'SIGQUIT', 'SIGUSR2', 'SIGBREAK'];

function exeName(platform) {
  return platform === 'win32' ? `${NAME}.exe` : NAME;
}

/**
 * The npm packages that may hold this machine's binary, best first. On Linux the static musl
 * build comes first: it runs on glibc and musl systems alike, and npm only installs it next to
 * the glibc build when the package manager ignores the `libc` field (then the glibc build
 * might be the wrong one). A manager that honours `libc` installs just one of the two.
 */
function packageCandidates(platform, arch) {
  const base = `${NAME}-${platform}-${arch}`;
  return platform === 'linux' ? [`${base}-musl`, base] : [base];
}

/** The binary inside the first installed platform package, or null. */
function findPackagedBinary(platform = process.platform, arch = process.arch) {
  for (const pkg of packageCandidates(platform, arch)) {
    let manifest;
    try {
      manifest = require.resolve(`${pkg}/package.json`);
    } catch {
      continue;
    }
    return path.join(path.dirname(manifest), 'bin', exeName(platform));
  }
  return null;
}

/**
 * The binary inside an MCP Bundle's `server/bin/<platform>-<arch>/`. A bundle holds one binary
 * per platform and architecture; Apple silicon and Windows on Arm fall back to the x64 build,
 * which they run through Rosetta 2 and Windows' x64 emulation.
 */
function findBundledBinary(dir, platform = process.platform, arch = process.arch) {
  const arches = arch === 'arm64' && platform !== 'linux' ? ['arm64', 'x64'] : [arch];
  for (const a of arches) {
    const candidate = path.join(dir, `${platform}-${a}`, exeName(platform));
    if (fs.existsSync(candidate)) return candidate;
  }
  return null;
}

/**
 * Why no binary could be found, and what to do instead. `where` says where we looked: the npm
 * launcher names the platform package npm should have installed; the bundle names its own.
 */
function noBinaryMessage(where, platform = process.platform, arch = process.arch) {
  return [
    `${NAME}: no prebuilt binary for this platform (${platform} ${arch}).`,
    `Prebuilt binaries exist for ${PREBUILT}.`,
    where,
    'Otherwise build it from source (Rust 1.88 or newer): cargo install piapi-billing-mcp',
    `and use that binary directly, or point ${OVERRIDE_VAR} at it.`,
  ].join('\n');
}

/** The npm launcher's hint for {@link noBinaryMessage}. */
function npmHint(platform = process.platform, arch = process.arch) {
  const names = packageCandidates(platform, arch).join(' or ');
  return `If yours is one of them, npm did not install ${names}: reinstall without --no-optional / --omit=optional.`;
}

/**
 * Hosts that unpack a bundle without the files' modes (Claude Desktop on macOS writes every
 * file 0600) leave the binary unexecutable; give the owner the execute bit back. A no-op when
 * the binary is already executable, and on Windows.
 */
function ensureExecutable(bin) {
  if (process.platform === 'win32') return;
  try {
    fs.accessSync(bin, fs.constants.X_OK);
  } catch {
    fs.chmodSync(bin, 0o755);
  }
}

/**
 * Removes `PIAPI_*` variables that are empty or still hold an unfilled `${user_config.…}`
 * placeholder: a bundle host passes those for settings the user left blank, and the server
 * would otherwise read them as (invalid) values.
 */
function withoutBlankSettings(env) {
  const clean = { ...env };
  for (const [key, value] of Object.entries(clean)) {
    if (key.startsWith('PIAPI_') && (value.trim() === '' || /^\$\{user_config\.[^}]*\}$/.test(value))) {
      delete clean[key];
    }
  }
  return clean;
}

function spawnError(bin, err) {
  if (err.code === 'ENOENT' && fs.existsSync(bin)) {
    return `${NAME}: ${bin} exists but cannot be started: its loader is missing (a glibc build on a musl system?).`;
  }
  return `${NAME}: cannot start ${bin}: ${err.message}`;
}

/** Ends this process the way the binary ended: the same exit code, or the same signal. */
function exitLike(code, signal) {
  if (signal) {
    // With our handler gone, the default action applies: Node dies of the same signal.
    process.kill(process.pid, signal);
    // Node ignores a few signals (SIGPIPE); then report it the way shells do.
    setTimeout(() => process.exit(128 + (os.constants.signals[signal] || 0)), 50);
    return;
  }
  process.exit(code === null ? 1 : code);
}

/** Runs `bin` with `args`; never returns control to the caller's code path. */
function run(bin, args, env = process.env) {
  const child = spawn(bin, args, { stdio: 'inherit', env, windowsHide: true });
  const handlers = [];
  for (const signal of FORWARDED) {
    if (!(signal in os.constants.signals)) continue;
    const forward = () => {
      try {
        child.kill(signal);
      } catch {
        // The child is already gone; its exit event will end this process.
      }
    };
    process.on(signal, forward);
    handlers.push([signal, forward]);
  }
  child.on('error', (err) => {
    process.stderr.write(`${spawnError(bin, err)}\n`);
    process.exit(1);
  });
  child.on('exit', (code, signal) => {
    for (const [sig, forward] of handlers) process.removeListener(sig, forward);
    exitLike(code, signal);
  });
}

module.exports = {
  NAME,
  OVERRIDE_VAR,
  packageCandidates,
  findPackagedBinary,
  findBundledBinary,
  noBinaryMessage,
  npmHint,
  ensureExecutable,
  withoutBlankSettings,
  run,
};
