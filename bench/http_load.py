"""The load generator of ``bench.http``: several client processes (so the client is not
bound by one GIL), each with one connection at a time, firing GET requests back to
back at one server for a fixed time.

The client is a few lines over a raw socket rather than ``http.client``, so that it
takes as little of the machine's two cores from the server as it can: it sends
HTTP/1.1 requests, reads the headers and ``Content-Length`` bytes, and reconnects
when the server closes the connection (gunicorn's sync workers close after every
response; threaded or async workers keep it alive). Each request's latency is
taken from the first byte sent to the last byte read, queueing in the server
included. The same client, with the same concurrency, measures every page and the
hello-world baseline: the ratio between them is the figure that counts.
"""
from __future__ import annotations

import multiprocessing
import socket
import time
from dataclasses import dataclass


@dataclass
class Result:
    requests: int  # completed within the measured window
    seconds: float
    latencies_ms: list[float]
    statuses: dict[int, int]

    @property
    def rps(self) -> float:
        return self.requests / self.seconds if self.seconds else 0.0

    def percentile(self, p: float) -> float:
        if not self.latencies_ms:
            return 0.0
        ordered = sorted(self.latencies_ms)
        return ordered[min(len(ordered) - 1, int(round(p / 100 * (len(ordered) - 1))))]


class Connection:
    """One keep-alive-when-possible HTTP/1.1 connection to ``host:port``."""

    def __init__(self, host: str, port: int):
        self.address = (host, port)
        self.sock: socket.socket | None = None
        self.buffer = b""

    def _connect(self) -> None:
        self.sock = socket.create_connection(self.address)
        self.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self.buffer = b""

    def close(self) -> None:
        if self.sock is not None:
            self.sock.close()
            self.sock = None

    def _read_more(self) -> None:
        chunk = self.sock.recv(262144)
        if not chunk:
            raise ConnectionError("closed by the server")
        self.buffer += chunk

    def get(self, path: str, host_header: str) -> tuple[int, int]:
        """GET ``path``; return (status, body length)."""
        for attempt in (1, 2):  # a kept-alive connection may have been closed meanwhile
            if self.sock is None:
                self._connect()
            try:
                self.sock.sendall(f"GET {path} HTTP/1.1\r\nHost: {host_header}\r\n"
                                  f"Accept: text/html\r\nUser-Agent: bench.http\r\n\r\n"
                                  .encode("latin-1"))
                while b"\r\n\r\n" not in self.buffer:
                    self._read_more()
            except (ConnectionError, OSError):
                self.close()
                if attempt == 2:
                    raise
                continue
            break
        head, _, self.buffer = self.buffer.partition(b"\r\n\r\n")
        lines = head.split(b"\r\n")
        status = int(lines[0].split(b" ", 2)[1])
        length, close = 0, False
        for line in lines[1:]:
            name, _, value = line.partition(b":")
            name = name.strip().lower()
            if name == b"content-length":
                length = int(value)
            elif name == b"connection" and value.strip().lower() == b"close":
                close = True
        while len(self.buffer) < length:
            self._read_more()
        self.buffer = self.buffer[length:]
        if close:
            self.close()
        return status, length


def _client(args) -> tuple[int, list[float], dict[int, int], float]:
    host, port, paths, offset, warmup_until, stop_at = args
    conn = Connection(host, port)
    host_header = f"{host}:{port}"
    latencies: list[float] = []
    statuses: dict[int, int] = {}
    i = offset
    count = 0
    clock = time.perf_counter
    # perf_counter is per process: the deadlines come as wall-clock times.
    wall_to_perf = clock() - time.time()
    warm, stop = warmup_until + wall_to_perf, stop_at + wall_to_perf
    last = clock()
    while True:
        started = clock()
        if started >= stop:
            break
        status, _length = conn.get(paths[i % len(paths)], host_header)
        i += 1
        last = clock()
        if started >= warm and last <= stop:
            count += 1
            latencies.append((last - started) * 1000)
            statuses[status] = statuses.get(status, 0) + 1
    conn.close()
    return count, latencies, statuses, last


def run(host: str, port: int, paths: list[str], *, clients: int, seconds: float,
        warmup: float) -> Result:
    """Fire ``paths`` (round robin, each client from its own offset) at the server for
    ``warmup`` + ``seconds``; count what completed within the last ``seconds``."""
    start = time.time() + 0.3  # the processes' start-up is not measured
    warm_until, stop_at = start + warmup, start + warmup + seconds
    jobs = [(host, port, paths, (n * len(paths)) // clients, warm_until, stop_at)
            for n in range(clients)]
    ctx = multiprocessing.get_context("fork")
    with ctx.Pool(clients) as pool:
        outcomes = pool.map(_client, jobs)
    latencies: list[float] = []
    statuses: dict[int, int] = {}
    total = 0
    for count, lat, stats, _last in outcomes:
        total += count
        latencies += lat
        for status, n in stats.items():
            statuses[status] = statuses.get(status, 0) + n
    return Result(requests=total, seconds=seconds, latencies_ms=latencies, statuses=statuses)
