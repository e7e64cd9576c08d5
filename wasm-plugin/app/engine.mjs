// Where the card's figures come from after the first ones, which are the tool result itself.
//
// - local: the billing core compiled to WebAssembly, inlined in this document (gzip, then
//   base64), so a changed input is priced in the card, at once, without a tool call;
// - server: the same tool called again through the host (`tools/call`), for hosts whose
//   Content-Security-Policy forbids compiling WebAssembly (the spec's default policy lacks
//   'wasm-unsafe-eval') and for servers whose prices differ from the card's built-in catalog
//   (a price overlay, a custom catalog, a card older than the server).
//
// Both answer `run(tool, args)` and `priceInputs(args)` with promises of contract results, so
// the rest of the card does not know which one it has.

import init, * as raw from "../pkg/piapi_billing_wasm.js";
import { createApi } from "../pkg/api.mjs";

const WASM_ELEMENT = "piapi-billing-wasm";

/** The module of this document, compiled; rejects when the host's policy forbids it. */
export async function localEngine() {
  const node = document.getElementById(WASM_ELEMENT);
  if (!node) throw new Error("this card was built without its WebAssembly module");
  const bytes = await gunzip(decodeBase64(node.textContent.trim()));
  node.textContent = "";
  await init({ module_or_path: bytes });
  const api = createApi(raw);
  return {
    kind: "local",
    run: async (tool, args) => api.call(tool, args),
    priceInputs: async (args) => api.priceInputs(args),
  };
}

/** The server's tools, called through the host. */
export function serverEngine(bridge) {
  const call = async (tool, args) => {
    const result = await bridge.request("tools/call", { name: tool, arguments: args });
    if (result.isError) throw new Error(textOf(result) || `${tool} failed`);
    return result.structuredContent;
  };
  return {
    kind: "server",
    run: call,
    priceInputs: (args) => call("price_inputs", args),
  };
}

/** The text blocks of a tool result, joined. */
export function textOf(result) {
  return (result.content ?? [])
    .filter((block) => block.type === "text")
    .map((block) => block.text)
    .join("");
}

function decodeBase64(text) {
  const binary = atob(text);
  const bytes = new Uint8Array(binary.length);
  for (let i = 0; i < binary.length; i++) bytes[i] = binary.charCodeAt(i);
  return bytes;
}

async function gunzip(bytes) {
  const stream = new Blob([bytes]).stream().pipeThrough(new DecompressionStream("gzip"));
  return new Uint8Array(await new Response(stream).arrayBuffer());
}
