// A minimal W3C WebDriver client over Node's fetch, for Debian's chromedriver: just the
// commands the browser tests (the estimator page, the MCP server's estimate card) need. Every
// request has a timeout.
import { spawn } from "node:child_process";
import { createServer } from "node:net";

const ELEMENT = "element-6066-11e4-a52e-4f735466cecf";

/** A free loopback port. */
export function freePort() {
  return new Promise((resolve, reject) => {
    const srv = createServer().listen(0, "127.0.0.1", () => {
      const { port } = srv.address();
      srv.close(() => resolve(port));
    });
    srv.on("error", reject);
  });
}

export async function startChromedriver(binary = "/usr/bin/chromedriver") {
  const port = await freePort();
  const proc = spawn(binary, [`--port=${port}`, "--allowed-ips=127.0.0.1"], { stdio: ["ignore", "pipe", "pipe"] });
  const base = `http://127.0.0.1:${port}`;
  for (let i = 0; i < 100; i++) {
    try {
      const res = await fetch(`${base}/status`, { signal: AbortSignal.timeout(1000) });
      if ((await res.json()).value.ready) return { base, stop: () => proc.kill("SIGTERM") };
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  proc.kill("SIGTERM");
  throw new Error("chromedriver did not become ready");
}

export class Session {
  static async create(base, chromiumArgs, binary = "/usr/bin/chromium") {
    const res = await request(base, "POST", "/session", {
      capabilities: {
        alwaysMatch: { browserName: "chrome", "goog:chromeOptions": { binary, args: chromiumArgs } },
      },
    });
    return new Session(base, res.sessionId);
  }

  constructor(base, id) {
    this.base = base;
    this.id = id;
  }

  cmd(method, path, body) {
    return request(this.base, method, `/session/${this.id}${path}`, body);
  }

  goto(url) {
    return this.cmd("POST", "/url", { url });
  }

  setWindow(width, height) {
    return this.cmd("POST", "/window/rect", { width, height });
  }

  async find(css) {
    const found = await this.cmd("POST", "/element", { using: "css selector", value: css });
    return found[ELEMENT];
  }

  /** Switches into the iframe `css` of the current frame. */
  async frame(css) {
    await this.cmd("POST", "/frame", { id: { [ELEMENT]: await this.find(css) } });
  }

  /** Switches back to the top-level page. */
  top() {
    return this.cmd("POST", "/frame", { id: null });
  }

  async click(css) {
    await this.cmd("POST", `/element/${await this.find(css)}/click`, {});
  }

  async type(css, text) {
    const id = await this.find(css);
    await this.cmd("POST", `/element/${id}/clear`, {});
    await this.cmd("POST", `/element/${id}/value`, { text });
  }

  async text(css) {
    return this.cmd("GET", `/element/${await this.find(css)}/text`);
  }

  script(source, ...args) {
    return this.cmd("POST", "/execute/sync", { script: source, args });
  }

  /** Polls `predicate` (a script returning a value) until it is truthy. */
  async waitFor(source, timeoutMs = 15_000) {
    const end = Date.now() + timeoutMs;
    for (;;) {
      const v = await this.script(source);
      if (v) return v;
      if (Date.now() > end) throw new Error(`timed out waiting for: ${source}`);
      await new Promise((r) => setTimeout(r, 100));
    }
  }

  async screenshot() {
    return Buffer.from(await this.cmd("GET", "/screenshot"), "base64");
  }

  close() {
    return this.cmd("DELETE", "");
  }
}

async function request(base, method, path, body) {
  const res = await fetch(base + path, {
    method,
    headers: body === undefined ? {} : { "content-type": "application/json" },
    body: body === undefined ? undefined : JSON.stringify(body),
    signal: AbortSignal.timeout(30_000),
  });
  const payload = await res.json();
  if (!res.ok) throw new Error(`WebDriver ${method} ${path}: ${JSON.stringify(payload.value).slice(0, 500)}`);
  return payload.value;
}
