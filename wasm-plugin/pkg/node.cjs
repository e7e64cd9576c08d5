// CommonJS entry (Node >= 18 `require`): the wasm-bindgen nodejs glue reads and instantiates
// the module next to it synchronously, so the API is ready when require returns.
"use strict";

const raw = require("./piapi_billing_wasm.cjs");
const { createApi } = require("./api.cjs");

module.exports = createApi(raw);
