#!/usr/bin/env python3
"""Drives a connection flood against the piapi-billing-mcp HTTP server and reports its memory.

Usage: http_flood.py BINARY [--connections N] [--idle N] [--body-bytes B] [--content-length B]
                     [--chunk B] [--pause S] [--hold S] [--after S] [-- SERVER ARGS...]

Defaults are the budget in BENCHMARKS.md: 1,000 connections each POSTing /mcp with
Content-Length 4 MiB and trickling 3 MB of it (64 KiB every 20 ms), held open for 10 s, then all
closed at once. Meanwhile a prober GETs /healthz and calls estimate_cost every 0.25 s on fresh
connections, and the server's resident memory is sampled every 20 ms from /proc (Linux only).
After the clients leave, memory is followed for --after seconds.

Prints one JSON object: idle, peak and after-flood RSS (KiB), how each flood connection ended
(the status the server answered, or closed/open), and the prober's answers and latencies. Not a
test: the budget is checked by reading the figures. Standard library only.
"""

import argparse
import asyncio
import json
import os
import re
import statistics
import subprocess
import sys
import time

TOOL_CALL = json.dumps({"jsonrpc": "2.0", "id": 1, "method": "tools/call", "params": {
    "name": "estimate_cost", "arguments": {"tasks": [{"model": "kling", "task_type": "video_generation",
                                                       "input": {"version": "3.0", "duration": 10}}]},
    "_meta": {"io.modelcontextprotocol/protocolVersion": "2026-07-28",
              "io.modelcontextprotocol/clientCapabilities": {}}}}).encode()
TOOL_HEADERS = ("Content-Type: application/json\r\nAccept: application/json, text/event-stream\r\n"
                "MCP-Protocol-Version: 2026-07-28\r\nMcp-Method: tools/call\r\nMcp-Name: estimate_cost\r\n")


def parse_args():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("binary")
    p.add_argument("--connections", type=int, default=1000, help="connections trickling a body")
    p.add_argument("--idle", type=int, default=0, help="further connections that send nothing")
    p.add_argument("--body-bytes", type=int, default=3_000_000)
    p.add_argument("--content-length", type=int, default=4 * 1024 * 1024)
    p.add_argument("--chunk", type=int, default=64 * 1024)
    p.add_argument("--pause", type=float, default=0.02, help="seconds between chunks")
    p.add_argument("--hold", type=float, default=10.0, help="seconds the flood lasts")
    p.add_argument("--after", type=float, default=6.0, help="seconds memory is followed afterwards")
    argv = sys.argv[1:]
    server_args = argv[argv.index("--") + 1:] if "--" in argv else []
    args = p.parse_args(argv[:argv.index("--")] if "--" in argv else argv)
    args.server_args = server_args
    return args


def rss_kib(pid):
    with open(f"/proc/{pid}/status") as f:
        status = f.read()
    return {k: int(re.search(rf"^{k}:\s+(\d+)", status, re.M).group(1)) for k in ("VmRSS", "VmHWM")}


def start_server(args):
    env = {k: v for k, v in os.environ.items() if not k.startswith("PIAPI_")}
    env.update(RUST_LOG="warn", PIAPI_BILLING_LEDGER="off")
    proc = subprocess.Popen([args.binary, "--http", "127.0.0.1:0", *args.server_args],
                            stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                            stderr=subprocess.PIPE, env=env, text=True)
    for line in proc.stderr:
        match = re.search(r"listening on http://([\d.]+):(\d+)/mcp", line)
        if match:
            return proc, match.group(1), int(match.group(2))
    sys.exit("the server did not start")


async def request(host, port, head, body=b"", timeout=10.0):
    """One request on a fresh connection: (status, seconds) or (error text, seconds)."""
    started = time.monotonic()
    try:
        reader, writer = await asyncio.wait_for(asyncio.open_connection(host, port), timeout)
        writer.write(head.encode() + body)
        await writer.drain()
        reply = await asyncio.wait_for(reader.read(), timeout)
        writer.close()
        status = reply.split(b" ", 2)[1].decode() if reply.startswith(b"HTTP/") else "no reply"
        return status, time.monotonic() - started
    except Exception as e:  # noqa: BLE001 - every failure is a figure here
        return type(e).__name__, time.monotonic() - started


async def probe(host, port, stop, results):
    health = f"GET /healthz HTTP/1.1\r\nHost: {host}:{port}\r\nConnection: close\r\n\r\n"
    tool = (f"POST /mcp HTTP/1.1\r\nHost: {host}:{port}\r\nConnection: close\r\n{TOOL_HEADERS}"
            f"Content-Length: {len(TOOL_CALL)}\r\n\r\n")
    while not stop.is_set():
        results["healthz"].append(await request(host, port, health))
        results["tool_call"].append(await request(host, port, tool, TOOL_CALL))
        await asyncio.sleep(0.25)


async def flooder(host, port, args, stop, outcomes, trickle):
    try:
        reader, writer = await asyncio.open_connection(host, port)
    except Exception as e:  # noqa: BLE001
        outcomes.append(f"connect: {type(e).__name__}")
        return
    answer = asyncio.create_task(reader.read(256))
    stopped = asyncio.create_task(stop.wait())
    try:
        if trickle:
            writer.write((f"POST /mcp HTTP/1.1\r\nHost: {host}:{port}\r\nContent-Type: application/json\r\n"
                          f"Accept: application/json, text/event-stream\r\n"
                          f"Content-Length: {args.content_length}\r\n\r\n").encode())
            sent = 0
            while sent < args.body_bytes and not answer.done() and not stop.is_set():
                n = min(args.chunk, args.body_bytes - sent)
                writer.write(b" " * n)
                drained = asyncio.create_task(writer.drain())
                await asyncio.wait({drained, answer, stopped}, return_when=asyncio.FIRST_COMPLETED)
                if not drained.done():
                    drained.cancel()
                    break
                sent += n
                await asyncio.sleep(args.pause)
        await asyncio.wait({answer, stopped}, return_when=asyncio.FIRST_COMPLETED)
        if answer.done() and not answer.cancelled() and answer.exception() is None:
            reply = answer.result()
            outcomes.append(reply.split(b" ", 2)[1].decode() if reply.startswith(b"HTTP/") else "closed")
        elif answer.done():
            outcomes.append("reset")
        else:
            outcomes.append("open")
    except (ConnectionError, OSError):
        outcomes.append("reset")
    finally:
        for task in (answer, stopped):
            task.cancel()
        writer.close()


async def sample(pid, stop, samples):
    while not stop.is_set():
        samples.append((time.monotonic(), rss_kib(pid)["VmRSS"]))
        await asyncio.sleep(0.02)


def summary(times):
    if not times:
        return None
    return {"n": len(times), "p50_ms": round(statistics.median(times) * 1000, 1),
            "max_ms": round(max(times) * 1000, 1)}


async def main():
    args = parse_args()
    proc, host, port = start_server(args)
    try:
        warm = {"healthz": [], "tool_call": []}
        warm_stop = asyncio.Event()
        warm_stop.set()
        for _ in range(3):
            warm_stop.clear()
            task = asyncio.create_task(probe(host, port, warm_stop, warm))
            await asyncio.sleep(0.1)
            warm_stop.set()
            await task
        await asyncio.sleep(1.0)
        idle = rss_kib(proc.pid)["VmRSS"]

        stop, done_sampling = asyncio.Event(), asyncio.Event()
        samples, outcomes = [], []
        probes = {"healthz": [], "tool_call": []}
        sampler = asyncio.create_task(sample(proc.pid, done_sampling, samples))
        prober = asyncio.create_task(probe(host, port, stop, probes))
        flood = [asyncio.create_task(flooder(host, port, args, stop, outcomes, trickle=True))
                 for _ in range(args.connections)]
        flood += [asyncio.create_task(flooder(host, port, args, stop, outcomes, trickle=False))
                  for _ in range(args.idle)]
        started = time.monotonic()
        await asyncio.sleep(args.hold)
        stop.set()
        await asyncio.gather(*flood, prober)
        left = time.monotonic()
        await asyncio.sleep(args.after)
        done_sampling.set()
        await sampler

        during = [kib for t, kib in samples if t < left]
        after = [(t - left, kib) for t, kib in samples if t >= left]
        below_50 = next((round(t, 2) for t, kib in after if kib < 50 * 1024), None)
        counts = {}
        for outcome in outcomes:
            counts[outcome] = counts.get(outcome, 0) + 1
        answered = {name: {s: sum(1 for status, _ in results if status == s)
                           for s in sorted({status for status, _ in results})}
                    for name, results in probes.items()}
        print(json.dumps({
            "flood": {"trickling": args.connections, "idle": args.idle, "body_bytes": args.body_bytes,
                      "content_length": args.content_length, "hold_s": args.hold,
                      "server_args": args.server_args, "seconds_held": round(left - started, 1)},
            "rss_kib": {
                "idle": idle,
                "peak_during": max(during, default=None),
                "hwm": rss_kib(proc.pid)["VmHWM"],
                "after_leaving": {f"{s}s": next((kib for t, kib in after if t >= s), None)
                                  for s in (0.5, 1, 2, 3, 5)},
                "seconds_until_below_50_mib": below_50,
            },
            "flood_connections_ended": counts,
            "probes_during_flood": answered,
            "healthz_latency": summary([t for s, t in probes["healthz"] if s == "200"]),
            "tool_call_latency": summary([t for s, t in probes["tool_call"] if s == "200"]),
        }, indent=2))
    finally:
        proc.terminate()
        proc.wait(timeout=15)


if __name__ == "__main__":
    asyncio.run(main())
