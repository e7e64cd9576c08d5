// The test host's web server, on loopback: its page and script, the sandbox proxy (which the
// host loads from the other loopback name, a different origin), and /mcp relayed to the real
// MCP server. Relaying keeps the host's requests same-origin (the MCP server sends no CORS
// headers) and lets the test see every JSON-RPC request that reaches the server.
import { spawn } from "node:child_process";
import { readFileSync } from "node:fs";
import { createServer } from "node:http";
import { createInterface } from "node:readline";

/**
 * The spec's default policy for a View that declares no domains ("Host Behavior"), with
 * 'wasm-unsafe-eval' added unless `wasm` is false: it lets a page compile WebAssembly and
 * nothing else that 'unsafe-eval' would.
 */
export function sandboxPolicy(wasm) {
  return [
    "default-src 'none'",
    `script-src 'self' 'unsafe-inline'${wasm ? " 'wasm-unsafe-eval'" : ""}`,
    "style-src 'self' 'unsafe-inline'",
    "img-src 'self' data:",
    "media-src 'self' data:",
    "connect-src 'none'",
    "object-src 'none'",
    "base-uri 'self'",
  ].join("; ");
}

/**
 * `files`: path → {file, type}; `relays`: path → MCP server URL. Returns {server, port,
 * requests} (requests: what the relays saw).
 */
export function startHarness({ files, relays }) {
  const requests = [];
  const server = createServer(async (req, res) => {
    const url = new URL(req.url, "http://x");
    try {
      if (relays[url.pathname]) return await relay(req, res, relays[url.pathname], requests);
      const entry = files[url.pathname];
      if (!entry) return res.writeHead(404).end("not found");
      const headers = { "content-type": entry.type, "cache-control": "no-store" };
      if (url.pathname === "/sandbox.html") {
        headers["content-security-policy"] = sandboxPolicy(url.searchParams.get("wasm") !== "0");
      }
      res.writeHead(200, headers).end(readFileSync(entry.file));
    } catch (error) {
      res.writeHead(500).end(String(error));
    }
  });
  return new Promise((resolve) => {
    server.listen(0, "127.0.0.1", () => resolve({ server, port: server.address().port, requests }));
  });
}

async function relay(req, res, mcpUrl, requests) {
  const chunks = [];
  for await (const chunk of req) chunks.push(chunk);
  const body = Buffer.concat(chunks);
  if (req.method === "POST") {
    const message = JSON.parse(body.toString("utf8"));
    for (const m of Array.isArray(message) ? message : [message]) {
      requests.push({ method: m.method, name: m.params?.name ?? m.params?.uri ?? null });
    }
  }
  const headers = {};
  for (const [name, value] of Object.entries(req.headers)) {
    if (!["host", "connection", "content-length"].includes(name)) headers[name] = value;
  }
  const upstream = await fetch(mcpUrl, {
    method: req.method,
    headers,
    body: req.method === "GET" || req.method === "HEAD" ? undefined : body,
  });
  const out = {};
  upstream.headers.forEach((value, name) => {
    if (!["content-length", "content-encoding", "transfer-encoding", "connection"].includes(name)) out[name] = value;
  });
  res.writeHead(upstream.status, out).end(Buffer.from(await upstream.arrayBuffer()));
}

/**
 * The server binary on HTTP (a free loopback port), with a ledger in `ledgerFile`, no PiAPI
 * key, and `args`. Resolves with {child, url} once it announces its address.
 */
export function startMcpServer(binary, ledgerFile, args = []) {
  const env = { ...process.env, PIAPI_BILLING_LEDGER: `file:${ledgerFile}`, RUST_LOG: "warn" };
  for (const name of ["PIAPI_API_KEY", "PIAPI_BASE_URL", "PIAPI_BILLING_TOKEN", "PIAPI_BILLING_CATALOG", "PIAPI_BILLING_OVERLAY"]) {
    delete env[name];
  }
  const child = spawn(binary, ["--http", "127.0.0.1:0", ...args], { env, stdio: ["ignore", "ignore", "pipe"] });
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error("the MCP server did not announce its address")), 30_000);
    child.on("exit", (code) => reject(new Error(`the MCP server exited (${code})`)));
    createInterface({ input: child.stderr }).on("line", (line) => {
      const match = /listening on (http:\/\/\S+)/.exec(line);
      if (match) {
        clearTimeout(timer);
        resolve({ child, url: match[1] });
      }
    });
  });
}
