// Node module hooks that import a `.wasm` file the way Cloudflare Workers (wrangler) do: as a
// compiled WebAssembly.Module default export, and resolve the package with the "workerd"
// condition. Lets the tests load pkg/workerd.mjs and the Worker example unchanged.
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";

/** Resolves the package itself with wrangler's "workerd" condition, as a Worker build would. */
export async function resolve(specifier, context, nextResolve) {
  if (specifier !== "piapi-billing-wasm") return nextResolve(specifier, context);
  return nextResolve(specifier, { ...context, conditions: ["workerd", ...context.conditions] });
}

export async function load(url, context, nextLoad) {
  if (!url.endsWith(".wasm")) return nextLoad(url, context);
  const bytes = readFileSync(fileURLToPath(url)).toString("base64");
  return {
    format: "module",
    shortCircuit: true,
    source: `export default new WebAssembly.Module(Uint8Array.from(atob(${JSON.stringify(bytes)}), (c) => c.charCodeAt(0)));`,
  };
}
