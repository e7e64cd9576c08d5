// The card's side of the MCP Apps protocol (extension io.modelcontextprotocol/ui, spec
// 2026-01-26): JSON-RPC 2.0 over postMessage with the host, or with the sandbox proxy a web
// host puts in between, which relays both ways.
//
// Written here rather than taken from the `App` class of @modelcontextprotocol/ext-apps: that
// class runs on the MCP SDK's Protocol and zod, 129 KB gzip bundled (its app-with-deps.js),
// while the whole card must fit 200 KiB gzip and the billing core's WebAssembly is 125 KiB of
// it. The card uses six messages, and the spec itself shows them spoken without an SDK.

export const PROTOCOL_VERSION = "2026-01-26";
const REQUEST_TIMEOUT_MS = 120_000;

/**
 * Listens to the host and returns `{request, notify}`.
 *
 * `onNotification(method, params)` gets the host's notifications; `onRequest(method, params)`
 * answers its requests (return a result; throw to answer with an error). Messages from any
 * window but the parent are ignored: only the host (or its proxy) may drive the card.
 */
export function connect({ onNotification, onRequest }) {
  const host = window.parent;
  const pending = new Map();
  let nextId = 1;

  const post = (message) => host.postMessage({ jsonrpc: "2.0", ...message }, "*");

  window.addEventListener("message", (event) => {
    if (event.source !== host) return;
    const message = event.data;
    if (!message || message.jsonrpc !== "2.0") return;
    if (message.method === undefined) {
      settle(pending, message);
    } else if (message.id === undefined) {
      onNotification(message.method, message.params ?? {});
    } else {
      answer(post, message, onRequest);
    }
  });

  return {
    request(method, params) {
      const id = nextId++;
      return new Promise((resolve, reject) => {
        const timer = setTimeout(() => {
          pending.delete(id);
          reject(new Error(`${method}: the host did not answer`));
        }, REQUEST_TIMEOUT_MS);
        pending.set(id, { resolve, reject, timer, method });
        post({ id, method, params });
      });
    },
    notify(method, params = {}) {
      post({ method, params });
    },
  };
}

/** Resolves or rejects the request a response answers. */
function settle(pending, message) {
  const call = pending.get(message.id);
  if (!call) return;
  pending.delete(message.id);
  clearTimeout(call.timer);
  if (message.error) {
    const detail = message.error.message ?? JSON.stringify(message.error);
    call.reject(new Error(`${call.method}: ${detail}`));
  } else {
    call.resolve(message.result ?? {});
  }
}

async function answer(post, message, onRequest) {
  try {
    const result = await onRequest(message.method, message.params ?? {});
    post({ id: message.id, result: result ?? {} });
  } catch (error) {
    const code = error && error.code === -32601 ? -32601 : -32603;
    post({ id: message.id, error: { code, message: String((error && error.message) || error) } });
  }
}

/** The error a request handler throws for a method the card does not implement. */
export function methodNotFound(method) {
  const error = new Error(`method not found: ${method}`);
  error.code = -32601;
  return error;
}
