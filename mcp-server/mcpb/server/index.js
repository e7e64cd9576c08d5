#!/usr/bin/env node
'use strict';
// Entry point of the MCP Bundle (manifest.json: `node ${__dirname}/server/index.js`).
//
// A bundle host runs this file with Node (Claude Desktop ships its own) instead of the binary
// itself, because hosts are known to unpack bundles without the execute bit (Claude Desktop on
// macOS writes every file 0600): Node only needs to read this file, and it gives the binary its
// execute bit back before starting it. It also picks the binary for this architecture, since a
// manifest can only tell platforms apart, not architectures, and it drops the settings the
// user left blank. `launch.js` is the npm launcher's, copied in by scripts/package.sh.

const path = require('path');
const launch = require('./launch.js');

const bin = launch.findBundledBinary(path.join(__dirname, 'bin'));
if (bin === null) {
  process.stderr.write(`${launch.noBinaryMessage(`This bundle has no binary for it under ${path.join(__dirname, 'bin')}.`)}\n`);
  process.exit(1);
}
launch.ensureExecutable(bin);
launch.run(bin, process.argv.slice(2), launch.withoutBlankSettings(process.env));
