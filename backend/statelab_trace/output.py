"""What a step printed, logged or warned, captured per request.

Three hooks, each a tee that still passes everything on: ``sys.stdout``/``sys.stderr``
(``print``), only while a traced request runs (the process's own streams are back when
none does); the logging record factory (every logger, whether or not its records
propagate) and ``warnings.showwarning``, installed once. Each hands its
text to the request traced in the *current context* (a ContextVar), so under a
threaded server one request's prints never land on another's step; outside a traced
request they cost one ContextVar read.

A log record that a stream handler echoes to stderr (Flask's default handler does) is
kept once, as the record.

Warnings are captured as Python shows them: its default filter shows a warning once per
code location, so a repeated warning appears only on the first step that raised it
unless the app's warnings filter says ``always``.
"""

from __future__ import annotations

import logging
import sys
import threading
import warnings
from contextvars import ContextVar
from typing import Any, Callable

from .wire import format_traceback

MAX_LINES = 50  # per step; a marker line says how many more there were
MAX_LINE_CHARS = 500
_PENDING_LIMIT = 8 * MAX_LINE_CHARS  # an unfinished line is cut into lines past this


class Output:
    """The bounded lines of one step (or of the request, outside its steps)."""

    __slots__ = ("kept", "partial", "cut", "weight")

    def __init__(self) -> None:
        self.kept: list[str] = []
        self.partial = ""
        self.cut = 0
        # What the lines keep, in bytes, as jsonable.weigh counts a tuple of strings:
        # weighed as each line is added.
        self.weight = 56

    def write(self, text: str) -> None:
        if text == "\n":  # print() writes its text, then the line end on its own
            self._add(self.partial)
            self.partial = ""
            return
        if "\n" not in text:
            self.partial += text
            if len(self.partial) > _PENDING_LIMIT:
                self._add(self.partial)
                self.partial = ""
            return
        *done, self.partial = (self.partial + text).split("\n")
        for line in done:
            self._add(line)

    def _add(self, line: str) -> None:
        if len(self.kept) >= MAX_LINES:
            self.cut += 1
            return
        if len(line) > MAX_LINE_CHARS:
            line = line[:MAX_LINE_CHARS] + f"... ({len(line) - MAX_LINE_CHARS} more characters)"
        self.kept.append(line)
        self.weight += 57 + (len(line) if line.isascii() else 4 * len(line))

    def lines(self) -> tuple[str, ...] | None:
        """The lines, an unfinished last one included; None when nothing was output."""
        if self.partial:
            self._add(self.partial)
            self.partial = ""
        if self.cut:
            marker = (f"... {self.cut} more line{'s' if self.cut != 1 else ''} cut "
                      f"(at most {MAX_LINES} are kept per step)")
            self.kept.append(marker)
            self.weight += 57 + len(marker)
            self.cut = 0
        return tuple(self.kept) if self.kept else None


class _Tee:
    """A text stream that also hands what is written to the traced request."""

    def __init__(self, stream: Any, current: ContextVar) -> None:
        self._stream = stream
        self._current = current

    def write(self, text: str) -> int:
        trace = self._current.get()
        if trace is not None and text:
            if trace.echo is not None and trace.echo in text:
                trace.echo = None  # a log record echoed by a stream handler: kept once
            else:
                trace.write(text)
        return self._stream.write(text)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._stream, name)


# Every tee ever installed stays referenced here. print() holds ``sys.stdout`` as a
# borrowed reference while it writes (CPython 3.11): a tee freed because another thread's
# request ended and put the process's stream back would be used after it was freed (a
# segmentation fault seen under the threaded dev server). One tee per stream, the last
# _TEES_KEPT streams.
_TEES: list[_Tee] = []
_TEES_KEPT = 64


def _kept_tee(stream: Any, current: ContextVar) -> _Tee:
    for tee in _TEES:
        if tee._stream is stream and tee._current is current:
            return tee
    tee = _Tee(stream, current)
    _TEES.append(tee)
    del _TEES[:-_TEES_KEPT]
    return tee


class Capture:
    """Installs the three tees for traces found in ``current``. ``sys.stdout`` and
    ``sys.stderr`` are tees only while a traced request runs (``enter``/``leave``,
    counted across threads); the process's own streams are back as the last one ends."""

    def __init__(self, current: ContextVar) -> None:
        self.current = current
        self._lock = threading.Lock()
        self._running = 0
        self._tees: tuple = ()
        self._previous_factory: Callable | None = None
        self._previous_showwarning: Callable | None = None
        # One bound method, kept: each ``self._showwarning`` makes a new one, so an
        # identity check against it is always false, and a second install would make
        # the hook its own "previous" (endless recursion on the next warning).
        self._warning_hook = self._showwarning

    def enter(self) -> None:
        """A traced request starts."""
        with self._lock:
            self._running += 1
            if self._running == 1 or type(sys.stdout) is not _Tee:
                self._install()

    def leave(self) -> None:
        """A traced request ends: the last one puts the process's streams back (unless
        someone replaced them meanwhile: theirs stay)."""
        with self._lock:
            self._running -= 1
            if self._running:
                return
            out, err = self._tees or (None, None)
            if out is not None and sys.stdout is out:
                sys.stdout = out._stream
            if err is not None and sys.stderr is err:
                sys.stderr = err._stream
            self._tees = ()

    def _install(self) -> None:
        out = sys.stdout if type(sys.stdout) is _Tee else _kept_tee(sys.stdout, self.current)
        err = sys.stderr if type(sys.stderr) is _Tee else _kept_tee(sys.stderr, self.current)
        sys.stdout, sys.stderr = out, err
        self._tees = (out, err)
        # Once: a factory set later may wrap ours, and wrapping it again would
        # capture each record twice.
        if self._previous_factory is None:
            self._previous_factory = logging.getLogRecordFactory()
            logging.setLogRecordFactory(self._make_record)
        if warnings.showwarning is not self._warning_hook:
            self._previous_showwarning = warnings.showwarning
            warnings.showwarning = self._warning_hook

    def _make_record(self, *args: Any, **kwargs: Any) -> logging.LogRecord:
        record = self._previous_factory(*args, **kwargs)
        trace = self.current.get()
        if trace is not None:
            try:
                self._keep_record(trace, record)
            except Exception as exc:  # a bad format ("%s %s" % 1): logging's own
                # handlers report it when they format; the step says it was not kept
                trace.write(f"{record.levelname} {record.name}: not recorded: "
                            f"{type(exc).__name__}: {exc}\n")
        return record

    @staticmethod
    def _keep_record(trace: Any, record: logging.LogRecord) -> None:
        message = record.getMessage()
        shown = message
        if record.exc_info and record.exc_info[0] is not None:
            # What a handler prints below the message ("Exception on / [GET]").
            shown = f"{message}\n{format_traceback(record.exc_info)}"
        trace.write(f"{record.levelname} {record.name}: {shown}\n")
        trace.echo = message

    def _showwarning(self, message: Any, category: type, filename: str, lineno: int,
                     file: Any = None, line: str | None = None) -> None:
        trace = self.current.get()
        if trace is not None:
            try:
                trace.write(f"{category.__name__}: {message} ({filename}:{lineno})\n")
                trace.echo = str(message)
            except Exception:
                pass  # a warning whose str() fails: Python shows it as it can
        self._previous_showwarning(message, category, filename, lineno, file, line)
