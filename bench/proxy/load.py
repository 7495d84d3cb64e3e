#!/usr/bin/env python3
"""Latency and concurrency through a TCP port, printed, never asserted.

  load.py latency PORT N          1-byte round trips on one connection: p50/p99 in microseconds
  load.py latency-pair DIRECT RULES N
                                  the same on two connections at once, one round trip on each in
                                  turn, so both see the same load on a busy machine; p50/p99 of each
                                  and the rules' added latency (rules minus direct, per quantile)
  load.py concurrent PORT C SECS  C connections each sending 64 bytes and awaiting the echo in a
                                  loop for SECS seconds: round trips, errors, connections lost
  load.py echo-server PORT        a TCP echo server on 127.0.0.1:PORT (the service behind the rule)
"""
import asyncio
import socket
import sys
import time


def latency(port, n):
    s = socket.create_connection(("127.0.0.1", port))
    s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    rtts = []
    for i in range(n + 50):
        t = time.perf_counter_ns()
        s.sendall(b"x")
        if s.recv(1) != b"x":
            raise SystemExit("echo returned something else")
        if i >= 50:  # warm-up
            rtts.append((time.perf_counter_ns() - t) / 1000)
    s.close()
    rtts.sort()
    print(f"1-byte round trip over {n}: p50 {rtts[len(rtts) // 2]:.0f} us, p99 {rtts[int(len(rtts) * 0.99)]:.0f} us")


def latency_pair(direct, rules, n):
    socks = []
    for port in (direct, rules):
        s = socket.create_connection(("127.0.0.1", port))
        s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        socks.append(s)
    rtts = ([], [])
    for i in range(n + 200):
        for k, s in enumerate(socks):
            t = time.perf_counter_ns()
            s.sendall(b"x")
            if s.recv(1) != b"x":
                raise SystemExit("echo returned something else")
            if i >= 200:  # warm-up
                rtts[k].append((time.perf_counter_ns() - t) / 1000)
    for s in socks:
        s.close()
    q = []
    for r in rtts:
        r.sort()
        q.append((r[len(r) // 2], r[int(len(r) * 0.99)]))
    print(f"  direct:  1-byte round trip over {n}: p50 {q[0][0]:.0f} us, p99 {q[0][1]:.0f} us")
    print(f"  rules:   1-byte round trip over {n}: p50 {q[1][0]:.0f} us, p99 {q[1][1]:.0f} us "
          f"(added: p50 {q[1][0] - q[0][0]:.0f} us, p99 {q[1][1] - q[0][1]:.0f} us)")


async def client(port, secs, stats):
    try:
        r, w = await asyncio.open_connection("127.0.0.1", port)
    except OSError:
        stats["connect_errors"] += 1
        return
    stats["connected"] += 1
    payload = b"y" * 64
    end = time.monotonic() + secs
    try:
        while time.monotonic() < end:
            w.write(payload)
            await w.drain()
            got = await asyncio.wait_for(r.readexactly(64), 30)
            if got != payload:
                stats["corrupt"] += 1
            stats["round_trips"] += 1
            await asyncio.sleep(0.05)
    except (OSError, asyncio.IncompleteReadError, asyncio.TimeoutError):
        stats["lost"] += 1
    finally:
        w.close()


async def concurrent(port, c, secs):
    stats = {"connected": 0, "connect_errors": 0, "round_trips": 0, "lost": 0, "corrupt": 0}
    await asyncio.gather(*(client(port, secs, stats) for _ in range(c)))
    print(f"{c} concurrent connections for {secs} s: {stats['connected']} connected, "
          f"{stats['connect_errors']} connect errors, {stats['lost']} lost, {stats['corrupt']} corrupt, "
          f"{stats['round_trips']} round trips")


async def echo_server(port):
    async def handle(r, w):
        try:
            while data := await r.read(65536):
                w.write(data)
                await w.drain()
        except OSError:
            pass
        finally:
            w.close()
    server = await asyncio.start_server(handle, "127.0.0.1", port, backlog=2048)
    async with server:
        await server.serve_forever()


if __name__ == "__main__":
    mode, port = sys.argv[1], int(sys.argv[2])
    if mode == "latency":
        latency(port, int(sys.argv[3]))
    elif mode == "latency-pair":
        latency_pair(port, int(sys.argv[3]), int(sys.argv[4]))
    elif mode == "concurrent":
        asyncio.run(concurrent(port, int(sys.argv[3]), int(sys.argv[4])))
    else:
        asyncio.run(echo_server(port))
