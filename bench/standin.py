"""A Mastodon stand-in for bench/publish.py that costs almost no CPU: one asyncio process,
hand-parsed HTTP/1.1 with keep-alive, no framework, no database. It answers the calls the
publishing worker makes, in Mastodon's documented shapes, after the set latency:

- ``POST /api/v1/statuses`` with ``Authorization: Bearer <token>`` and ``Idempotency-Key``:
  the status JSON (``id``, ``url``, ``uri``, ``created_at``, ``content``, ``visibility``,
  ``account``). The same key from the same account gets the status it already made
  (Mastodon keeps keys per user for an hour), so a re-send never posts twice here either.
  An unknown token gets 401 ``{"error": "The access token is invalid"}``; no ``status``
  text gets 422 ``{"error": "Validation failed: Text can't be blank"}``.
- ``GET /api/v1/statuses/:id``: that status, or 404 ``{"error": "Record not found"}``.
- ``GET /api/v1/accounts/verify_credentials``: the token's account.
- ``GET /api/v2/instance``: a stock instance's limits (500 characters, 4 media).

And, for the bench only (no latency): ``GET /_bench/stats`` (requests served, statuses
made, process CPU seconds) and ``GET /_bench/statuses?prefix=...`` (how many statuses were
made per text starting with the prefix: duplicates show as counts above 1).

Tokens: one per line in the file given by ``--tokens``; account i is the i-th line.

    .venv/bin/python bench/standin.py --serve --port 8123 --latency-ms 50 --tokens /tmp/tokens.txt
    .venv/bin/python bench/standin.py             # self-test: what one request costs it (CPU)
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import itertools
import json
import os
import resource
import sys
from urllib.parse import parse_qs, unquote, urlsplit

REASONS = {200: "OK", 401: "Unauthorized", 404: "Not Found", 405: "Method Not Allowed", 422: "Unprocessable Entity"}
MAX_BODY = 1 << 20


def process_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


class Network:
    """The stand-in's state: accounts by token, statuses by id, keys per account."""

    def __init__(self, tokens: list[str], latency: float, base: str):
        self.accounts = {
            token: {"id": str(i + 1), "username": f"bench{i}", "acct": f"bench{i}", "url": f"{base}/@bench{i}"}
            for i, token in enumerate(tokens)
        }
        self.latency, self.base = latency, base
        self.statuses: dict[str, dict] = {}
        self.keys: dict[tuple[str, str], dict] = {}
        self.per_text: dict[str, int] = {}
        self.ids = itertools.count(110_000_000_000_000_000)
        self.requests = 0

    async def handle(self, method: str, target: str, headers: dict[str, str], body: bytes) -> tuple[int, object]:
        path, _, query = target.partition("?")
        if path.startswith("/_bench/"):
            return self.bench(path, query)
        self.requests += 1
        if self.latency:
            await asyncio.sleep(self.latency)
        if path == "/api/v2/instance":
            return 200, {
                "domain": urlsplit(self.base).netloc,
                "configuration": {
                    "statuses": {"max_characters": 500, "max_media_attachments": 4, "characters_reserved_per_url": 23}
                },
            }
        auth = headers.get("authorization", "")
        account = self.accounts.get(auth[7:]) if auth.startswith("Bearer ") else None
        if account is None:
            return 401, {"error": "The access token is invalid"}
        if path == "/api/v1/statuses":
            if method != "POST":
                return 405, {"error": "Method not allowed"}
            return self.post_status(account, headers.get("idempotency-key", ""), body)
        if path.startswith("/api/v1/statuses/") and method == "GET":
            status = self.statuses.get(path.rsplit("/", 1)[1])
            return (200, status) if status else (404, {"error": "Record not found"})
        if path == "/api/v1/accounts/verify_credentials":
            return 200, account
        return 404, {"error": "Record not found"}

    def post_status(self, account: dict, key: str, body: bytes) -> tuple[int, object]:
        if key and (account["id"], key) in self.keys:
            return 200, self.keys[(account["id"], key)]
        try:
            payload = json.loads(body or b"{}")
        except ValueError:
            payload = None
        text = payload.get("status") if isinstance(payload, dict) else None
        if not isinstance(text, str) or not text.strip():
            return 422, {"error": "Validation failed: Text can't be blank"}
        sid = str(next(self.ids))
        status = {
            "id": sid,
            "uri": f"{self.base}/users/{account['username']}/statuses/{sid}",
            "url": f"{self.base}/@{account['username']}/{sid}",
            "created_at": dt.datetime.now(dt.UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z"),
            "content": f"<p>{text}</p>",
            "visibility": payload.get("visibility", "public"),
            "in_reply_to_id": payload.get("in_reply_to_id"),
            "media_attachments": [],
            "account": account,
        }
        self.statuses[sid] = status
        self.per_text[text] = self.per_text.get(text, 0) + 1
        if key:
            self.keys[(account["id"], key)] = status
        return 200, status

    def bench(self, path: str, query: str) -> tuple[int, object]:
        if path == "/_bench/stats":
            return 200, {"requests": self.requests, "statuses": len(self.statuses), "cpu_s": process_cpu()}
        if path == "/_bench/statuses":
            prefix = unquote(parse_qs(query).get("prefix", [""])[0])
            return 200, {text: n for text, n in self.per_text.items() if text.startswith(prefix)}
        return 404, {"error": "Record not found"}


async def serve_connection(network: Network, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
    try:
        while True:
            try:
                head = await reader.readuntil(b"\r\n\r\n")
            except (asyncio.IncompleteReadError, asyncio.LimitOverrunError, ConnectionError):
                return
            lines = head.decode("latin-1").split("\r\n")
            try:
                method, target, version = lines[0].split(" ", 2)
            except ValueError:
                return
            headers = {}
            for line in lines[1:]:
                name, sep, value = line.partition(":")
                if sep:
                    headers[name.strip().lower()] = value.strip()
            length = int(headers.get("content-length") or 0)
            if length > MAX_BODY or "chunked" in headers.get("transfer-encoding", "").lower():
                return  # the worker sends JSON with a Content-Length; anything else is not ours
            body = await reader.readexactly(length) if length else b""
            status, payload = await network.handle(method, target, headers, body)
            data = json.dumps(payload).encode()
            close = headers.get("connection", "").lower() == "close" or version == "HTTP/1.0"
            writer.write(
                (
                    f"HTTP/1.1 {status} {REASONS.get(status, 'Error')}\r\n"
                    "Content-Type: application/json; charset=utf-8\r\n"
                    f"Content-Length: {len(data)}\r\n"
                    f"Connection: {'close' if close else 'keep-alive'}\r\n\r\n"
                ).encode()
                + data
            )
            await writer.drain()
            if close:
                return
    except (ConnectionError, asyncio.IncompleteReadError):
        return
    finally:
        writer.close()


async def run(host: str, port: int, network: Network, ready=None) -> None:
    server = await asyncio.start_server(lambda r, w: serve_connection(network, r, w), host, port, backlog=1024)
    if ready is not None:
        ready.set_result(server)
    async with server:
        await server.serve_forever()


def selftest(requests_count: int, connections: int) -> dict:
    """Serve ``requests_count`` status posts from ``connections`` keep-alive clients (the
    clients in another process), no latency; the server's own CPU per request."""
    import subprocess
    import tempfile

    tokens = [f"token{i}" for i in range(connections)]
    with tempfile.NamedTemporaryFile("w", suffix=".txt", delete=False) as handle:
        handle.write("\n".join(tokens))
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    server = subprocess.Popen(
        [sys.executable, __file__, "--serve", "--port", str(port), "--latency-ms", "0", "--tokens", handle.name]
    )
    try:
        import time

        import requests

        base = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + 20
        while True:
            try:
                requests.get(f"{base}/_bench/stats", timeout=1)
                break
            except requests.RequestException:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.1)
        from concurrent.futures import ThreadPoolExecutor

        before = requests.get(f"{base}/_bench/stats", timeout=5).json()
        per_client = requests_count // connections

        def client(i: int) -> None:
            session = requests.Session()
            for n in range(per_client):
                session.post(
                    f"{base}/api/v1/statuses",
                    json={"status": f"selftest {i} {n}", "visibility": "public"},
                    headers={"Authorization": f"Bearer {tokens[i]}", "Idempotency-Key": f"{i}-{n}"},
                    timeout=10,
                )

        started = time.monotonic()
        with ThreadPoolExecutor(connections) as pool:
            list(pool.map(client, range(connections)))
        wall = time.monotonic() - started
        after = requests.get(f"{base}/_bench/stats", timeout=5).json()
        served = after["requests"] - before["requests"]
        return {
            "requests": served,
            "connections": connections,
            "wall_s": round(wall, 2),
            "server_cpu_s": round(after["cpu_s"] - before["cpu_s"], 3),
            "server_cpu_ms_per_request": round((after["cpu_s"] - before["cpu_s"]) * 1000 / max(1, served), 3),
        }
    finally:
        server.terminate()
        server.wait(timeout=10)
        os.unlink(handle.name)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8123)
    parser.add_argument("--latency-ms", type=float, default=50)
    parser.add_argument("--tokens", help="file with one access token per line")
    parser.add_argument("--serve", action="store_true", help="serve until stopped (else: the self-test)")
    parser.add_argument("--requests", type=int, default=4000)
    parser.add_argument("--connections", type=int, default=16)
    args = parser.parse_args()
    if not args.serve:
        print(json.dumps(selftest(args.requests, args.connections), indent=2))
        return
    tokens = []
    if args.tokens:
        with open(args.tokens) as handle:
            tokens = [line.strip() for line in handle if line.strip()]
    network = Network(tokens, args.latency_ms / 1000, f"http://{args.host}:{args.port}")
    asyncio.run(run(args.host, args.port, network))


if __name__ == "__main__":
    main()
