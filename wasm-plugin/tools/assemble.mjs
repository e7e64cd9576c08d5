// Generates the package files that derive from others (called by scripts/build-wasm.sh):
//   api.cjs                  the CommonJS form of api.mjs (its `export` keywords dropped);
//   piapi-billing.single.js  one classic script — UTF-8/base64 prelude, the no-modules glue,
//                            the API and the optimised module inlined as base64 — that defines
//                            `PiapiBilling` in any JavaScript context, even one without
//                            require, import, fetch, Buffer or TextDecoder.
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { parseArgs } from "node:util";

const { values: opts } = parseArgs({
  options: { pkg: { type: "string" }, "no-modules-glue": { type: "string" } },
});
const pkg = opts.pkg;
const here = new URL(".", import.meta.url);

/** api.mjs without its exports, checked to hold only top-level declarations. */
function apiScript() {
  const source = readFileSync(join(pkg, "api.mjs"), "utf8");
  const stripped = source.replace(/^export (class|const|function) /gm, "$1 ");
  if (/^\s*(export|import)\b/m.test(stripped)) {
    throw new Error("api.mjs must hold only `export class|const|function` declarations");
  }
  return stripped;
}

const api = apiScript();
writeFileSync(
  join(pkg, "api.cjs"),
  `// Generated from api.mjs by wasm-plugin/tools/assemble.mjs; do not edit.\n"use strict";\n${api}\nmodule.exports = { BillingError, TOOLS, createApi };\n`,
);

const glue = readFileSync(opts["no-modules-glue"], "utf8");
if (!glue.startsWith("let wasm_bindgen = ")) {
  throw new Error("unexpected no-modules glue: it should define `wasm_bindgen`");
}
const { version } = JSON.parse(readFileSync(join(pkg, "package.json"), "utf8"));
const prelude = readFileSync(new URL("single-prelude.js", here), "utf8");
const wasm = readFileSync(join(pkg, "piapi_billing_wasm_bg.wasm")).toString("base64");

writeFileSync(
  join(pkg, "piapi-billing.single.js"),
  `/*! piapi-billing-wasm ${version}, single-file build: paste it above your code; it defines
 * PiapiBilling = { estimateCost, precheckCredits, listPlans, listPrices, quoteTopUp,
 * priceInputs, catalogVersion, setCatalog, resetCatalog, call, BillingError }.
 * Needs only WebAssembly (no require, import, fetch or file access). MIT OR Apache-2.0. */
var PiapiBilling = (function () {
"use strict";
${prelude}
${glue}
${api}
wasm_bindgen.initSync({ module: decodeBase64("${wasm}") });
return createApi(wasm_bindgen);
})();
`,
);
