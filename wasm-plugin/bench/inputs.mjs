// The estimateCost arguments every benchmark here measures, so that their figures compare.
import { readFileSync, readdirSync } from "node:fs";
import { fileURLToPath } from "node:url";

const golden = fileURLToPath(new URL("../../tests/golden/", import.meta.url));

/** One task: the contract's example, Kling 3.0 pro, 10 s, audio on ($2.00). */
export const one = {
  tasks: [{ model: "kling", task_type: "video_generation", input: { version: "3.0", mode: "pro", duration: 10, enable_audio: true } }],
};

/** 1,000 lines drawn round-robin from every priced golden task, so the batch is a realistic mix. */
const pool = readdirSync(golden)
  .filter((f) => f.startsWith("estimate"))
  .flatMap((f) => JSON.parse(readFileSync(golden + f, "utf8")).cases)
  .filter((c) => !c.expected.error && c.expected.errors.length === 0)
  .flatMap((c) => c.args.tasks);
export const thousand = { tasks: Array.from({ length: 1000 }, (_, i) => pool[i % pool.length]) };
