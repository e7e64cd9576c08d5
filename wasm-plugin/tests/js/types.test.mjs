// The package's TypeScript declarations type real usage under `--strict` and declare no `any`.
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readFileSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import { fileURLToPath } from "node:url";
import { loadCjs, pkgDir, repoDir } from "./support.mjs";

const tsc = `${repoDir}.tools/npm/node_modules/.bin/tsc`;

test("index.d.ts, contract.d.ts and init.d.ts declare no `any`", () => {
  for (const file of ["index.d.ts", "contract.d.ts", "init.d.ts"]) {
    const text = readFileSync(pkgDir + file, "utf8").replace(/\/\/.*$|\/\*[\s\S]*?\*\//gm, "");
    assert.doesNotMatch(text, /\bany\b/, `${file} mentions any`);
  }
});

test("typed usage compiles under --strict (and misuse does not)", () => {
  assert.ok(existsSync(tsc), `${tsc} is missing: run scripts/setup-wasm.sh`);
  const dir = mkdtempSync(join(tmpdir(), "piapi-billing-types-"));
  mkdirSync(join(dir, "node_modules"));
  symlinkSync(pkgDir, join(dir, "node_modules", "piapi-billing-wasm"));
  writeFileSync(join(dir, "package.json"), JSON.stringify({ type: "module", private: true }));
  writeFileSync(join(dir, "usage.ts"), readFileSync(fileURLToPath(new URL("../types/usage.ts", import.meta.url))));
  writeFileSync(
    join(dir, "tsconfig.json"),
    JSON.stringify({
      compilerOptions: {
        strict: true, noEmit: true, module: "nodenext", moduleResolution: "nodenext",
        target: "es2022", lib: ["es2022", "dom"], types: [], skipLibCheck: false, noImplicitAny: true,
      },
      files: ["usage.ts"],
    }),
  );
  try {
    execFileSync(tsc, ["-p", dir], { encoding: "utf8", stdio: "pipe" });
  } catch (e) {
    assert.fail(`tsc reported:\n${e.stdout}${e.stderr}`);
  }
});

/** Field names of each `export interface X { … }` in the declarations (own fields, not inherited). */
function declaredFields() {
  const text = ["index.d.ts", "contract.d.ts"].map((f) => readFileSync(pkgDir + f, "utf8")).join("\n");
  const out = {};
  for (const m of text.matchAll(/export interface (\w+)(?: extends (\w+))? \{([\s\S]*?)\n\}/g)) {
    const body = m[3].replace(/\/\*[\s\S]*?\*\//g, "").replace(/\/\/.*$/gm, "");
    const fields = [...body.matchAll(/^\s+(\w+)\??:/gm)].map((f) => f[1]);
    out[m[1]] = { fields: new Set(fields), parent: m[2] };
  }
  for (const v of Object.values(out)) if (v.parent) for (const f of out[v.parent].fields) v.fields.add(f);
  return out;
}

test("the declared result types have exactly the fields the module returns", () => {
  const billing = loadCjs();
  const types = declaredFields();
  const same = (name, value) => {
    assert.ok(types[name], `index.d.ts declares no ${name}`);
    assert.deepEqual(new Set(Object.keys(value)), types[name].fields, `${name} drifted from the module's answer`);
  };
  const task = { model: "kling", task_type: "video_generation", input: { version: "3.0", mode: "pro", duration: 10 } };
  const estimate = billing.estimateCost({ tasks: [task, { model: "kling", task_type: "nope" }] });
  same("EstimateResult", estimate);
  same("EstimateLine", estimate.lines[0]);
  same("LineError", estimate.errors[0]);
  const check = billing.precheckCredits({ tasks: [task], balance_usd: "0.5" });
  same("PrecheckResult", check);
  same("Blocker", check.blockers[0]);
  same("SuggestedTopUp", check.suggested_top_up);
  const quote = billing.quoteTopUp({ amount_usd: "100" });
  same("TopUpQuote", quote);
  same("NextTier", quote.next_tier);
  const plans = billing.listPlans();
  same("PlansResult", plans);
  same("Plan", plans.plans[0]);
  same("PlanLimits", plans.plans[0].limits);
  same("UsageMode", plans.usage_modes[0]);
  same("HyaSeat", plans.hya_seats[0]);
  same("TopUpTier", plans.top_up_tiers[0]);
  same("AccountFacts", plans.account_facts);
  const prices = billing.listPrices({ query: "z-image" });
  same("ListPricesResult", prices);
  same("PriceRow", prices.entries[0]);
  const tiered = prices.entries.find((r) => r.tiers.length);
  assert.ok(tiered, "a tiered price row to check PriceTier against");
  same("PriceTier", tiered.tiers[0]);
  same("CatalogInfo", billing.catalogVersion());
  const form = billing.priceInputs({ model: "kling", task_type: "video_generation" });
  same("PriceInputs", form);
  same("InputField", form.fields[0]);
});
