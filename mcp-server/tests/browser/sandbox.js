// The sandbox proxy of the test host (MCP Apps spec, "Sandbox proxy"): served from an origin
// other than the host's, under the Content-Security-Policy the harness sends for it, it loads
// the View's HTML into an inner frame without same-origin rights and relays JSON-RPC both ways,
// except its own ui/notifications/sandbox-* messages.
"use strict";
(function () {
  const hostOrigin = new URL(document.referrer).origin;
  const inner = document.createElement("iframe");
  // ?scripts=0: a host that runs no scripts in Views.
  const scripts = new URLSearchParams(location.search).get("scripts") !== "0";
  inner.setAttribute("sandbox", scripts ? "allow-scripts" : "");
  inner.title = "view";
  document.body.append(inner);

  window.addEventListener("message", (event) => {
    if (event.source === window.parent) {
      if (event.origin !== hostOrigin) return;
      const message = event.data;
      if (message && message.method === "ui/notifications/sandbox-resource-ready") {
        inner.srcdoc = message.params.html;
      } else if (inner.contentWindow) {
        inner.contentWindow.postMessage(message, "*");
      }
    } else if (event.source === inner.contentWindow) {
      window.parent.postMessage(event.data, hostOrigin);
    }
  });

  window.parent.postMessage(
    { jsonrpc: "2.0", method: "ui/notifications/sandbox-proxy-ready", params: {} },
    hostOrigin,
  );
})();
