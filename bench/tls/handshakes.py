#!/usr/bin/env python3
"""Full TLS handshakes per second against HOST:PORT with SNI NAME: CLIENTS processes, each
connecting, completing a fresh handshake (no session reuse) and closing, for SECONDS.
Prints the sum of handshakes per second and the failures.
usage: handshakes.py PORT NAME CAFILE SECONDS CLIENTS"""
import multiprocessing
import socket
import ssl
import sys
import time


def client(port, name, cafile, seconds, out):
    ctx = ssl.create_default_context(cafile=cafile)
    ok = failed = 0
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=5) as raw:
                with ctx.wrap_socket(raw, server_hostname=name):
                    ok += 1
        except (OSError, ssl.SSLError):
            failed += 1
    out.put((ok, failed))


def main():
    port, name, cafile, seconds, clients = (int(sys.argv[1]), sys.argv[2], sys.argv[3], float(sys.argv[4]),
                                            int(sys.argv[5]))
    out = multiprocessing.Queue()
    procs = [multiprocessing.Process(target=client, args=(port, name, cafile, seconds, out)) for _ in range(clients)]
    for p in procs:
        p.start()
    results = [out.get() for _ in procs]
    for p in procs:
        p.join()
    ok = sum(r[0] for r in results)
    failed = sum(r[1] for r in results)
    print("%.0f handshakes/s (%d in %.0f s, %d failed)" % (ok / seconds, ok, seconds, failed))


if __name__ == "__main__":
    main()
