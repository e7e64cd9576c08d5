// The inputs of a task line that change its price, from the core's `price_inputs` (the fields
// the catalog's rows select on and count by, with their allowed values and PiAPI's defaults),
// plus the line's `count` and the `hints` that fix a quantity the request cannot. No model is
// known here by name.

import { el } from "./render.mjs";

const MAX_COUNT = 10_000;

/**
 * The controls of task `index`, showing the values in `task`; `onChange(index, edit)` gets
 * `{input: {name: value}}`, `{count}` or `{hints: {name: value}}` when the user changes one.
 */
export function renderInputs(index, task, form, onChange) {
  const controls = form.fields
    .filter((field) => field.kind !== "text")
    .map((field) => fieldControl(index, field, task.input?.[field.name], (value) =>
      onChange(index, { input: { [field.name]: value } })));
  for (const field of form.fields.filter((f) => f.kind === "text")) {
    const length = String(task.input?.[field.name] ?? "").length;
    controls.push(el("label", { className: "readonly" }, field.name,
      el("span", {}, `${length} characters (edit the request to change)`)));
  }
  controls.push(numberControl(index, "count", task.count ?? 1, { min: 1, max: MAX_COUNT }, (value) =>
    onChange(index, { count: value })));
  for (const hint of form.hints) {
    controls.push(numberControl(index, `hint ${hint}`, task.hints?.[hint], { min: 0, any: hint === "video_seconds" },
      (value) => onChange(index, { hints: { [hint]: value } })));
  }
  return el("fieldset", { className: "inputs" }, el("legend", {}, "Change and recompute"), ...controls);
}

function fieldControl(index, field, current, change) {
  const value = current === undefined ? field.default : current;
  if (field.values.length === 0) {
    return numberControl(index, field.name, value, { min: field.min, max: field.max }, change);
  }
  const select = el("select", { dataset: { task: String(index), field: field.name } });
  // Absent with no documented default: say so rather than show the first value as chosen.
  if (value == null) select.append(el("option", { value: "", selected: true }, "(not set)"));
  const values = value == null || field.values.some((v) => same(v, value)) ? field.values : [value, ...field.values];
  for (const option of values) {
    const label = same(option, field.default) ? `${show(option)} (default)` : show(option);
    select.append(el("option", { value: JSON.stringify(option), selected: same(option, value) }, label));
  }
  select.addEventListener("change", () => change(select.value === "" ? null : JSON.parse(select.value)));
  return el("label", {}, field.name, select);
}

function numberControl(index, name, value, { min, max, any }, change) {
  const input = el("input", {
    type: "number", step: any ? "any" : "1", inputMode: any ? "decimal" : "numeric",
    value: value == null ? "" : String(value), dataset: { task: String(index), field: name },
  });
  if (min != null) input.min = String(min);
  if (max != null) input.max = String(max);
  input.addEventListener("change", () => {
    const text = input.value.trim();
    // Decimal hints go as text so the core reads their digits exactly; whole numbers as numbers.
    change(text === "" ? null : any ? text : Number(text));
  });
  return el("label", {}, name, input);
}

const show = (value) => (typeof value === "string" ? value : JSON.stringify(value));
const same = (a, b) => JSON.stringify(a) === JSON.stringify(b);

/** `task` with `edit` applied (a copy; `null` removes a field or hint). */
export function applyEdit(task, edit) {
  const next = structuredClone(task);
  if ("count" in edit) {
    if (edit.count == null) delete next.count;
    else next.count = edit.count;
  }
  for (const key of ["input", "hints"]) {
    if (!edit[key]) continue;
    next[key] = { ...(next[key] ?? {}) };
    for (const [name, value] of Object.entries(edit[key])) {
      if (value == null) delete next[key][name];
      else next[key][name] = value;
    }
    if (key === "hints" && Object.keys(next.hints).length === 0) delete next.hints;
  }
  return next;
}
