// What the JavaScript side of a call costs by itself, whatever the module does: the floor under
// `estimateCost`'s budgets. For the contract's one-task and 1,000-line answers (taken from the
// built package), the fastest batch of each way to get them into, and out of, plain objects:
//   JSON.stringify of the arguments and JSON.parse of the answer (today's bridge);
//   structuredClone of the answer (what a postMessage-style bridge would pay);
//   a compact encoding, decoded by a JS loop: one text holding every string, an Int32Array of
//   tagged values pointing into it, and a key table per object shape, cached across calls. The
//   encoding is made here, in JS, and not timed: this measures only what such a bridge would
//   still cost JS, as an upper bound on what it could save over JSON.parse.
// Usage: node wasm-plugin/bench/floors.mjs [<pkg dir>]
import assert from "node:assert/strict";
import { createRequire } from "node:module";
import { resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { one, thousand } from "./inputs.mjs";

const pkg = resolve(process.argv[2] ?? fileURLToPath(new URL("../pkg/", import.meta.url)));
const billing = createRequire(import.meta.url)(`${pkg}/node.cjs`);

// Value tags. The decoder's `case`s spell them as literals: V8 compiles a switch over literal
// integers to a jump table, and over `TAG.x` property loads to a chain of compares (2x slower).
const TAG = { null: 0, true: 1, false: 2, number: 3, string: 4, array: 5, object: 6 };

/** The compact form of a plain JSON value (strings not deduplicated, as a writer would emit). */
function encodeCompact(value) {
  let text = "";
  const ops = [];
  const shapes = new Map();
  const put = (s) => {
    ops.push(text.length, text.length + s.length);
    text += s;
  };
  const write = (v) => {
    if (v === null) ops.push(TAG.null);
    else if (v === true) ops.push(TAG.true);
    else if (v === false) ops.push(TAG.false);
    else if (typeof v === "number") ops.push(TAG.number, v % 2 ** 32 | 0, Math.floor(v / 2 ** 32));
    else if (typeof v === "string") {
      ops.push(TAG.string);
      put(v);
    } else if (Array.isArray(v)) {
      ops.push(TAG.array, v.length);
      v.forEach(write);
    } else {
      const keys = Object.keys(v).join(",");
      if (!shapes.has(keys)) shapes.set(keys, shapes.size);
      ops.push(TAG.object, shapes.get(keys));
      for (const k of Object.keys(v)) write(v[k]);
    }
  };
  write(value);
  return { text, ops: Int32Array.from(ops), shapes: [...shapes.keys()] };
}

const keyCache = new Map();
/** Plain objects back from the compact form; key lists are split once per process. */
function decodeCompact({ text, ops, shapes }) {
  const keys = shapes.map((s) => {
    let k = keyCache.get(s);
    if (k === undefined) keyCache.set(s, (k = s.split(",")));
    return k;
  });
  let i = 0;
  const read = () => {
    switch (ops[i++]) {
      case 0: // TAG.null
        return null;
      case 1: // TAG.true
        return true;
      case 2: // TAG.false
        return false;
      case 3: { // TAG.number
        const low = ops[i] >>> 0;
        const high = ops[i + 1];
        i += 2;
        return high * 2 ** 32 + low;
      }
      case 4: { // TAG.string
        const s = text.substring(ops[i], ops[i + 1]);
        i += 2;
        return s;
      }
      case 5: { // TAG.array
        const out = new Array(ops[i++]);
        for (let k = 0; k < out.length; k++) out[k] = read();
        return out;
      }
      case 6: { // TAG.object
        const ks = keys[ops[i++]];
        const out = {};
        for (let k = 0; k < ks.length; k++) out[ks[k]] = read();
        return out;
      }
      default:
        throw new Error(`bad tag at ${i - 1}`);
    }
  };
  return read();
}

/** Fastest of 15 batches, in ns per call. */
function fastest(fn, calls) {
  for (let k = 0; k < calls; k++) fn();
  let best = Infinity;
  for (let r = 0; r < 15; r++) {
    const t0 = process.hrtime.bigint();
    for (let k = 0; k < calls; k++) fn();
    best = Math.min(best, Number(process.hrtime.bigint() - t0) / calls);
  }
  return best;
}
const show = (ns) => (ns >= 1e5 ? `${(ns / 1e6).toFixed(3)} ms` : `${(ns / 1e3).toFixed(2)} µs`);

console.log(`node ${process.version}, package ${pkg}`);
for (const [name, args, calls] of [
  ["one task", one, 20_000],
  ["1,000 lines", thousand, 40],
]) {
  const answer = billing.estimateCost(args);
  const envelope = JSON.stringify({ ok: answer });
  const compact = encodeCompact(answer);
  assert.deepStrictEqual(decodeCompact(compact), answer);
  // Each figure is the best of three rounds, the ways interleaved: a figure taken once moved
  // by up to 1.5x with the state of the heap the previous one left (its garbage, V8's tiering).
  const ways = {
    stringify: () => JSON.stringify(args),
    parse: () => JSON.parse(envelope),
    clone: () => structuredClone(answer),
    compact: () => decodeCompact(compact),
    call: () => billing.estimateCost(args),
  };
  const t = Object.fromEntries(Object.keys(ways).map((k) => [k, Infinity]));
  for (let round = 0; round < 3; round++) {
    for (const [k, fn] of Object.entries(ways)) t[k] = Math.min(t[k], fastest(fn, calls));
  }
  console.log(
    `${name}: estimateCost ${show(t.call)}; JSON.stringify(args) ${show(t.stringify)} (${JSON.stringify(args).length} B); ` +
      `JSON.parse(answer) ${show(t.parse)} (${envelope.length} B); structuredClone ${show(t.clone)}; ` +
      `compact decode ${show(t.compact)} (${compact.text.length} chars + ${compact.ops.byteLength} B)`,
  );
}
