-- wrk script: estimate_cost for one Kling task as a stateless 2026-07-28 request.
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
wrk.headers["Accept"] = "application/json, text/event-stream"
wrk.headers["MCP-Protocol-Version"] = "2026-07-28"
wrk.headers["Mcp-Method"] = "tools/call"
wrk.headers["Mcp-Name"] = "estimate_cost"
wrk.body = [[{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"estimate_cost","arguments":{"tasks":[{"model":"kling","task_type":"video_generation","input":{"version":"3.0","mode":"pro","duration":10,"enable_audio":true,"prompt":"a cat surfing"},"config":{"service_mode":"public"}}]},"_meta":{"io.modelcontextprotocol/protocolVersion":"2026-07-28","io.modelcontextprotocol/clientCapabilities":{}}}}]]
