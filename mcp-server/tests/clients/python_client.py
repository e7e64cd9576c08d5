"""Drives piapi-billing-mcp with the official Python MCP SDK (mcp 2.3.0), a client that is not
ours, and asserts real results: every tool, an error result, resources and prompts.

Usage: python_client.py stdio BINARY MODE
       python_client.py http URL MODE
MODE is the SDK's connect mode: auto, legacy or 2026-07-28.
"""

import asyncio
import json
import os
import sys

from mcp import Client
from mcp.client.stdio import StdioServerParameters

KLING = {
    "model": "kling",
    "task_type": "video_generation",
    "input": {"version": "3.0", "mode": "pro", "duration": 10, "enable_audio": True},
}
TOOLS = {
    "estimate_cost", "precheck_credits", "list_plans", "list_prices", "quote_top_up",
    "price_inputs", "check_balance", "get_task_cost",
}


def check(cond, what):
    if not cond:
        raise AssertionError(what)


def text_of(result):
    return "".join(getattr(c, "text", "") for c in result.content)


async def exercise(client):
    tools = (await client.list_tools()).tools
    check(TOOLS <= {t.name for t in tools}, f"tools: {[t.name for t in tools]}")
    for t in (t for t in tools if t.name in TOOLS):
        check(t.input_schema.get("type") == "object", f"{t.name} inputSchema")
        check(t.output_schema and t.output_schema.get("type") == "object", f"{t.name} outputSchema")
        check(t.annotations and t.annotations.read_only_hint is True, f"{t.name} readOnlyHint")

    r = await client.call_tool("estimate_cost", {"tasks": [KLING]})
    check(not r.is_error, f"estimate_cost failed: {text_of(r)}")
    check(r.structured_content["total_max_usd"] == "2.00", f"estimate: {r.structured_content}")
    check(r.structured_content["total_max_points"] == 20000000, "points")
    check(json.loads(text_of(r)) == r.structured_content, "text copy equals structuredContent")

    r = await client.call_tool("precheck_credits", {"tasks": [KLING], "balance_usd": "1.50"})
    check(r.structured_content["decision"] == "insufficient_credits", f"precheck: {r.structured_content}")
    check(r.structured_content["shortfall_usd"] == "0.50", "shortfall")

    r = await client.call_tool("list_plans", {})
    check([p["id"] for p in r.structured_content["plans"]] == ["free", "creator", "pro", "enterprise"], "plans")

    r = await client.call_tool("list_prices", {"query": "flux"})
    check(len(r.structured_content["entries"]) > 0, "flux prices")

    r = await client.call_tool("quote_top_up", {"amount_usd": 700})
    check(r.structured_content["credited_usd"] == "721.00", f"quote: {r.structured_content}")

    r = await client.call_tool("quote_top_up", {"amount_usd": "lots"})
    check(r.is_error and "amount_usd" in text_of(r), f"bad argument: {text_of(r)}")
    check(r.structured_content is None, "no structuredContent on an error")

    r = await client.call_tool("check_balance", {})
    check(r.is_error and "PIAPI_API_KEY" in text_of(r), f"check_balance without key: {text_of(r)}")
    r = await client.call_tool("get_task_cost", {"task_id": "abc"})
    check(r.is_error and "PIAPI_API_KEY" in text_of(r), f"get_task_cost without key: {text_of(r)}")

    resources = (await client.list_resources()).resources
    uris = {str(r.uri) for r in resources}
    check("piapi-billing://plans" in uris and "piapi-billing://catalog/kling" in uris, f"resources: {uris}")
    read = await client.read_resource("piapi-billing://catalog/kling")
    body = json.loads(read.contents[0].text)
    check(body["entries"] and all(e["model"] == "kling" for e in body["entries"]), "kling catalog")
    templates = (await client.list_resource_templates()).resource_templates
    check(any(t.uri_template == "piapi-billing://catalog/{model}" for t in templates), "template")

    prompts = (await client.list_prompts()).prompts
    check(any(p.name == "plan_generation_budget" for p in prompts), "prompt listed")
    prompt = await client.get_prompt("plan_generation_budget", {"goal": "ten Flux images", "budget_usd": "5"})
    text = prompt.messages[0].content.text
    check("ten Flux images" in text and "precheck_credits" in text, "prompt text")


async def main():
    transport, target, mode = sys.argv[1], sys.argv[2], sys.argv[3]
    # The SDK gives a stdio server only a minimal environment; pass ours on (the caller sets
    # PIAPI_BILLING_LEDGER=off and no PiAPI key).
    server = (StdioServerParameters(command=target, args=[], env=dict(os.environ))
              if transport == "stdio" else target)
    async with Client(server, mode=mode) as client:
        info = client.server_info
        # A client pinned to 2026-07-28 skips discovery, so it may know no server info.
        check(info is not None or mode == "2026-07-28", "server info after auto/legacy connect")
        check(info is None or info.name == "piapi-billing-mcp", f"server name {info and info.name}")
        await exercise(client)
        print(f"python mcp client: {transport} mode={mode} protocol={client.protocol_version}: ok")


if __name__ == "__main__":
    asyncio.run(main())
