// The test host: a chat page that renders MCP Apps the way a web host does, built on the
// official host side of the extension (AppBridge and PostMessageTransport from
// @modelcontextprotocol/ext-apps) and the official MCP client SDK. Bundled for the browser by
// card.test.mjs with esbuild.
//
// It connects to the real server over streamable HTTP (same origin: the harness relays /mcp),
// announcing the extension; calls the tool named in the URL (default: estimate_cost for the
// contract's Kling task); reads the UI resource the tool declares; and loads it through a
// sandbox proxy on another origin. Tool calls from the card pass a consent hook that records
// them (and can refuse the next one) before they go to the server. `?wasm=0` has the sandbox
// forbid WebAssembly, `?scripts=0` scripts altogether; `?mcp=/path` picks another server.
//
// The test drives it through `window.host`.
import {
  AppBridge, PostMessageTransport, RESOURCE_MIME_TYPE, getToolUiResourceUri,
} from "@modelcontextprotocol/ext-apps/app-bridge";
import { Client, StreamableHTTPClientTransport } from "@modelcontextprotocol/client";

const KLING = {
  model: "kling", task_type: "video_generation",
  input: { version: "3.0", mode: "pro", duration: 10, enable_audio: true },
};
const THEMES = {
  light: {
    page: { "--host-bg": "#faf9f5", "--host-fg": "#141413", "--host-bubble": "#f0eee6", "--host-border": "#d8d6cc" },
    variables: {
      "--color-background-primary": "#ffffff", "--color-background-secondary": "#f5f4ed",
      "--color-text-primary": "#141413", "--color-text-secondary": "#5e5d59",
      "--color-border-primary": "#c9c7bd", "--font-sans": "Georgia, serif", "--border-radius-md": "10px",
    },
  },
  dark: {
    page: { "--host-bg": "#262624", "--host-fg": "#faf9f5", "--host-bubble": "#30302e", "--host-border": "#4a4945" },
    variables: {
      "--color-background-primary": "#1f1e1d", "--color-background-secondary": "#30302e",
      "--color-text-primary": "#faf9f5", "--color-text-secondary": "#b7b5a9",
      "--color-border-primary": "#5a5954", "--font-sans": "Georgia, serif", "--border-radius-md": "10px",
    },
  },
};

const query = new URLSearchParams(location.search);
const toolName = query.get("tool") ?? "estimate_cost";
const toolArgs = query.has("args") ? JSON.parse(query.get("args")) : { tasks: [KLING] };
let theme = query.get("theme") ?? "light";

const host = {
  ready: false, resourceSent: false, error: null, consents: [], links: [], result: null, resultSentAt: null, denyNext: null,
  html: null, client: null, bridge: null,
  /** A tool call of the test's own (setup and checks), not the card's. */
  call: async (name, args) => (await host.client.callTool({ name, arguments: args })),
  setTheme, setWidth,
};
window.host = host;

function paintPage() {
  for (const [name, value] of Object.entries(THEMES[theme].page)) document.body.style.setProperty(name, value);
}

function setTheme(next) {
  theme = next;
  paintPage();
  return host.bridge.sendHostContextChange({ theme, styles: { variables: THEMES[theme].variables } });
}

function setWidth(px) {
  document.getElementById("chat").style.maxWidth = `${px}px`;
}

async function connect() {
  const client = new Client(
    { name: "piapi-billing-test-host", version: "1.0.0" },
    { capabilities: { extensions: { "io.modelcontextprotocol/ui": { mimeTypes: [RESOURCE_MIME_TYPE] } } } },
  );
  await client.connect(new StreamableHTTPClientTransport(new URL(query.get("mcp") ?? "/mcp", location.href)));
  return client;
}

async function readCard(client, tool) {
  const uri = getToolUiResourceUri(tool);
  if (!uri) throw new Error(`${tool.name} declares no UI resource: ${JSON.stringify(tool._meta)}`);
  const { contents } = await client.readResource({ uri });
  const content = contents[0];
  if (content.mimeType !== RESOURCE_MIME_TYPE) throw new Error(`unexpected MIME type ${content.mimeType}`);
  return { html: content.text, csp: content._meta?.ui?.csp };
}

/** Loads the sandbox proxy from the other loopback name: a different origin, same server. */
function loadSandbox(iframe) {
  const url = new URL("/sandbox.html", location.href);
  url.hostname = location.hostname === "localhost" ? "127.0.0.1" : "localhost";
  for (const name of ["wasm", "scripts"]) {
    if (query.get(name) === "0") url.searchParams.set(name, "0");
  }
  return new Promise((resolve) => {
    const listener = (event) => {
      if (event.source === iframe.contentWindow && event.data?.method === "ui/notifications/sandbox-proxy-ready") {
        window.removeEventListener("message", listener);
        resolve();
      }
    };
    window.addEventListener("message", listener);
    iframe.src = url.href;
  });
}

function bridgeFor(client, iframe, tool) {
  const bridge = new AppBridge(
    null,
    { name: "piapi-billing-test-host", version: "1.0.0" },
    { serverTools: {}, openLinks: {}, logging: {} },
    { hostContext: { theme, styles: { variables: THEMES[theme].variables }, toolInfo: { tool }, displayMode: "inline", platform: "web" } },
  );
  // The host's consent rules: every tool call the card asks for is recorded, and refused when
  // the test says the user declines.
  bridge.oncalltool = async (params) => {
    host.consents.push({ name: params.name, arguments: params.arguments });
    if (host.denyNext === params.name) {
      host.denyNext = null;
      throw new Error("the user declined this tool call");
    }
    return client.callTool(params);
  };
  bridge.onopenlink = async ({ url }) => {
    host.links.push(url);
    return {};
  };
  bridge.onsizechange = ({ height }) => {
    if (height) iframe.style.height = `${height + 2}px`;
  };
  return bridge;
}

async function main() {
  paintPage();
  const client = await connect();
  host.client = client;
  const { tools } = await client.listTools();
  const tool = tools.find((t) => t.name === toolName);
  const card = await readCard(client, tool);
  host.html = card.html;
  const iframe = document.getElementById("app");
  await loadSandbox(iframe);
  const bridge = bridgeFor(client, iframe, tool);
  host.bridge = bridge;
  const initialized = new Promise((resolve) => { bridge.oninitialized = resolve; });
  await bridge.connect(new PostMessageTransport(iframe.contentWindow, iframe.contentWindow));
  await bridge.sendSandboxResourceReady({ html: card.html, csp: card.csp });
  host.resourceSent = true;
  await initialized;
  await bridge.sendToolInput({ arguments: toolArgs });
  const result = await client.callTool({ name: toolName, arguments: toolArgs });
  host.result = result;
  document.getElementById("status").textContent = "Assistant: here is the estimate.";
  host.resultSentAt = performance.timeOrigin + performance.now();
  await bridge.sendToolResult(result);
  host.ready = true;
}

main().catch((error) => {
  host.error = String(error && (error.stack || error.message || error));
  document.getElementById("status").textContent = `host error: ${host.error}`;
});
