// The npm package has one name: the one its package.json gives. Every place that tells a user
// how to install, import or require it (the READMEs, the docs, the examples, the page) must use
// that name, so that no document sends anyone to a package that does not exist.
import assert from "node:assert/strict";
import { existsSync, readFileSync, readdirSync } from "node:fs";
import { join } from "node:path";
import { test } from "node:test";
import { pkgDir, repoDir } from "./support.mjs";

const { name } = JSON.parse(readFileSync(join(pkgDir, "package.json"), "utf8"));

/** Every file a user reads or copies from, with its text. */
function documents() {
  const files = ["README.md", "ARCHITECTURE.md", "wasm-plugin/README.md", "wasm-plugin/pkg/README.md", "wasm-plugin/pkg/index.d.ts"];
  for (const dir of ["docs", "wasm-plugin/examples", "wasm-plugin/web"]) {
    for (const f of readdirSync(join(repoDir, dir))) files.push(`${dir}/${f}`);
  }
  return files.filter((f) => existsSync(join(repoDir, f))).map((f) => [f, readFileSync(join(repoDir, f), "utf8")]);
}

// The ways a document names the package: installing it, importing or requiring it (plain or
// through Deno's npm: specifier), or calling it the npm package.
const MENTIONS = [
  /npm (?:install|i|add) (piapi-billing[\w-]*)/g,
  /from ["'](?:npm:)?(piapi-billing[\w-]*)/g,
  /require\(["'](piapi-billing[\w-]*)/g,
  /import\(["'](?:npm:)?(piapi-billing[\w-]*)/g,
  /npm package `(piapi-billing[\w-]*)`/g,
];

test(`the package is called ${name} everywhere it is installed, imported or named`, () => {
  assert.equal(name, "piapi-billing-wasm");
  let mentions = 0;
  for (const [file, text] of documents()) {
    for (const pattern of MENTIONS) {
      for (const [, used] of text.matchAll(pattern)) {
        // The MCP server's launcher is a package of its own.
        if (used === "piapi-billing-mcp") continue;
        mentions++;
        assert.equal(used, name, `${file} names the package "${used}"`);
      }
    }
  }
  assert.ok(mentions >= 5, `only ${mentions} mentions found: the patterns no longer match the docs`);
});
