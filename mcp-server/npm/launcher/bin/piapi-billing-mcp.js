#!/usr/bin/env node
'use strict';
// `npx -y piapi-billing-mcp [ARGS]`: runs the prebuilt binary from the platform package npm
// installed beside this one (see ../lib/launch.js), or the one named by PIAPI_BILLING_MCP_BINARY.

const launch = require('../lib/launch.js');

const override = process.env[launch.OVERRIDE_VAR];
const bin = override && override.trim() !== '' ? override : launch.findPackagedBinary();
if (bin === null) {
  process.stderr.write(`${launch.noBinaryMessage(launch.npmHint())}\n`);
  process.exit(1);
}
launch.ensureExecutable(bin);
launch.run(bin, process.argv.slice(2));
