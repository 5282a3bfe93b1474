#!/usr/bin/env python3
"""A bounded HTTP load generator for loopback benchmarks (standard library only).

usage: loadgen.py BASE_URL PATHS_FILE SECONDS CONCURRENCY

Opens CONCURRENCY client tasks; each repeatedly GETs a path (round robin over PATHS_FILE, one
per line) on a new connection (`Connection: close`, the same for every server measured) and
reads the whole response. Prints one JSON line: requests, errors (non-200 or broken), bytes,
requests per second and latency percentiles in milliseconds. Stops after SECONDS.
"""
import asyncio
import json
import sys
import time
import urllib.parse

base, paths_file, seconds, concurrency = sys.argv[1], sys.argv[2], float(sys.argv[3]), int(sys.argv[4])
paths = [p.strip() for p in open(paths_file) if p.strip()]
url = urllib.parse.urlsplit(base)
host, port = url.hostname, url.port or 80
prefix = url.path.rstrip("/")
latencies, errors, total_bytes = [], 0, 0


async def one(path: str) -> int:
    reader, writer = await asyncio.open_connection(host, port)
    writer.write(
        f"GET {prefix}{path} HTTP/1.1\r\nHost: {host}:{port}\r\nConnection: close\r\n"
        "Accept: application/vnd.pypi.simple.v1+json, application/vnd.pypi.simple.v1+html; q=0.1, text/html; q=0.01\r\n\r\n".encode()
    )
    await writer.drain()
    data = await reader.read()
    writer.close()
    status = int(data.split(b" ", 2)[1]) if data.startswith(b"HTTP/") else 0
    return status, len(data)


async def worker(index: int, deadline: float):
    global errors, total_bytes
    i = index
    while time.monotonic() < deadline:
        path = paths[i % len(paths)]
        i += concurrency
        started = time.monotonic()
        try:
            status, size = await one(path)
        except OSError:
            status, size = 0, 0
        latencies.append(time.monotonic() - started)
        total_bytes += size
        if status != 200:
            errors += 1


async def main():
    deadline = time.monotonic() + seconds
    started = time.monotonic()
    await asyncio.gather(*(worker(i, deadline) for i in range(concurrency)))
    elapsed = time.monotonic() - started
    lat = sorted(latencies)
    pct = lambda q: round(lat[min(len(lat) - 1, int(q * len(lat)))] * 1000, 2) if lat else None
    print(json.dumps({
        "requests": len(lat), "errors": errors, "bytes": total_bytes,
        "rps": round(len(lat) / elapsed, 1), "p50_ms": pct(0.50), "p99_ms": pct(0.99),
    }))


asyncio.run(main())
