"""Reading a file within a wall-clock limit: the reader runs in a child process that is killed when time is up.

A parser can loop for a long time on a small hostile file (a GeoPackage
view, a pathological KML), and a thread cannot be stopped, so the read runs in
a process of its own. It is forked from this one when this process runs a
single thread (the CLI: fast, nothing to import again), else from
multiprocessing's fork server (the app's server runs many threads, and forking
a threaded process can deadlock the child). The result, or the reader's
:class:`~reegeo.errors.ReegeoError`, comes back pickled; anything else the
child raises is a bug and is raised here as one, with the child's traceback.
"""

from __future__ import annotations

import multiprocessing
import os
import pickle
import threading
import time
import traceback
from collections.abc import Callable
from typing import Any, TypeVar

from reegeo.errors import ReegeoError, UploadError
from reegeo.messages import Catalog, located

__all__ = ["call_within"]

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

# The fork server imports the reader once; every read then forks from that clean, single-threaded process.
_FORKSERVER_PRELOAD = ["__main__", "reegeo.io._warm_reader"]  # __main__ once here, not again in every child


def call_within(seconds: float | None, name: str, func: Callable[..., T], /, *args: Any, **kwargs: Any) -> T:
    """``func(*args, **kwargs)`` in a child process, stopped after ``seconds`` (None: here, unbounded).

    ``func`` and its arguments must pickle (a module-level function, bytes).

    Raises
    ------
    UploadError
        The time ran out (the message names the file ``name`` and the
        limit), or the child died without an answer (out of memory).
    ReegeoError
        Whatever ``func`` raised for the user to see.
    """
    if seconds is None or multiprocessing.current_process().daemon:  # unbounded, or already in a bounded child
        return func(*args, **kwargs)
    context = _context()
    receiver, sender = context.Pipe(duplex=False)
    child = context.Process(target=_child, args=(sender, receiver if context.get_start_method() == "fork" else None, seconds, func, args, kwargs), daemon=True)
    child.start()
    sender.close()
    try:
        if not receiver.poll(seconds):
            raise UploadError(located(name, _M("too_slow", seconds=seconds)), argument="max_read_s")
        try:
            status, value = pickle.loads(receiver.recv_bytes())
        except EOFError:  # the child ended without answering
            child.join(5)
            if child.exitcode is not None and child.exitcode < 0:
                raise UploadError(located(name, _M("reader_killed", signal=-child.exitcode))) from None
            raise RuntimeError(f"the reader's child process ended without an answer (exit code {child.exitcode})") from None
    finally:
        if child.is_alive():
            child.kill()
        child.join()
        receiver.close()
    if status == "bug":
        raise RuntimeError(f"the reader failed in its child process:\n{value}")
    if status == "error":
        raise value
    return value


def _context() -> Any:  # a fork or fork-server context
    if threading.active_count() == 1:
        return multiprocessing.get_context("fork")
    context = multiprocessing.get_context("forkserver")
    context.set_forkserver_preload(_FORKSERVER_PRELOAD)
    return context


def _leave_when_orphaned_or_late(seconds: float) -> None:
    """End this child when its parent is gone or its time is well past (the parent stops waiting at ``seconds``)."""
    parent, deadline = os.getppid(), time.monotonic() + seconds + 10

    def watch() -> None:
        while os.getppid() == parent and time.monotonic() < deadline:
            time.sleep(0.5)
        os._exit(3)

    threading.Thread(target=watch, name="reegeo-read-watchdog", daemon=True).start()


def _child(sender, inherited, seconds: float, func: Callable[..., Any], args: tuple, kwargs: dict) -> None:  # noqa: ANN001 - Connections
    if inherited is not None:  # a forked child holds the parent's end too: closed, so a gone parent is noticed
        inherited.close()
    _leave_when_orphaned_or_late(seconds)
    try:
        answer: tuple[str, Any] = ("ok", func(*args, **kwargs))
    except ReegeoError as error:
        # The parser's exception behind it stays here: third-party exceptions do not all survive pickling.
        error.__cause__ = error.__context__ = error.__traceback__ = None
        answer = ("error", error)
    except BaseException:  # noqa: BLE001 - sent to the parent, which raises it as a bug
        answer = ("bug", traceback.format_exc())
    try:
        data = pickle.dumps(answer, protocol=pickle.HIGHEST_PROTOCOL)
    except Exception:  # noqa: BLE001 - an answer that cannot travel is a bug, said as one
        data = pickle.dumps(("bug", traceback.format_exc()))
    sender.send_bytes(data)
    sender.close()
