// The tiny application each bundler builds: it imports the package by its npm name, exactly as
// an application would, prices one task on load, and hands the API to the test, which runs the
// golden vectors through it in the browser.
import billing, { estimateCost } from "piapi-billing-wasm";

const task = { model: "kling", task_type: "video_generation", input: { version: "3.0", mode: "pro", duration: 10, enable_audio: true } };
document.getElementById("total").textContent = estimateCost({ tasks: [task] }).total_max_usd;
window.billing = billing;
document.body.dataset.ready = "true";
