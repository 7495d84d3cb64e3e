#!/usr/bin/env python3
"""A minimal MQTT 3.1.1 load client for bench/mqtt.sh (the standard library only, so nothing to install).

  load.py probe    PUB_PORT SUB_PORT TOPIC [user pw]            publish until one message crosses (up to 30 s)
  load.py run      PUB_PORT SUB_PORT TOPIC COUNT RATE [user pw]   RATE 0: as fast as a window of 100 unacked allows

A subscriber on SUB_PORT (QoS 1) and a publisher on PUB_PORT (QoS 1); each payload carries its
send time, so the subscriber computes per-message delivery latency. Prints one line of figures.
"""
import socket, struct, sys, threading, time


def enc_str(s):
    b = s.encode()
    return struct.pack(">H", len(b)) + b


def varint(n):
    out = bytearray()
    while True:
        d, n = n % 128, n // 128
        out.append(d | (0x80 if n else 0))
        if not n:
            return bytes(out)


def packet(first, body):
    return bytes([first]) + varint(len(body)) + body


def read_exact(s, n):
    buf = bytearray()
    while len(buf) < n:
        chunk = s.recv(n - len(buf))
        if not chunk:
            raise EOFError("connection closed")
        buf += chunk
    return bytes(buf)


def read_packet(s):
    first = read_exact(s, 1)[0]
    mult, length = 1, 0
    while True:
        d = read_exact(s, 1)[0]
        length += (d & 0x7F) * mult
        mult *= 128
        if not d & 0x80:
            break
    return first, read_exact(s, length)


def connect(port, cid, user, pw):
    s = socket.create_connection(("127.0.0.1", port))
    s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    flags = 0x02 | (0xC0 if user else 0)
    body = enc_str("MQTT") + bytes([4, flags]) + struct.pack(">H", 60) + enc_str(cid)
    if user:
        body += enc_str(user) + enc_str(pw)
    s.sendall(packet(0x10, body))
    first, b = read_packet(s)
    if first >> 4 != 2 or b[1] != 0:
        raise SystemExit("CONNACK refused on port %d: code %d" % (port, b[1]))
    return s


def subscribe(s, topic):
    s.sendall(packet(0x82, struct.pack(">H", 1) + enc_str(topic) + bytes([1])))
    first, b = read_packet(s)
    if first >> 4 != 9 or b[2] > 1:
        raise SystemExit("SUBACK refused")


class Subscriber(threading.Thread):
    def __init__(self, s, expect):
        super().__init__(daemon=True)
        self.s, self.expect, self.lat, self.last = s, expect, [], None
        self.done = threading.Event()

    def run(self):
        try:
            while len(self.lat) < self.expect:
                first, b = read_packet(self.s)
                if first >> 4 != 3:
                    continue
                tl = struct.unpack(">H", b[:2])[0]
                pos = 2 + tl
                qos = (first >> 1) & 3
                if qos:
                    pid = b[pos:pos + 2]
                    pos += 2
                    self.s.sendall(b"\x40\x02" + pid)
                now = time.perf_counter_ns()
                sent = struct.unpack(">q", b[pos:pos + 8])[0]
                self.lat.append(now - sent)
                self.last = now
        except (EOFError, OSError):
            pass
        self.done.set()


def publish_all(s, topic, count, rate):
    window = threading.Semaphore(100)
    stop = []

    def acks():
        try:
            while len(stop) == 0:
                first, _ = read_packet(s)
                if first >> 4 == 4:
                    window.release()
        except (EOFError, OSError):
            pass

    threading.Thread(target=acks, daemon=True).start()
    t0 = time.perf_counter_ns()
    for i in range(count):
        if rate:
            due = t0 + i * 1_000_000_000 // rate
            while time.perf_counter_ns() < due:
                time.sleep(max(0, (due - time.perf_counter_ns()) / 1e9))
        window.acquire()
        body = enc_str(topic) + struct.pack(">H", i % 65535 + 1) + struct.pack(">q", time.perf_counter_ns()) + b"x" * 56
        s.sendall(packet(0x32, body))
    stop.append(1)
    return t0


def main():
    mode, pub_port, sub_port, topic = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), sys.argv[4]
    rest = sys.argv[5:]
    if mode == "probe":
        user, pw = (rest + [None, None])[:2]
        sub = connect(sub_port, "probe-sub", user, pw)
        subscribe(sub, topic)
        r = Subscriber(sub, 1)
        r.start()
        pub = connect(pub_port, "probe-pub", user, pw)
        deadline = time.time() + 30
        while not r.done.is_set() and time.time() < deadline:
            publish_all(pub, topic, 1, 0)
            r.done.wait(0.5)
        sys.exit(0 if r.lat else 1)
    count, rate = int(rest[0]), int(rest[1])
    user, pw = (rest[2:] + [None, None])[:2]
    sub = connect(sub_port, "bench-sub-%d" % time.time_ns(), user, pw)
    subscribe(sub, topic)
    r = Subscriber(sub, count)
    r.start()
    pub = connect(pub_port, "bench-pub-%d" % time.time_ns(), user, pw)
    t0 = publish_all(pub, topic, count, rate)
    r.done.wait(120)
    n = len(r.lat)
    if n == 0:
        print("no message arrived")
        return
    lat = sorted(r.lat)
    secs = (r.last - t0) / 1e9
    pct = lambda p: lat[min(n - 1, int(p * n))] / 1e6
    print("%6d/%d delivered  %8.0f msg/s  latency p50 %7.2f ms  p99 %7.2f ms  max %7.2f ms"
          % (n, count, n / secs, pct(0.50), pct(0.99), lat[-1] / 1e6))


main()
