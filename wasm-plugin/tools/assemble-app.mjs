// Builds the estimate card (called by scripts/build-wasm.sh, after the package is built): one
// self-contained HTML document, the MCP App the server embeds (mcp-server/src/app.rs).
//
//   wasm-plugin/app/card.html  the page, with three slots filled here:
//     CARD_CSS                 card.css, minified;
//     CARD_JS                  app/main.mjs and what it imports (the package's web glue and
//                              api.mjs included) bundled by esbuild into one minified script;
//     WASM_GZIP_BASE64         the optimised module, gzip -9 then base64. The card inflates it
//                              with the browser's DecompressionStream: 125 KB of base64 text
//                              instead of 468 KB, which is what hosts fetch and keep.
//
// Fails when the document would exceed its budget of 200 KiB gzip.
import { readFileSync, writeFileSync, mkdirSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join, resolve } from "node:path";
import { parseArgs } from "node:util";
import { gzipSync, constants } from "node:zlib";

const BUDGET_GZIP_BYTES = 200 * 1024;

const { values: opts } = parseArgs({
  options: {
    pkg: { type: "string" },
    "node-modules": { type: "string" },
    out: { type: "string" },
  },
});
const app = new URL("../app/", import.meta.url).pathname;
const esbuild = createRequire(join(resolve(opts["node-modules"]), "noop.js"))("esbuild");

const gzip = (bytes) => gzipSync(bytes, { level: constants.Z_BEST_COMPRESSION });

async function script() {
  const result = await esbuild.build({
    entryPoints: [join(app, "main.mjs")],
    bundle: true,
    write: false,
    format: "iife",
    platform: "browser",
    target: "es2020",
    minify: true,
    legalComments: "none",
    // The web glue's default module URL (import.meta.url) is never used: the card passes
    // the module's bytes.
    logOverride: { "empty-import-meta": "silent" },
  });
  return result.outputFiles[0].text.trim();
}

async function style() {
  const result = await esbuild.transform(readFileSync(join(app, "card.css"), "utf8"), { loader: "css", minify: true });
  return result.code.trim();
}

function fill(template, slots) {
  let html = template;
  for (const [name, value] of Object.entries(slots)) {
    const slot = `/*${name}*/`;
    if (html.split(slot).length !== 2) throw new Error(`card.html must hold ${slot} once`);
    html = html.split(slot).join(value);
  }
  return html;
}

const js = await script();
const css = await style();
if (/<\/script/i.test(js) || /<\/style/i.test(css)) throw new Error("the card's script or style would close its element");
const wasm = readFileSync(join(opts.pkg, "piapi_billing_wasm_bg.wasm"));
const wasmText = gzip(wasm).toString("base64");
const html = fill(readFileSync(join(app, "card.html"), "utf8"), {
  CARD_CSS: css,
  CARD_JS: js,
  WASM_GZIP_BASE64: wasmText,
});
mkdirSync(dirname(opts.out), { recursive: true });
writeFileSync(opts.out, html);

const bytes = Buffer.byteLength(html);
const gzipped = gzip(Buffer.from(html)).length;
console.error(
  `assemble-app: ${opts.out}: ${bytes} bytes, ${gzipped} bytes gzip -9 ` +
    `(script ${js.length}, style ${css.length}, module as gzip+base64 ${wasmText.length})`,
);
if (gzipped > BUDGET_GZIP_BYTES) {
  throw new Error(`the card is ${gzipped} bytes gzip, over its budget of ${BUDGET_GZIP_BYTES}`);
}
