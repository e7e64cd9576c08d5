// Tool results as the card's DOM. Every figure shown is one of the result's own decimal
// strings, or a sum of them in integer points (money.mjs); nothing is priced here.

import { grouped, interval, larger, money, points, share, sum } from "./money.mjs";

/**
 * How each tool's result becomes the card's view: `{estimate, precheck}`. The server declares
 * the card on the same tools (mcp-server/src/app.rs, `TOOLS`); `spend_report` is meant to get
 * its renderer here when it lands.
 */
export const RENDERERS = {
  estimate_cost: (result) => ({ estimate: result, precheck: null }),
  precheck_credits: (result) => ({ estimate: result.estimate, precheck: result }),
};

/** The tool a result came from: the host's word for it, else the result's shape. */
export function toolOf(named, result) {
  if (named && RENDERERS[named]) return named;
  if (result && result.decision && result.estimate) return "precheck_credits";
  if (result && Array.isArray(result.lines)) return "estimate_cost";
  return null;
}

const UNIT = {
  task: "task", second: "second", image: "image", song: "song", five_seconds: "5-second block",
  kchar: "1,000 characters", megapixel: "megapixel", frame: "frame",
};
const DECISION = { ok: "ok", insufficient_credits: "insufficient credits", blocked: "blocked" };
const LINK = /(https?:\/\/[^\s;,)]+|\b(?:piapi|goapi)\.ai\/[^\s;,)]*)/;

/** `el("p", {className: "x"}, "text", child)`. */
export function el(tag, props = {}, ...children) {
  const node = document.createElement(tag);
  for (const [key, value] of Object.entries(props)) {
    if (key === "dataset") Object.assign(node.dataset, value);
    else if (key in node) node[key] = value;
    else node.setAttribute(key, value);
  }
  node.append(...children.filter((c) => c != null && c !== false));
  return node;
}

/** What PiAPI freezes for the whole batch while it runs (the lines' freezes summed). */
export function totalFreeze(estimate) {
  return sum(estimate.lines.map((line) => line.freeze_usd));
}

/** The headline: total interval, its bar, points, freeze, and which prices answered. */
export function renderSummary(view) {
  const { estimate, precheck } = view;
  const freeze = totalFreeze(estimate);
  const label = estimate.exact ? "exact" : estimate.errors.length ? "lines missing" : "range";
  return el(
    "section",
    { id: "summary" },
    el(
      "p",
      { className: "headline" },
      el("output", { id: "total" }, interval(estimate.total_min_usd, estimate.total_max_usd)),
      el("span", { id: "exactness", className: `badge ${label.replace(" ", "-")}` }, label),
    ),
    renderBar(estimate, freeze, precheck),
    el(
      "p",
      { className: "facts" },
      el("span", { id: "points" }, pointsText(estimate)),
      el("span", { id: "freeze" }, `PiAPI freezes ${money(freeze)} while it runs`),
    ),
  );
}

function pointsText(estimate) {
  const { total_min_points: min, total_max_points: max } = estimate;
  return min === max ? `${grouped(max)} points` : `${grouped(min)} – ${grouped(max)} points`;
}

/** The [min, max] interval on a track from $0, with the freeze and the available credit. */
function renderBar(estimate, freeze, precheck) {
  const need = [estimate.total_max_usd, freeze, precheck ? precheck.required_usd : "0"];
  let scale = need.reduce(larger);
  const available = precheck ? precheck.available_usd : null;
  // The available credit joins the scale only when it would not shrink the interval to a sliver.
  const availableOnScale = available !== null && points(available) <= 3n * points(scale);
  if (availableOnScale) scale = larger(scale, available);
  const pct = (usd) => `${(share(usd, scale) * 100).toFixed(2)}%`;
  const lo = estimate.total_min_usd;
  const hi = estimate.total_max_usd;
  const parts = [
    el("span", { className: "floor", style: `width:${pct(lo)}` }),
    el("span", { className: "range", style: `left:${pct(lo)};width:calc(${pct(hi)} - ${pct(lo)})` }),
    el("span", { className: "tick freeze", style: `left:${pct(freeze)}`, title: `freeze ${money(freeze)}` }),
  ];
  if (availableOnScale) {
    const title = `available ${money(available)}`;
    parts.push(el("span", { className: "tick available", style: `left:${pct(available)}`, title }));
  }
  const aria = `from ${money(lo)} to ${money(hi)}; freeze ${money(freeze)}` +
    (available === null ? "" : `; available ${money(available)}`);
  return el(
    "div",
    { className: "bar-wrap" },
    el("div", { id: "bar", className: "bar", role: "img", "aria-label": aria }, ...parts),
    el("div", { className: "scale", "aria-hidden": "true" }, el("span", {}, "$0"),
      el("span", {}, availableOnScale || available === null ? money(scale) : `${money(scale)} (available ${money(available)} is off the scale)`)),
  );
}

/** The pre-check: decision, available / required / shortfall, top-up, batch blockers. */
export function renderPrecheck(precheck) {
  const top = precheck.suggested_top_up;
  const fact = (id, name, usd) => el("div", {}, el("dt", {}, name), el("dd", { id }, money(usd)));
  return el(
    "section",
    { id: "precheck", className: `decision-${precheck.decision}` },
    el("p", { className: "decision" }, "Pre-check: ",
      el("output", { id: "decision" }, DECISION[precheck.decision] ?? precheck.decision)),
    el("dl", { className: "funds" },
      fact("available", "available", precheck.available_usd),
      fact("required", "required", precheck.required_usd),
      fact("shortfall", "shortfall", precheck.shortfall_usd)),
    top && el("p", { id: "top-up" },
      `Suggested top-up: ${money(top.amount_usd)}`,
      top.bonus_usd && points(top.bonus_usd) > 0n ? ` (+${top.bonus_pct}% bonus, ${money(top.bonus_usd)})` : "",
      top.self_serve ? ", self-serve" : ", arranged with PiAPI staff"),
    renderNotes("blockers", precheck.blockers.filter((b) => b.index == null).map(blockerText)),
  );
}

function blockerText(blocker) {
  return `${blocker.code.replaceAll("_", " ")}: ${blocker.message}`;
}

/** One task line's figures: its priced line, or why it has none, and its notes. */
export function renderLineFigures(index, view) {
  const line = view.estimate.lines.find((l) => l.index === index);
  const error = view.estimate.errors.find((e) => e.index === index);
  const blockers = view.precheck ? view.precheck.blockers.filter((b) => b.index === index) : [];
  const notes = renderNotes("blockers", blockers.map(blockerText));
  if (!line) {
    const why = error ? `${error.code.replaceAll("_", " ")}: ${error.message}` : "not priced";
    return el("div", { className: "figures" }, el("p", { className: "line-error" }, why), notes);
  }
  return el(
    "div",
    { className: "figures" },
    el("p", { className: "line-head" },
      el("span", { className: "what" }, `${line.model} · ${line.task_type}`, el("small", {}, ` ${line.variant}`)),
      el("output", { className: "price" }, interval(line.min_usd, line.max_usd))),
    el("p", { className: "line-facts" },
      el("span", {}, quantityText(line)),
      el("span", { className: "freeze" }, `freeze ${money(line.freeze_usd)}`),
      line.seat && el("span", {}, `seat ${line.seat}`),
      el("span", { className: `confidence ${line.confidence}` }, `confidence ${line.confidence}`),
      el("span", { className: "source" }, "source ", linked(line.source))),
    line.defaults_used.length > 0 && el("p", { className: "defaults" }, `defaults: ${line.defaults_used.join(", ")}`),
    renderNotes("warnings", line.warnings),
    notes,
  );
}

function quantityText(line) {
  const unit = UNIT[line.unit] ?? line.unit;
  const quantity = line.quantity_max === null ? `${line.quantity_min}+`
    : line.quantity_min === line.quantity_max ? line.quantity_min
      : `${line.quantity_min}–${line.quantity_max}`;
  const count = line.count > 1 ? ` × ${grouped(line.count)} tasks` : "";
  return `${quantity} × ${money(line.unit_price_usd)} per ${unit}${count}`;
}

function renderNotes(className, texts) {
  if (texts.length === 0) return null;
  return el("ul", { className }, ...texts.map((text) => el("li", {}, text)));
}

/** A source text with its URL (or piapi.ai path) as a link. */
export function linked(text) {
  const match = LINK.exec(text);
  if (!match) return text;
  const url = match[0].startsWith("http") ? match[0] : `https://${match[0]}`;
  const link = el("a", { href: url, target: "_blank", rel: "noopener noreferrer", className: "link" }, match[0]);
  const before = text.slice(0, match.index);
  const after = text.slice(match.index + match[0].length);
  const span = el("span", {});
  span.append(before, link, after);
  return span;
}
