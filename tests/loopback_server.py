"""A real HTTP(S) server on 127.0.0.1 for a test's ``with`` block: started in a thread, shut down after."""

from __future__ import annotations

import http.server
import threading


class LoopbackServer:
    """Serves ``handler`` (a BaseHTTPRequestHandler class) on a free port of 127.0.0.1, over
    TLS when given a server-side ``tls_context``."""

    def __init__(self, handler, tls_context=None):
        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
        if tls_context is not None:
            self.server.socket = tls_context.wrap_socket(self.server.socket, server_side=True)
        self.port = self.server.server_address[1]
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.server.shutdown()
        self.server.server_close()
        self.thread.join(timeout=5)
