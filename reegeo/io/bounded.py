"""Reading a file within a wall-clock limit: the reader runs in a child process that is killed when time is up.

A parser can loop for a long time on a small hostile file (a GeoPackage
view, a pathological KML), and a thread cannot be stopped, so the read runs in
a process of its own. It is forked from this one when this process runs a
single thread (the CLI: fast, nothing to import again). A threaded process
(the app's server) is not forked, since a fork can copy a lock another thread
holds and deadlock the child: its reads go to a reader host, one fresh
``python -m reegeo.io._reader_host`` process started on first use, single-threaded,
which forks one child per read. The result, or the reader's
:class:`~reegeo.errors.ReegeoError`, comes back pickled; anything else the
child raises is a bug and is raised here as one, with the child's traceback.
"""

from __future__ import annotations

import multiprocessing
import os
import pickle
import signal
import socket
import struct
import subprocess
import sys
import tempfile
import threading
import time
import traceback
from collections.abc import Callable
from typing import Any, TypeVar

from reegeo.errors import ReegeoError, UploadError
from reegeo.messages import Catalog, located

__all__ = ["call_within", "serve_reader_host"]

_M = Catalog("io.bounded", {
    "too_slow": {
        "en": "reading the file took longer than {seconds:g} s, the limit, and was stopped. "
              "The file may be malformed or built to be slow (a GeoPackage view, deeply nested KML); "
              "export the data again as a plain GeoPackage, Shapefile or CSV, or raise the limit ({argument}).",
        "ms": "membaca fail ini mengambil masa lebih daripada {seconds:g} s, iaitu hadnya, lalu dihentikan. "
              "Fail ini mungkin rosak atau dibina supaya lambat (paparan GeoPackage, KML yang bersarang dalam); "
              "eksport data semula sebagai GeoPackage biasa, Shapefile atau CSV, atau naikkan had ({argument}).",
    },
    "reader_killed": {
        "en": "the reader was stopped by the system (signal {signal}), most likely for lack of memory. "
              "Upload a smaller extract (only the area of interest), or ask the server's administrator for more memory.",
        "ms": "pembaca dihentikan oleh sistem (isyarat {signal}), kemungkinan besar kerana kekurangan memori. "
              "Muat naik petikan yang lebih kecil (kawasan yang diperlukan sahaja), atau minta pentadbir pelayan menambah memori.",
    },
})

T = TypeVar("T")

_HOST_START_S = 120  # the host imports the readers and reads two tiny files before it listens


def call_within(seconds: float | None, name: str, func: Callable[..., T], /, *args: Any, **kwargs: Any) -> T:
    """``func(*args, **kwargs)`` in a child process, stopped after ``seconds`` (None: here, unbounded).

    ``func`` and its arguments must pickle (a module-level function, bytes).

    Raises
    ------
    UploadError
        The time ran out (the message names the file ``name`` and the
        limit), or the child was killed without an answer (out of memory).
    ReegeoError
        Whatever ``func`` raised for the user to see.
    """
    if seconds is None or multiprocessing.current_process().daemon or _IN_HOST_CHILD.is_set():  # unbounded, or already bounded
        return func(*args, **kwargs)
    if threading.active_count() == 1:
        status, value = _forked(seconds, name, func, args, kwargs)
    else:
        status, value = _HOST.call(seconds, name, func, args, kwargs)
    if status == "bug":
        raise RuntimeError(f"the reader failed in its child process:\n{value}")
    if status == "error":
        raise value
    return value


def _too_slow(name: str, seconds: float) -> UploadError:
    return UploadError(located(name, _M("too_slow", seconds=seconds)), argument="max_read_s")


def _killed(name: str, signal_number: object) -> UploadError:
    return UploadError(located(name, _M("reader_killed", signal=signal_number)))


def _forked(seconds: float, name: str, func: Callable[..., Any], args: tuple, kwargs: dict) -> tuple[str, Any]:
    context = multiprocessing.get_context("fork")
    receiver, sender = context.Pipe(duplex=False)
    child = context.Process(target=_forked_child, args=(sender, receiver, seconds, func, args, kwargs), daemon=True)
    child.start()
    sender.close()
    try:
        if not receiver.poll(seconds):
            raise _too_slow(name, seconds)
        try:
            return pickle.loads(receiver.recv_bytes())
        except EOFError:  # the child ended without answering
            child.join(5)
            if child.exitcode is not None and child.exitcode < 0:
                raise _killed(name, -child.exitcode) from None
            raise RuntimeError(f"the reader's child process ended without an answer (exit code {child.exitcode})") from None
    finally:
        if child.is_alive():
            child.kill()
        child.join()
        receiver.close()


def _forked_child(sender, inherited, seconds: float, func: Callable[..., Any], args: tuple, kwargs: dict) -> None:  # noqa: ANN001 - Connections
    inherited.close()  # the parent's end: closed here, so a gone parent is noticed
    _leave_when_orphaned_or_late(seconds)
    sender.send_bytes(_answer(func, args, kwargs))
    sender.close()


def _answer(func: Callable[..., Any], args: tuple, kwargs: dict) -> bytes:
    """The pickled ``("ok", result)``, ``("error", ReegeoError)`` or ``("bug", traceback)`` of one call."""
    try:
        answer: tuple[str, Any] = ("ok", func(*args, **kwargs))
    except ReegeoError as error:
        # The parser's exception behind it stays here: third-party exceptions do not all survive pickling.
        error.__cause__ = error.__context__ = error.__traceback__ = None
        answer = ("error", error)
    except BaseException:  # noqa: BLE001 - sent to the parent, which raises it as a bug
        answer = ("bug", traceback.format_exc())
    try:
        return pickle.dumps(answer, protocol=pickle.HIGHEST_PROTOCOL)
    except Exception:  # noqa: BLE001 - an answer that cannot travel is a bug, said as one
        return pickle.dumps(("bug", traceback.format_exc()))


def _leave_when_orphaned_or_late(seconds: float) -> None:
    """End this child when its parent is gone or its time is well past (the parent stops waiting at ``seconds``)."""
    parent, deadline = os.getppid(), time.monotonic() + seconds + 10

    def watch() -> None:
        while os.getppid() == parent and time.monotonic() < deadline:
            time.sleep(0.5)
        os._exit(3)

    threading.Thread(target=watch, name="reegeo-read-watchdog", daemon=True).start()


# ---------------------------------------------------------------- the reader host (threaded processes)

def _send(sock: socket.socket, data: bytes) -> None:
    sock.sendall(struct.pack("!Q", len(data)) + data)


def _receive(sock: socket.socket) -> bytes:
    (size,) = struct.unpack("!Q", _exactly(sock, 8))
    return _exactly(sock, size)


def _exactly(sock: socket.socket, size: int) -> bytes:
    chunks, left = [], size
    while left:
        chunk = sock.recv(min(left, 1 << 20))
        if not chunk:
            raise EOFError("the reader's child closed the connection")
        chunks.append(chunk)
        left -= len(chunk)
    return b"".join(chunks)


class _ReaderHost:
    """The reader host of this process: started on first use, started again if it has gone.

    One per process on purpose (a process-wide resource like a cache, not
    per-user state); a lock guards its start.
    """

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._process: subprocess.Popen | None = None
        self._address = ""

    def call(self, seconds: float, name: str, func: Callable[..., Any], args: tuple, kwargs: dict) -> tuple[str, Any]:
        request = pickle.dumps((seconds, func, args, kwargs), protocol=pickle.HIGHEST_PROTOCOL)
        with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as sock:
            sock.settimeout(_HOST_START_S)
            sock.connect(self._ready())
            _send(sock, request)
            deadline, pid = time.monotonic() + seconds, 0
            try:
                sock.settimeout(max(deadline - time.monotonic(), 0.001))
                (pid,) = struct.unpack("!q", _exactly(sock, 8))
                sock.settimeout(max(deadline - time.monotonic(), 0.001))
                return pickle.loads(_receive(sock))
            except TimeoutError:
                if pid:
                    _kill(pid)
                raise _too_slow(name, seconds) from None
            except EOFError:
                raise _killed(name, "KILL") from None

    def _ready(self) -> str:
        with self._lock:
            if self._process is None or self._process.poll() is not None:
                folder = tempfile.mkdtemp(prefix="reegeo-reader-")  # 0700: only this user can connect
                self._address = os.path.join(folder, "host.sock")
                self._process = subprocess.Popen(
                    [sys.executable, "-m", "reegeo.io._reader_host", self._address, str(os.getpid())],
                    stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=None,
                )
                assert self._process.stdout is not None
                if self._process.stdout.readline().strip() != b"ready":
                    raise RuntimeError("the reader host did not start (see the server's log)")
            return self._address


def _kill(pid: int) -> None:
    try:
        os.kill(pid, signal.SIGKILL)
    except ProcessLookupError:
        pass


_HOST = _ReaderHost()
_IN_HOST_CHILD = threading.Event()  # set in the host's children: their reads are bounded already


def _reap_children() -> None:
    try:
        while os.waitpid(-1, os.WNOHANG)[0]:
            pass
    except ChildProcessError:  # none left
        pass


def serve_reader_host(address: str, parent: int) -> None:
    """The host: warm the readers, listen, and fork one child per read until the parent process is gone."""
    import reegeo.io._warm_reader  # noqa: F401 - the readers' first-use work, done once before any fork

    listener = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    listener.bind(address)
    listener.listen(64)
    listener.settimeout(1.0)
    sys.stdout.write("ready\n")
    sys.stdout.flush()
    while os.getppid() == parent:
        _reap_children()  # waited for, so their CPU time counts as the host's
        try:
            conn, _ = listener.accept()
        except TimeoutError:
            continue
        if os.fork() == 0:
            listener.close()
            _IN_HOST_CHILD.set()
            conn.settimeout(None)
            try:
                conn.sendall(struct.pack("!q", os.getpid()))
                seconds, func, args, kwargs = pickle.loads(_receive(conn))
                _leave_when_orphaned_or_late(seconds)
                _send(conn, _answer(func, args, kwargs))
            finally:
                os._exit(0)
        conn.close()
    listener.close()

