// The cost estimator page: every figure comes from the piapi-billing module (the same answers
// as the MCP server); this file only builds the form and renders results. Money stays in
// decimal strings and integer points (BigInt) here too: no float ever adds dollars.
import billing from "../pkg/browser.mjs";

const $ = (id) => document.getElementById(id);
const POINTS_PER_USD = 10_000_000n;
const MAX_LINE_COUNT = 10_000;
const UNIT_LABEL = {
  task: "task", second: "second", image: "image", song: "song", five_seconds: "5-second block",
  kchar: "1,000 characters", megapixel: "megapixel", frame: "frame",
};
/** The performance mark set when the first estimate is on screen. */
const FIRST_ESTIMATE = "piapi-billing:first-estimate";
/** A balance that never runs short: used to ask which plans can run a task at all. */
const UNLIMITED_BALANCE = "100000000";

const el = (tag, props = {}, ...children) => {
  const node = Object.assign(document.createElement(tag), props);
  node.append(...children);
  return node;
};
const usdText = (usd) => `$${usd}`;
const interval = (min, max) => (min === max ? usdText(max) : `${usdText(min)} – ${usdText(max)}`);

function pointsOfUsd(usd) {
  const [whole, frac = ""] = String(usd).split(".");
  return BigInt(whole) * POINTS_PER_USD + BigInt((frac + "0000000").slice(0, 7));
}

function usdOfPoints(points) {
  const whole = points / POINTS_PER_USD;
  const frac = (points % POINTS_PER_USD).toString().padStart(7, "0").replace(/0+$/, "").padEnd(2, "0");
  return `${whole}.${frac}`;
}

function showError(id, err) {
  const node = $(id);
  node.hidden = !err;
  node.textContent = err ? err.message : "";
}

// ---- the task form -------------------------------------------------------------------------

/** Every catalog row, read once the first estimate is on screen (see the wiring below). */
let prices = [];
const taskTypesOf = (model) => [...new Set(prices.filter((r) => r.model === model).map((r) => r.task_type))];

function fillSelect(select, values, label = String) {
  select.replaceChildren(...values.map((v) => el("option", { value: JSON.stringify(v), textContent: label(v) })));
}

function fieldControl(field) {
  const id = `field-${field.name}`;
  let control;
  if (field.kind === "text") {
    control = el("textarea", { id, rows: 2, placeholder: `text (up to ${field.max} characters)` });
  } else if (field.values.length > 0) {
    control = el("select", { id });
    fillSelect(control, field.values);
    const initial = field.default ?? field.values[0];
    control.value = JSON.stringify(initial);
  } else {
    control = el("input", { id, type: "number", step: 1 });
    if (field.min != null) control.min = field.min;
    if (field.max != null) control.max = field.max;
    control.value = field.default ?? field.min ?? "";
  }
  control.dataset.field = field.name;
  control.dataset.kind = field.kind;
  return el("label", {}, field.name, control);
}

function buildForm() {
  const model = JSON.parse($("model").value);
  const taskType = JSON.parse($("task-type").value);
  const form = billing.priceInputs({ model, task_type: taskType });
  $("fields").replaceChildren(...form.fields.map(fieldControl));
  $("no-fields").hidden = form.fields.length > 0;
  $("hints").replaceChildren(
    ...form.hints.map((h) => {
      const input = el("input", { id: `hint-${h}`, type: "number", min: 0, step: "any" });
      input.dataset.hint = h;
      return el("label", {}, h, input);
    }),
  );
  $("hints-set").hidden = form.hints.length === 0;
}

function onModelChange() {
  fillSelect($("task-type"), taskTypesOf(JSON.parse($("model").value)));
  buildForm();
  update();
}

/** The task as PiAPI's Unified API Schema body, from the form. */
function currentTask(count = Number($("count").value) || 1) {
  const input = {};
  for (const control of $("fields").querySelectorAll("[data-field]")) {
    const { field, kind } = control.dataset;
    if (kind === "text") input[field] = control.value;
    else if (control.tagName === "SELECT") input[field] = JSON.parse(control.value);
    else if (control.value !== "") input[field] = Number(control.value);
  }
  const hints = {};
  for (const control of $("hints").querySelectorAll("[data-hint]")) {
    // Hints go as text so the module reads them exactly.
    if (control.value !== "") hints[control.dataset.hint] = control.dataset.hint === "video_seconds" ? control.value : Number(control.value);
  }
  return {
    model: JSON.parse($("model").value),
    task_type: JSON.parse($("task-type").value),
    input,
    config: { service_mode: $("service-mode").value },
    count,
    ...(Object.keys(hints).length ? { hints } : {}),
  };
}

const planArg = () => ($("plan").value ? { plan: $("plan").value } : {});

// ---- results -------------------------------------------------------------------------------

function renderEstimate() {
  const facts = ["unit-price", "quantity", "points", "freeze", "confidence", "source", "defaults"];
  try {
    const result = billing.estimateCost({ tasks: [currentTask()], ...planArg() });
    showError("estimate-error", null);
    const line = result.lines[0];
    if (!line) {
      const e = result.errors[0];
      $("total").textContent = "cannot be priced";
      for (const id of facts) $(id).textContent = "—";
      $("warnings").replaceChildren(el("li", { textContent: `${e.code}: ${e.message}` }));
      return;
    }
    $("total").textContent = interval(result.total_min_usd, result.total_max_usd);
    $("unit-price").textContent = `${usdText(line.unit_price_usd)} per ${UNIT_LABEL[line.unit] ?? line.unit}`;
    const qty = line.quantity_max == null ? `${line.quantity_min} or more` : line.quantity_min === line.quantity_max ? line.quantity_min : `${line.quantity_min} – ${line.quantity_max}`;
    $("quantity").textContent = `${qty} × ${line.count} task(s)`;
    $("points").textContent = result.total_min_points === result.total_max_points
      ? result.total_max_points.toLocaleString("en-US")
      : `${result.total_min_points.toLocaleString("en-US")} – ${result.total_max_points.toLocaleString("en-US")}`;
    $("freeze").textContent = usdText(line.freeze_usd);
    $("confidence").textContent = line.confidence + (result.overlay ? ` (overlay ${result.overlay})` : "");
    const source = /^https?:\/\//.test(line.source) ? el("a", { href: line.source, textContent: line.source, rel: "noreferrer" }) : line.source;
    $("source").replaceChildren(source);
    $("defaults").textContent = line.defaults_used.length ? line.defaults_used.join(", ") : "none";
    $("warnings").replaceChildren(...[...line.warnings, ...(line.seat ? [`needs an active ${line.seat} seat`] : [])].map((w) => el("li", { textContent: w })));
    // When the page first shows a price, in ms after navigation: what the benchmark reads.
    if (performance.getEntriesByName(FIRST_ESTIMATE).length === 0) performance.mark(FIRST_ESTIMATE);
  } catch (err) {
    showError("estimate-error", err);
    $("total").textContent = "—";
  }
}

function renderPrecheck() {
  const balance = $("balance").value.trim();
  const ids = ["available", "required", "shortfall"];
  if (!balance) {
    $("decision").textContent = "enter a balance";
    $("decision").className = "";
    for (const id of ids) $(id).textContent = "…";
    $("blockers").replaceChildren();
    $("topup").textContent = "";
    showError("precheck-error", null);
    return;
  }
  try {
    const frozen = $("frozen").value.trim();
    const check = billing.precheckCredits({
      tasks: [currentTask()],
      ...planArg(),
      balance_usd: balance,
      ...(frozen ? { frozen_usd: frozen } : {}),
    });
    showError("precheck-error", null);
    $("decision").textContent = check.decision.replace("_", " ");
    $("decision").className = check.ok ? "ok" : "bad";
    $("available").textContent = usdText(check.available_usd);
    $("required").textContent = usdText(check.required_usd);
    $("shortfall").textContent = usdText(check.shortfall_usd);
    $("blockers").replaceChildren(...check.blockers.map((b) => el("li", { textContent: `${b.code}: ${b.message}` })));
    if (check.suggested_top_up) {
      const q = billing.quoteTopUp({ amount_usd: check.suggested_top_up.amount_usd, ...planArg() });
      const next = q.next_tier ? ` Top-ups above ${usdText(q.next_tier.above_usd)} earn +${q.next_tier.bonus_pct}%.` : "";
      $("topup").textContent =
        `Suggested top-up: ${usdText(q.amount_usd)} (+${q.bonus_pct}% bonus, ${usdText(q.bonus_usd)}) → ` +
        `${usdText(q.credited_usd)} credited, ${q.credited_points.toLocaleString("en-US")} points; ` +
        `${q.self_serve ? "self-serve" : `above the ${usdText(q.self_serve_limit_usd)} self-serve limit: arranged with staff`}.${next}`;
    } else {
      $("topup").textContent = "";
    }
  } catch (err) {
    showError("precheck-error", err);
    $("decision").textContent = "—";
  }
}

/** `n` tasks like the current one as lines of at most MAX_LINE_COUNT each. */
function monthlyTasks(n) {
  const lines = [];
  for (let left = n; left > 0; left -= MAX_LINE_COUNT) lines.push(currentTask(Math.min(left, MAX_LINE_COUNT)));
  return lines;
}

function renderPlans() {
  const n = Math.max(0, Math.min(1_000_000, Math.floor(Number($("monthly-tasks").value) || 0)));
  const { plans } = billing.listPlans();
  const rows = plans.map((plan) => {
    let usage = { min: "0.00", max: "0.00" };
    let note = "";
    if (n > 0) {
      try {
        const check = billing.precheckCredits({ tasks: monthlyTasks(n), plan: plan.id, balance_usd: UNLIMITED_BALANCE });
        usage = { min: check.estimate.total_min_usd, max: check.estimate.total_max_usd };
        const blocking = check.blockers.filter((b) => b.code !== "insufficient_credits");
        if (blocking.length) note = blocking[0].message;
      } catch (err) {
        note = err.message;
      }
    }
    const fee = plan.monthly_usd;
    const total = fee == null ? null : usdOfPoints(pointsOfUsd(fee) + pointsOfUsd(usage.max));
    return { plan, fee, usage, total, note };
  });
  $("plan-table").tBodies[0].replaceChildren(
    ...rows.map((r) =>
      el("tr", {},
        el("td", { textContent: r.plan.name }),
        el("td", { textContent: r.fee == null ? "custom" : usdText(r.fee) }),
        el("td", { textContent: interval(r.usage.min, r.usage.max) }),
        el("td", { textContent: r.total == null ? `custom + ${usdText(r.usage.max)}` : usdText(r.total) }),
        el("td", { textContent: r.note || r.plan.features.slice(0, 2).join("; ") }),
      )),
  );
  drawChart(rows);
}

function drawChart(rows) {
  const svg = $("plan-chart");
  const ns = "http://www.w3.org/2000/svg";
  const node = (tag, attrs, text) => {
    const n = document.createElementNS(ns, tag);
    for (const [k, v] of Object.entries(attrs)) n.setAttribute(k, v);
    if (text != null) n.textContent = text;
    return n;
  };
  const top = Math.max(1, ...rows.map((r) => (r.total == null || r.note ? 0 : Number(pointsOfUsd(r.total)))));
  const width = 560, height = 200, base = 170, slot = width / rows.length, barWidth = Math.min(80, slot * 0.6);
  const children = [node("line", { x1: 0, y1: base, x2: width, y2: base, stroke: "#9aa3b5" })];
  rows.forEach((r, i) => {
    const x = i * slot + (slot - barWidth) / 2;
    const unavailable = r.total == null || r.note;
    const h = unavailable ? 12 : Math.max(2, (Number(pointsOfUsd(r.total)) / top) * 130);
    children.push(node("rect", { x, y: base - h, width: barWidth, height: h, class: unavailable ? "bar na" : "bar" }));
    const label = r.total == null ? "custom" : r.note ? "n/a" : usdText(r.total);
    children.push(node("text", { x: x + barWidth / 2, y: base - h - 5, "text-anchor": "middle" }, label));
    children.push(node("text", { x: x + barWidth / 2, y: base + 16, "text-anchor": "middle" }, r.plan.name));
  });
  svg.setAttribute("viewBox", `0 0 ${width} ${height}`);
  svg.replaceChildren(...children);
}

function update() {
  renderEstimate();
  renderPrecheck();
  renderPlans();
}

// ---- wiring --------------------------------------------------------------------------------

/** The service the page opens on, priced before anything else is read. */
const FIRST = { model: "kling", task_type: "video_generation" };

function wire() {
  $("model").addEventListener("change", onModelChange);
  $("task-type").addEventListener("change", () => (buildForm(), update()));
  for (const id of ["task-form", "balance", "frozen", "monthly-tasks"]) {
    $(id).addEventListener("input", update);
    $(id).addEventListener("change", update);
  }
}

/** The menus from the whole price list, keeping the service on screen. */
function fillMenus() {
  prices = billing.listPrices().entries;
  const models = [...new Set(prices.map((r) => r.model))];
  const model = models.includes(FIRST.model) ? FIRST.model : models[0];
  fillSelect($("model"), models);
  $("model").value = JSON.stringify(model);
  const taskTypes = taskTypesOf(model);
  const taskType = JSON.parse($("task-type").value || "null");
  fillSelect($("task-type"), taskTypes);
  if (taskTypes.includes(taskType)) {
    $("task-type").value = JSON.stringify(taskType);
  } else {
    buildForm();
  }
}

function failed(err) {
  showError("load-error", err);
  document.body.dataset.ready = "error";
}

// The first estimate goes on screen before the whole price list is read: the default service's
// form needs only its own price inputs. The menus, the pre-check and the plans follow a task
// later, once the browser has shown the price.
try {
  $("catalog-version").textContent = billing.catalogVersion().catalog_version;
  fillSelect($("model"), [FIRST.model]);
  fillSelect($("task-type"), [FIRST.task_type]);
  buildForm();
  renderEstimate();
} catch {
  // A catalog without the default service: the whole list decides what to show first.
}
setTimeout(() => {
  try {
    fillMenus();
    wire();
    update();
    document.body.dataset.ready = "true";
  } catch (err) {
    failed(err);
  }
});
