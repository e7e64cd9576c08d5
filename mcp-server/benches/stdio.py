#!/usr/bin/env python3
"""Benchmarks the piapi-billing-mcp release binary over stdio.

Usage: stdio.py BINARY [--quick] [--instructions] [--small-buffers]
       (scripts/bench-mcp.sh builds the binary and runs this)

Prints one JSON object: cold start to the initialize reply, peak RSS after tools/list, and the
estimate_cost round trip for 1 task and for 1,000 lines. Times include this driver's own pipe
I/O (buffered pipes: an unbuffered readline costs one read(2) per byte), so they are upper
bounds on the server's share. Standard library only.

With --instructions (needs valgrind), it also counts the server's instructions per call under
callgrind: slow, but the same count whatever else the shared machine is doing, so two builds
can be compared when wall and CPU times are swamped by the other engineers' compilers.
"""

import json
import os
import re
import statistics
import subprocess
import sys
import tempfile
import time

INIT = {"jsonrpc": "2.0", "id": 0, "method": "initialize", "params": {
    "protocolVersion": "2025-11-25", "capabilities": {}, "clientInfo": {"name": "bench", "version": "1"}}}
INITIALIZED = {"jsonrpc": "2.0", "method": "notifications/initialized"}
KLING = {"model": "kling", "task_type": "video_generation",
         "input": {"version": "3.0", "mode": "pro", "duration": 10, "enable_audio": True, "prompt": "a cat surfing"},
         "config": {"service_mode": "public"}}
MIX = [
    KLING,
    {"model": "Qubico/flux1-dev", "task_type": "txt2img", "input": {"prompt": "a fox", "batch_size": 2}},
    {"model": "hailuo", "task_type": "video_generation", "input": {"model": "t2v-01", "prompt": "rain"}},
    {"model": "veo3", "task_type": "veo3-video", "input": {"prompt": "waves", "duration": 8, "generate_audio": True}},
    {"model": "Qubico/trellis", "task_type": "image-to-3d", "input": {"image": "https://example.com/a.png"}},
]
# The billing server alone: no PiAPI key, and the credit ledger off (it has its own figures).
ENV = {k: v for k, v in os.environ.items() if not k.startswith("PIAPI_")}
ENV["RUST_LOG"] = "warn"
ENV["PIAPI_BILLING_LEDGER"] = os.environ.get("PIAPI_BILLING_LEDGER", "off")
# The driver's pipe buffers. Python's default (8 KiB) reads a 1,000-line reply (~1 MB) in 120
# read(2) calls, about 0.4 ms of the driver's own; MCP clients read in larger chunks (Node's
# streams 64 KiB). `--small-buffers` measures with Python's default.
BUFFER_BYTES = -1 if "--small-buffers" in sys.argv else 1 << 20


def line(msg):
    return (json.dumps(msg, separators=(",", ":")) + "\n").encode()


class Server:
    def __init__(self, binary):
        self.proc = subprocess.Popen([binary], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                     stderr=subprocess.DEVNULL, env=ENV, bufsize=BUFFER_BYTES)
        self.next_id = 1

    def request(self, method, params=None):
        return self.send_encoded(self.encode(method, params))

    def encode(self, method, params=None):
        """The request line, encoded before any clock starts: Python's json.dumps of the
        1,000-line arguments (170 KB) takes about 2 ms, which is the driver's, not the
        server's. Each line gets the next id."""
        msg = {"jsonrpc": "2.0", "id": self.next_id, "method": method}
        if params is not None:
            msg["params"] = params
        self.next_id += 1
        return line(msg)

    def send_encoded(self, request_line):
        self.proc.stdin.write(request_line)
        self.proc.stdin.flush()
        return self.proc.stdout.readline()

    def handshake(self):
        self.proc.stdin.write(line(INIT))
        self.proc.stdin.flush()
        reply = self.proc.stdout.readline()
        self.proc.stdin.write(line(INITIALIZED))
        self.proc.stdin.flush()
        return reply

    def close(self):
        self.proc.stdin.close()
        self.proc.wait(timeout=10)


def cpu_seconds(pid):
    """User + system CPU time of a process so far: unlike wall time, barely moved by the other
    processes sharing the cores."""
    with open(f"/proc/{pid}/stat") as stat:
        fields = stat.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def quantiles(samples_s):
    samples = sorted(samples_s)
    pick = lambda q: samples[min(len(samples) - 1, int(q * len(samples)))]
    return {"median_us": round(statistics.median(samples) * 1e6, 1), "p90_us": round(pick(0.9) * 1e6, 1),
            "min_us": round(samples[0] * 1e6, 1), "n": len(samples)}


def cold_start(binary, runs):
    samples = []
    for _ in range(runs):
        start = time.perf_counter()
        proc = subprocess.Popen([binary], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                stderr=subprocess.DEVNULL, env=ENV)
        proc.stdin.write(line(INIT))
        proc.stdin.flush()
        reply = proc.stdout.readline()
        samples.append(time.perf_counter() - start)
        assert b'"piapi-billing-mcp"' in reply, reply
        proc.stdin.close()
        proc.wait(timeout=10)
    return quantiles(samples)


def peak_rss_after_tools_list(binary):
    server = Server(binary)
    server.handshake()
    reply = server.request("tools/list")
    assert b"estimate_cost" in reply
    with open(f"/proc/{server.proc.pid}/status") as status:
        fields = dict(l.split(":", 1) for l in status if ":" in l)
    server.close()
    return {"vm_hwm_kib": int(fields["VmHWM"].split()[0]), "vm_rss_kib": int(fields["VmRSS"].split()[0])}


def ping_floor(binary, runs):
    """The transport and driver cost alone: a `ping` round trip."""
    server = Server(binary)
    server.handshake()
    for _ in range(200):
        server.request("ping")
    samples = []
    cpu_before = cpu_seconds(server.proc.pid)
    for _ in range(runs):
        start = time.perf_counter()
        reply = server.request("ping")
        samples.append(time.perf_counter() - start)
    server_cpu = (cpu_seconds(server.proc.pid) - cpu_before) / runs
    assert b'"result"' in reply, reply
    server.close()
    return quantiles(samples) | {"server_cpu_us_per_call": round(server_cpu * 1e6, 1)}


def round_trip(binary, tasks, warmup, runs):
    server = Server(binary)
    server.handshake()
    params = {"name": "estimate_cost", "arguments": {"tasks": tasks}}
    for _ in range(warmup):
        server.request("tools/call", params)
    samples = []
    cpu_before = cpu_seconds(server.proc.pid)
    # The arguments are encoded once; each request line only gets its own id spliced in.
    first = server.encode("tools/call", params)
    head, tail = first.split(b'"method"', 1)
    assert head == b'{"jsonrpc":"2.0","id":%d,' % (server.next_id - 1), head
    for _ in range(runs):
        request_line = b'{"jsonrpc":"2.0","id":%d,"method"' % server.next_id + tail
        server.next_id += 1
        start = time.perf_counter()
        reply = server.send_encoded(request_line)
        samples.append(time.perf_counter() - start)
    server_cpu = (cpu_seconds(server.proc.pid) - cpu_before) / runs
    reply_message = json.loads(reply)
    assert reply_message["id"] == server.next_id - 1, "the reply answers the last request"
    result = reply_message["result"]
    assert not result.get("isError"), result
    assert len(result["structuredContent"]["lines"]) == len(tasks), "every line priced"
    server.close()
    return quantiles(samples) | {"server_cpu_us_per_call": round(server_cpu * 1e6, 1),
                                 "lines": len(tasks), "reply_bytes": len(reply)}


def instructions_total(binary, calls, tasks):
    """Instructions the server executes for the handshake, tools/list and `calls` estimates."""
    with tempfile.TemporaryDirectory() as work:
        out = os.path.join(work, "callgrind.out")
        wrapper = os.path.join(work, "server.sh")
        with open(wrapper, "w") as script:
            script.write(f'#!/bin/sh\nexec valgrind --tool=callgrind --callgrind-out-file={out} "{binary}" "$@"\n')
        os.chmod(wrapper, 0o755)
        server = Server(wrapper)
        server.handshake()
        server.request("tools/list")
        for _ in range(calls):
            reply = server.request("tools/call", {"name": "estimate_cost", "arguments": {"tasks": tasks}})
            assert b'"structuredContent"' in reply, reply[:200]
        server.close()
        with open(out) as profile:
            totals = re.search(r"^totals: (\d+)", profile.read(), re.MULTILINE)
        return int(totals.group(1))


def instructions_per_call(binary, tasks, calls):
    """The difference of two runs, so start-up and tools/list cancel out."""
    return (instructions_total(binary, 1 + calls, tasks) - instructions_total(binary, 1, tasks)) // calls


def main():
    binary = sys.argv[1]
    quick = "--quick" in sys.argv
    out = {
        "binary": binary,
        "binary_bytes": os.path.getsize(binary),
        "cold_start_to_initialize_reply": cold_start(binary, 20 if quick else 200),
        "peak_rss_after_tools_list": peak_rss_after_tools_list(binary),
        "ping_stdio_floor": ping_floor(binary, 500 if quick else 5000),
        "estimate_cost_1_task_stdio": round_trip(binary, [KLING], 200, 500 if quick else 5000),
        "estimate_cost_1000_lines_stdio": round_trip(binary, [MIX[i % len(MIX)] for i in range(1000)],
                                                      5, 20 if quick else 200),
    }
    if "--instructions" in sys.argv:
        out["instructions_per_call"] = {
            "estimate_cost_1_task": instructions_per_call(binary, [KLING], 200),
            "estimate_cost_1000_lines": instructions_per_call(binary, [MIX[i % len(MIX)] for i in range(1000)], 5),
            "startup_initialize_and_tools_list": instructions_total(binary, 0, [KLING]),
        }
    print(json.dumps(out, indent=2))


if __name__ == "__main__":
    main()
