// The estimate card, an MCP App: it shows an estimate_cost or precheck_credits result as soon
// as the host hands it over, then lets the user change each line's price inputs and recomputes
// in WebAssembly, and asks the host to reserve the credits.
//
// Protocol (bridge.mjs): ui/initialize → ui/notifications/initialized; the host then sends
// tool-input (the arguments) and tool-result (the result). Tool calls (reserve_credits, or a
// recompute where WebAssembly is not allowed) go through the host, which applies its consent
// rules; the card has no network access of its own.

import { connect, methodNotFound, PROTOCOL_VERSION } from "./bridge.mjs";
import { localEngine, serverEngine, textOf } from "./engine.mjs";
import { applyEdit, renderInputs } from "./form.mjs";
import { money } from "./money.mjs";
import {
  RENDERERS, el, renderLineFigures, renderPrecheck, renderSummary, toolOf,
} from "./render.mjs";
import { applyHostContext, reportSize } from "./theme.mjs";

const APP_INFO = { name: "piapi-billing-estimate-card", version: "0.1.0" };
const $ = (id) => document.getElementById(id);

const card = {
  bridge: null,
  host: {},
  toolName: null,
  args: null,
  tool: null,
  original: null,
  view: null,
  engine: null,
  local: null,
  holdId: null,
  generation: 0,
};

function start() {
  if (window.parent === window) {
    status("This card is drawn by an MCP Apps host (Claude, VS Code, Goose, …) from a tool result; opened on its own it has none.");
    return;
  }
  // Shown only where scripts run: without them the card is its static <noscript> text.
  $("waiting").hidden = false;
  card.local = localEngine().then(
    (engine) => {
      // Milliseconds since this document started loading (read by the browser test).
      document.body.dataset.wasmReadyMs = performance.now().toFixed(1);
      return { engine };
    },
    (error) => ({ error }),
  );
  card.bridge = connect({ onNotification, onRequest });
  document.addEventListener("click", onLinkClick);
  $("reserve-button").addEventListener("click", reserve);
  card.bridge
    .request("ui/initialize", { appInfo: APP_INFO, appCapabilities: {}, protocolVersion: PROTOCOL_VERSION })
    .then((result) => {
      card.host = result.hostCapabilities ?? {};
      card.toolName = result.hostContext?.toolInfo?.tool?.name ?? null;
      applyHostContext(result.hostContext ?? {});
      card.bridge.notify("ui/notifications/initialized", {});
      reportSize(card.bridge);
    })
    .catch((error) => status(`Could not connect to the host: ${error.message}`));
}

function onNotification(method, params) {
  if (method === "ui/notifications/tool-input") card.args = params.arguments ?? null;
  else if (method === "ui/notifications/tool-result") onResult(params);
  else if (method === "ui/notifications/tool-cancelled") status(`The tool call was cancelled${params.reason ? `: ${params.reason}` : ""}.`);
  else if (method === "ui/notifications/host-context-changed") applyHostContext(params);
}

async function onRequest(method) {
  if (method === "ui/resource-teardown" || method === "ping") return {};
  throw methodNotFound(method);
}

function onResult(result) {
  if (result.isError) {
    status(textOf(result) || "The tool failed.");
    return;
  }
  const tool = toolOf(card.toolName, result.structuredContent);
  if (!tool) {
    status("This card shows estimate_cost and precheck_credits results; this one is in the assistant's reply.");
    return;
  }
  card.tool = tool;
  card.original = result.structuredContent;
  show(RENDERERS[tool](card.original));
  markFigures();
  enableEditing().catch((error) => setMode("read-only", `Changing inputs is unavailable: ${error.message}`));
}

/** Draws a view: headline, pre-check, one entry per task line (inputs are kept). */
function show(view) {
  card.view = view;
  $("waiting").hidden = true;
  $("summary").replaceWith(renderSummary(view));
  const precheck = view.precheck ? renderPrecheck(view.precheck) : el("section", { id: "precheck", hidden: true });
  $("precheck").replaceWith(precheck);
  $("catalog").textContent = `catalog ${view.estimate.catalog_version}` +
    (view.estimate.overlay ? ` · overlay ${view.estimate.overlay}` : "");
  for (const index of taskIndexes(view)) {
    lineItem(index).querySelector(".figures").replaceWith(renderLineFigures(index, view));
  }
  updateReserve();
}

function taskIndexes(view) {
  if (card.args?.tasks) return card.args.tasks.map((_, i) => i);
  const all = [...view.estimate.lines, ...view.estimate.errors].map((l) => l.index);
  return [...new Set(all)].sort((a, b) => a - b);
}

function lineItem(index) {
  let item = $(`line-${index}`);
  if (!item) {
    item = el("li", { id: `line-${index}`, className: "line" }, el("div", { className: "figures" }),
      el("div", { className: "inputs-slot" }));
    $("lines").append(item);
  }
  return item;
}

/** Records when the first figures are in the document (read by the browser test). */
function markFigures() {
  document.body.dataset.figuresAt = String(performance.timeOrigin + performance.now());
  requestAnimationFrame(() => {
    document.body.dataset.paintedAt = String(performance.timeOrigin + performance.now());
  });
}

/** Picks the engine for changed inputs, then draws every line's inputs. */
async function enableEditing() {
  if (!Array.isArray(card.args?.tasks)) {
    setMode("read-only", "The host sent no tool arguments, so the inputs cannot be changed here.");
    return;
  }
  card.funds = fundsOf(card.tool, card.args, card.original);
  const { engine, mode, note } = await chooseEngine();
  card.engine = engine;
  setMode(mode, note);
  if (!engine) return;
  updateReserve();
  const forms = new Map();
  for (const [index, task] of card.args.tasks.entries()) {
    const key = JSON.stringify([task.model, task.task_type]);
    if (!forms.has(key)) {
      forms.set(key, engine.priceInputs({ model: task.model, task_type: task.task_type }).catch(() => ({ fields: [], hints: [] })));
    }
    const form = await forms.get(key);
    lineItem(index).querySelector(".inputs-slot").replaceChildren(renderInputs(index, task, form, onEdit));
  }
  document.body.dataset.editable = "true";
}

/**
 * WebAssembly when it compiles here and answers the original arguments exactly as the server
 * did; otherwise the server through the host, when the host relays tool calls.
 */
async function chooseEngine() {
  const local = await card.local;
  let why = local.error ? `this host does not allow WebAssembly (${local.error.message})` : null;
  if (local.engine) {
    const again = await local.engine.run(card.tool, funded(card.args)).catch((error) => error);
    if (sameJson(again, card.original)) {
      return { engine: local.engine, mode: "local", note: "Changes are recomputed in this card (WebAssembly), with no tool call." };
    }
    why = "the server's prices differ from this card's built-in catalog";
  }
  if (card.host.serverTools) {
    return { engine: serverEngine(card.bridge), mode: "server", note: `Changes are recomputed by the server through the host: ${why}.` };
  }
  return { engine: null, mode: "read-only", note: `Inputs cannot be changed here: ${why}, and the host does not relay tool calls.` };
}

/** What a pre-check was decided with, so a recompute uses the same funds. */
function fundsOf(tool, args, original) {
  if (tool !== "precheck_credits" || args.balance_usd != null) return null;
  // The server read the live balance; keep what it saw as available.
  return { balance_usd: original.available_usd, frozen_usd: "0" };
}

const funded = (args) => (card.funds ? { ...args, ...card.funds } : args);

async function onEdit(index, edit) {
  const tasks = card.args.tasks.slice();
  tasks[index] = applyEdit(tasks[index], edit);
  card.args = { ...card.args, tasks };
  card.holdId = null;
  const generation = ++card.generation;
  const began = performance.now();
  try {
    const result = await card.engine.run(card.tool, funded(card.args));
    if (generation !== card.generation) return;
    status("");
    show(RENDERERS[card.tool](result));
    document.body.dataset.recomputeMs = (performance.now() - began).toFixed(2);
    document.body.dataset.recomputes = String(Number(document.body.dataset.recomputes ?? 0) + 1);
    if ($("hold").textContent) $("hold").classList.add("stale");
  } catch (error) {
    if (generation === card.generation) status(error.message);
  }
}

function updateReserve() {
  const button = $("reserve-button");
  const priced = card.view.estimate.lines.length > 0;
  const canCall = Boolean(card.host.serverTools) && Array.isArray(card.args?.tasks);
  button.disabled = !priced || !canCall;
  button.title = canCall ? "Ask the host to call reserve_credits for these tasks" : "This host does not relay tool calls";
  $("reserve").hidden = false;
  const view = card.view;
  holdAmount(view).then((usd) => {
    if (card.view === view) button.textContent = usd ? `Reserve ${money(usd)}` : "Reserve these credits";
  });
}

/**
 * What reserve_credits will hold for the tasks as they are: the pre-check's `required_usd`,
 * from the result, or (for an estimate) from the core in WebAssembly; unknown otherwise. The
 * rule (per line the larger of its max and its freeze) is the core's, not the card's.
 */
async function holdAmount(view) {
  if (view.precheck) return view.precheck.required_usd;
  if (card.engine?.kind !== "local") return null;
  const args = { ...card.args, balance_usd: "0", frozen_usd: "0" };
  return card.engine.run("precheck_credits", args).then((r) => r.required_usd, () => null);
}

/** Asks the host to call reserve_credits for the tasks as they are now. */
async function reserve() {
  const button = $("reserve-button");
  card.holdId ??= `card-${randomHex(12)}`;
  const args = { hold_id: card.holdId, tasks: card.args.tasks, memo: memo() };
  for (const key of ["plan", "default_mode"]) if (card.args[key] != null) args[key] = card.args[key];
  button.disabled = true;
  try {
    const result = await card.bridge.request("tools/call", { name: "reserve_credits", arguments: args });
    if (result.isError) throw new Error(textOf(result) || "reserve_credits failed");
    showHold(result.structuredContent);
  } catch (error) {
    $("hold").textContent = `Not reserved: ${error.message}`;
    $("hold").className = "problem";
  } finally {
    button.disabled = false;
  }
}

function showHold(hold) {
  const node = $("hold");
  node.className = "held";
  node.replaceChildren(
    "Held ", el("strong", { id: "hold-amount" }, money(hold.amount_usd)), " as ",
    el("code", { id: "hold-id" }, hold.hold_id), ` until ${hold.expires_at.replace("T", " ").replace(/\.\d+Z$/, " UTC")}`,
    ` · account ${hold.account}: ${money(hold.balance.available_usd)} available`,
  );
}

function memo() {
  const tasks = card.args.tasks;
  const first = `${tasks[0].model} ${tasks[0].task_type}`;
  return `estimate card: ${first}${tasks.length > 1 ? ` and ${tasks.length - 1} more` : ""}`.slice(0, 256);
}

function randomHex(length) {
  const bytes = crypto.getRandomValues(new Uint8Array(length / 2));
  return [...bytes].map((b) => b.toString(16).padStart(2, "0")).join("");
}

/** Source links open through the host when it offers to (a sandboxed frame may not navigate). */
function onLinkClick(event) {
  const link = event.target.closest?.("a.link");
  if (!link || !card.host.openLinks) return;
  event.preventDefault();
  card.bridge.request("ui/open-link", { url: link.href }).catch((error) => status(error.message));
}

function setMode(mode, note) {
  document.body.dataset.mode = mode;
  $("mode").textContent = note;
}

function status(text) {
  $("status").textContent = text;
  $("status").hidden = !text;
}

function sameJson(a, b) {
  if (a === b) return true;
  if (typeof a !== "object" || typeof b !== "object" || a === null || b === null) return false;
  if (Array.isArray(a) !== Array.isArray(b)) return false;
  const keys = Object.keys(a);
  if (keys.length !== Object.keys(b).length) return false;
  return keys.every((key) => Object.hasOwn(b, key) && sameJson(a[key], b[key]));
}

start();
