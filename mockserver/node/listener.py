"""One HTTPS listener (a node's or the portal's): an aiohttp app served on its own port of 127.0.0.1, which
can be taken down (connections refused, open ones cut) and brought back on the same port.

The TLS context may be given as a function that makes it: then the port listens at once (early clients wait
in its backlog) and the context is made when the first connection arrives, so that the nodes of a product
nobody calls never pay for loading its key pair.
"""

from __future__ import annotations

import asyncio
import socket
import ssl
from collections.abc import Callable

from aiohttp import web

from ravensec.mock.http_limits import HttpLimits, protocol_factory


def bind_socket(port: int, host: str = "127.0.0.1") -> socket.socket:
    """A listening TCP socket; ``port=0`` picks a free one. Listening right away queues early clients."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    try:
        # Coming back up on the same port must not wait for TIME_WAIT of the connections we cut.
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind((host, port))
        sock.listen(128)
        sock.setblocking(False)
    except OSError:
        sock.close()
        raise
    return sock


class Listener:
    def __init__(
        self,
        app: web.Application,
        ssl_context: ssl.SSLContext | Callable[[], ssl.SSLContext],
        *,
        port: int = 0,
        limits: HttpLimits | None = None,
    ) -> None:
        self.app = app
        self._ssl = ssl_context
        self.limits = limits if limits is not None else HttpLimits()
        self.runner = web.AppRunner(
            app, handle_signals=False, access_log=None, shutdown_timeout=0.2, **self.limits.runner_kwargs()
        )
        self.port = port
        self._server: asyncio.Server | None = None
        self._sock: socket.socket | None = None
        self._waiting: asyncio.AbstractEventLoop | None = None  # watching the socket for a first connection
        self._serving: asyncio.Task[None] | None = None  # referenced: the loop keeps only weak ones

    @property
    def ssl_context(self) -> ssl.SSLContext:
        if not isinstance(self._ssl, ssl.SSLContext):
            self._ssl = self._ssl()
        return self._ssl

    @property
    def url(self) -> str:
        return f"https://127.0.0.1:{self.port}"

    @property
    def up(self) -> bool:
        return self._server is not None or self._sock is not None

    async def start(self) -> None:
        await self.runner.setup()
        self.bring_up()
        await asyncio.sleep(0)

    def bring_up(self) -> None:
        """Listen again (synchronously: the port accepts into its backlog at once)."""
        if self.up:
            return
        sock = bind_socket(self.port)
        self.port = sock.getsockname()[1]
        self._sock = sock
        loop = asyncio.get_running_loop()
        if not isinstance(self._ssl, ssl.SSLContext):
            try:
                loop.add_reader(sock.fileno(), self._first_connection, sock)
                self._waiting = loop
                return
            except NotImplementedError:  # a loop that cannot watch sockets (Windows' proactor): make it now
                pass
        self._serving = loop.create_task(self._serve(sock))

    def _first_connection(self, sock: socket.socket) -> None:
        self._stop_waiting()
        if self._sock is sock:
            self._serving = asyncio.get_running_loop().create_task(self._serve(sock))

    def _stop_waiting(self) -> None:
        if self._waiting is not None and self._sock is not None:
            self._waiting.remove_reader(self._sock.fileno())
        self._waiting = None

    async def _serve(self, sock: socket.socket) -> None:
        server = self.runner.server
        assert server is not None
        if self._sock is not sock:
            return
        srv = await asyncio.get_running_loop().create_server(
            protocol_factory(server, self.limits), sock=sock, ssl=self.ssl_context, ssl_handshake_timeout=10
        )
        if self._sock is not sock:  # taken down before we got here
            srv.close()
            return
        self._server = srv

    def take_down(self) -> None:
        """Stop listening (new connections are refused) and cut every open connection."""
        if self._server is not None:
            self._server.close()
            self._server = None
        if self._sock is not None:
            self._stop_waiting()  # before the close: the loop must not watch a file descriptor that is gone
            self._sock.close()
            self._sock = None
        self.abort_connections()

    def abort_connections(self) -> None:
        server = self.runner.server
        for proto in list(server.connections if server is not None else []):
            tr = proto.transport
            if tr is not None:
                tr.abort()

    async def stop(self) -> None:
        self.take_down()
        await self.runner.cleanup()
