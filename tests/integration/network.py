"""Real network peers for integration tests: an SMTP sink (aiosmtpd), mail servers that refuse
or hang, a server that accepts and never answers (as a frozen Redis looks), and a TCP proxy whose
connections can be cut and restored, to take the broker or the database away from running
processes."""

import logging
import socket
import threading
import time
from collections.abc import Callable
from email import message_from_bytes
from email.message import Message

from aiosmtpd.controller import Controller


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class _Collector:
    def __init__(self):
        self.lock = threading.Lock()
        self.messages: list[Message] = []
        self.on_accept: Callable[[int], None] | None = None

    async def handle_DATA(self, server, session, envelope):
        with self.lock:
            self.messages.append(message_from_bytes(envelope.content))
            count = len(self.messages)
        if self.on_accept:
            self.on_accept(count)  # before the sender hears the 250: the message is delivered, not yet acknowledged
        return "250 Message accepted for delivery"


class _Refuser:
    """A mail server that is there but turns every recipient away for now."""

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        return "451 4.3.0 Try again later"


class SmtpSink:
    """An SMTP server on loopback that keeps every message it accepts (on `port` if given, as a
    server coming back where the senders expect it); `refusing=True` answers every recipient
    with a temporary refusal (451) instead."""

    def __init__(self, port: int | None = None, *, refusing: bool = False):
        logging.getLogger("mail.log").setLevel(logging.WARNING)  # aiosmtpd logs every command
        self._collector = _Collector()
        self.port = port or free_port()
        handler = _Refuser() if refusing else self._collector
        self._controller = Controller(handler, hostname="127.0.0.1", port=self.port)

    def start(self) -> "SmtpSink":
        self._controller.start()
        return self

    def stop(self) -> None:
        self._controller.stop()

    def when_accepting(self, callback: Callable[[int], None]) -> None:
        """Call `callback(n)` as the n-th message is accepted, before the sender hears so."""
        self._collector.on_accept = callback

    @property
    def messages(self) -> list[Message]:
        with self._collector.lock:
            return list(self._collector.messages)


class ClosedPort:
    """A port on loopback that is held but never listened on: connections to it are refused, and
    no other server (another test run's) can take it before ours comes back on it."""

    def __init__(self):
        self._socket = socket.socket()
        self._socket.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self._socket.bind(("127.0.0.1", 0))
        self.port = self._socket.getsockname()[1]

    def stop(self) -> None:
        self._socket.close()


class HungServer:
    """Accepts connections on loopback and never says a word: a mail server that hangs."""

    def __init__(self):
        self._listener = socket.socket()
        self._listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self._listener.bind(("127.0.0.1", 0))
        self.port = self._listener.getsockname()[1]
        self._accepted: list[socket.socket] = []

    def start(self) -> "HungServer":
        self._listener.listen(64)
        threading.Thread(target=self._accept, daemon=True).start()
        return self

    def _accept(self) -> None:
        while True:
            try:
                client, _ = self._listener.accept()
            except OSError:
                return  # stopped
            self._accepted.append(client)

    def stop(self) -> None:
        # shutdown() wakes the thread blocked in accept(); close() alone would leave the port bound.
        try:
            self._listener.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass
        self._listener.close()
        for client in self._accepted:
            client.close()


class CuttableProxy:
    """Forwards 127.0.0.1:port to a target. `cut()` closes every connection and stops accepting,
    as an outage of the broker or the database looks to its clients; `restore()` listens again on
    the same port."""

    def __init__(self, target_host: str, target_port: int):
        self.target = (target_host, target_port)
        self.port = free_port()
        self._lock = threading.Lock()
        self._sockets: set[socket.socket] = set()
        self._listener: socket.socket | None = None

    def restore(self) -> None:
        listener = socket.socket()
        listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        listener.bind(("127.0.0.1", self.port))
        listener.listen(64)
        self._listener = listener
        threading.Thread(target=self._accept, args=(listener,), daemon=True).start()

    def cut(self) -> None:
        listener, self._listener = self._listener, None
        if listener:
            # Closing alone does not stop a listener that a thread is blocked accepting on (Linux
            # keeps it open for the call); shutting it down wakes the call and refuses new clients.
            try:
                listener.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
            listener.close()
        with self._lock:
            sockets, self._sockets = self._sockets, set()
        for sock in sockets:
            try:
                sock.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
            sock.close()

    def _accept(self, listener: socket.socket) -> None:
        while True:
            try:
                client, _ = listener.accept()
            except OSError:
                return  # cut
            try:
                upstream = socket.create_connection(self.target, timeout=5)
            except OSError:
                client.close()
                continue
            upstream.settimeout(None)
            with self._lock:
                self._sockets |= {client, upstream}
            threading.Thread(target=self._pipe, args=(client, upstream), daemon=True).start()
            threading.Thread(target=self._pipe, args=(upstream, client), daemon=True).start()

    def _pipe(self, source: socket.socket, target: socket.socket) -> None:
        try:
            while data := source.recv(65536):
                target.sendall(data)
        except OSError:
            pass
        finally:
            for sock in (source, target):
                try:
                    sock.shutdown(socket.SHUT_RDWR)
                except OSError:
                    pass


class SilentServer:
    """Accepts connections on loopback, reads what it is sent and never answers: a Redis that has
    frozen (SIGSTOP, a stalled disk, a network that drops replies) as its clients see it. Each
    connection is closed after `hold` seconds, so a client without a timeout of its own fails then
    instead of waiting for ever."""

    def __init__(self, *, hold: float = 5.0):
        self.hold = hold
        self._listener = socket.create_server(("127.0.0.1", 0))
        self.port = self._listener.getsockname()[1]
        self._stopped = threading.Event()
        threading.Thread(target=self._accept, daemon=True).start()

    def stop(self) -> None:
        self._stopped.set()
        self._listener.close()

    def _accept(self) -> None:
        while True:
            try:
                connection, _ = self._listener.accept()
            except OSError:
                return  # stopped
            threading.Thread(target=self._ignore, args=(connection,), daemon=True).start()

    def _ignore(self, connection: socket.socket) -> None:
        connection.settimeout(0.1)
        deadline = time.monotonic() + self.hold
        with connection:
            while time.monotonic() < deadline and not self._stopped.is_set():
                try:
                    if not connection.recv(65536):
                        return
                except TimeoutError:
                    continue
                except OSError:
                    return
