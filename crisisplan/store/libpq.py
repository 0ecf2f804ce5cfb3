"""A read-only PostgreSQL connection straight on libpq, for commands that only read.

Importing psycopg costs a command about 100 ms, two thirds of `crisis status` on a local
file. A command that reads the shared log needs a connection and a few SELECTs, which libpq
itself does through ctypes in a few milliseconds. This connection answers only what it can
answer exactly as psycopg would: a few plain column types, small results. Anything else
(a type it does not convert, an error, a lost connection, more values than
are quicker read by psycopg) raises
`Unanswerable`, and the store hands the command to psycopg, which runs it again and does the
rest: writes, retries, LISTEN, and every error message a person reads.

libpq is the one psycopg's binary wheel bundles when that is installed, else the system's.
Waiting is done by Python's select() on the socket, never inside libpq, so Ctrl-C stops a
read at once.
"""

from __future__ import annotations

import ctypes
import select
import time
from collections.abc import Callable, Mapping, Sequence
from functools import lru_cache
from importlib.util import find_spec
from pathlib import Path
from typing import Any

CONNECT_TIMEOUT = 2.0  # seconds; past it psycopg tries, with its own patience
# Values one connection reads, in all (about 50 ms through ctypes, at 1.3 µs each): past
# them psycopg reads the rest, at a tenth of the cost once imported.
MOST_CELLS = 40_000

# libpq's enums (libpq-fe.h).
_POLLING_FAILED, _POLLING_READING, _POLLING_WRITING, _POLLING_OK = 0, 1, 2, 3
_CONNECTION_BAD = 1
_PGRES_TUPLES_OK = 2

_P = ctypes.c_void_p
_S = ctypes.c_char_p
_I = ctypes.c_int
_SIGNATURES: dict[str, tuple[Any, list[Any]]] = {
    "PQconnectStartParams": (_P, [ctypes.POINTER(_S), ctypes.POINTER(_S), _I]),
    "PQconnectPoll": (_I, [_P]),
    "PQstatus": (_I, [_P]),
    "PQsocket": (_I, [_P]),
    "PQfinish": (None, [_P]),
    "PQsendQueryParams": (
        _I,
        [_P, _S, _I, ctypes.POINTER(ctypes.c_uint), ctypes.POINTER(_S), _P, _P, _I],
    ),
    "PQconsumeInput": (_I, [_P]),
    "PQisBusy": (_I, [_P]),
    "PQgetResult": (_P, [_P]),
    "PQresultStatus": (_I, [_P]),
    "PQntuples": (_I, [_P]),
    "PQnfields": (_I, [_P]),
    "PQftype": (ctypes.c_uint, [_P, _I]),
    "PQgetisnull": (_I, [_P, _I, _I]),
    "PQgetvalue": (_S, [_P, _I, _I]),
    "PQclear": (None, [_P]),
}


class Unanswerable(Exception):
    """This connection cannot give exactly psycopg's answer; psycopg must."""


def _as_bool(text: str) -> bool:
    return text == "t"


# How psycopg reads each type in text; a column of any other type is psycopg's to read.
_READERS: dict[int, Callable[[str], Any]] = {
    16: _as_bool,  # bool
    20: int,  # int8
    21: int,  # int2
    23: int,  # int4
    26: int,  # oid
    19: str,  # name
    25: str,  # text
    705: str,  # unknown (a bare literal)
    1043: str,  # varchar
    1042: str,  # bpchar
    700: float,  # float4
    701: float,  # float8
}
_INT8 = 20
_BOOL = 16
_FLOAT8 = 701


@lru_cache(maxsize=1)
def library() -> ctypes.CDLL | None:
    """libpq, loaded once: psycopg's bundled copy, else the system's; None when neither."""
    for path in _candidates():
        try:
            lib = ctypes.CDLL(path)
            for name, (restype, argtypes) in _SIGNATURES.items():
                function = getattr(lib, name)
                function.restype = restype
                function.argtypes = argtypes
        except (OSError, AttributeError):
            continue
        return lib
    return None


def _candidates() -> list[str]:
    """Where libpq may be, best first (finding psycopg_binary does not import it)."""
    found: list[str] = []
    spec = find_spec("psycopg_binary")
    if spec is not None and spec.submodule_search_locations:
        package = Path(next(iter(spec.submodule_search_locations)))
        # Where auditwheel (Linux) and delocate (macOS) put a wheel's own libraries.
        for folder, pattern in (
            (package.parent / "psycopg_binary.libs", "libpq-*.so*"),
            (package / ".dylibs", "libpq*.dylib"),
        ):
            found += sorted(str(path) for path in folder.glob(pattern))
    return [*found, "libpq.so.5", "libpq.5.dylib"]


@lru_cache(maxsize=256)
def numbered(sql: str) -> str:
    """The portable SQL's `?` placeholders as libpq's $1, $2, ... (none in a literal)."""
    parts = sql.split("'")
    count = 0
    for i in range(0, len(parts), 2):  # outside quotes: even pieces
        pieces = parts[i].split("?")
        text = pieces[0]
        for piece in pieces[1:]:
            count += 1
            text += f"${count}{piece}"
        parts[i] = text
    return "'".join(parts)


def _parameter(value: Any) -> tuple[int, bytes | None]:
    """A parameter's type (0: the server infers it, as psycopg sends text) and its text."""
    if value is None:
        return 0, None
    if isinstance(value, bool):
        return _BOOL, b"t" if value else b"f"
    if isinstance(value, int):
        if not -(2**63) <= value < 2**63:
            raise Unanswerable("an integer past 64 bits")
        return _INT8, str(value).encode()
    if isinstance(value, float):
        return _FLOAT8, repr(value).encode()
    if isinstance(value, str):
        if "\x00" in value:
            raise Unanswerable("a NUL in text")
        return 0, value.encode()
    raise Unanswerable(f"a parameter of type {type(value).__name__}")


class LightConnection:
    """One libpq connection that runs SELECTs and gives rows as psycopg would."""

    def __init__(
        self,
        lib: ctypes.CDLL,
        url: str,
        settings: Mapping[str, str],
        timeout: float = CONNECT_TIMEOUT,
    ) -> None:
        self._lib = lib
        keys = ["dbname", *settings]
        values = [url, *settings.values()]
        keywords = (_S * (len(keys) + 1))(*(k.encode() for k in keys), None)
        given = (_S * (len(values) + 1))(*(v.encode() for v in values), None)
        self._cells_left = MOST_CELLS
        self._conn: int | None = lib.PQconnectStartParams(keywords, given, 1)
        if not self._conn:
            raise Unanswerable("libpq could not start a connection")
        try:
            self._connect(time.monotonic() + timeout)
        except BaseException:
            self.close()
            raise

    def _connect(self, deadline: float) -> None:
        """libpq's non-blocking connect: poll, waiting on the socket as libpq asks."""
        lib, conn = self._lib, self._conn
        if lib.PQstatus(conn) == _CONNECTION_BAD:
            raise Unanswerable("the connection failed")
        state = _POLLING_WRITING
        while state != _POLLING_OK:
            if state == _POLLING_FAILED:
                raise Unanswerable("the connection failed")
            self._wait(deadline, writing=state == _POLLING_WRITING)
            state = lib.PQconnectPoll(conn)

    def _wait(self, deadline: float | None, *, writing: bool = False) -> None:
        """Wait until the socket is ready (Ctrl-C stops it); without a deadline, the
        server's statement_timeout ends a query that takes too long."""
        sock = self._lib.PQsocket(self._conn)
        left = None if deadline is None else deadline - time.monotonic()
        if sock < 0 or (left is not None and left <= 0):
            raise Unanswerable("no answer in time")
        readers, writers = ([], [sock]) if writing else ([sock], [])
        if not any(select.select(readers, writers, [], left)):
            raise Unanswerable("no answer in time")

    def rows(self, sql: str, params: Sequence[Any] = ()) -> list[tuple[Any, ...]]:
        """Every row of a query, or Unanswerable."""
        lib, conn = self._lib, self._conn
        if conn is None:
            raise Unanswerable("the connection is closed")
        typed = [_parameter(value) for value in params]
        count = len(typed)
        types = (ctypes.c_uint * count)(*(oid for oid, _ in typed))
        values = (_S * count)(*(text for _, text in typed))
        if not lib.PQsendQueryParams(
            conn, numbered(sql).encode(), count, types, values, None, None, 0
        ):
            raise Unanswerable("the query could not be sent")
        rows: list[tuple[Any, ...]] | None = None
        failed = "no result"
        while result := self._next_result(conn):  # read to the last, or the next query waits
            try:
                if rows is None and lib.PQresultStatus(result) == _PGRES_TUPLES_OK:
                    rows = _rows(lib, result, self._cells_left)
                    self._cells_left -= len(rows) * lib.PQnfields(result)
                else:
                    rows, failed = None, "the statement failed"
            except Unanswerable as exc:
                failed = str(exc)
            finally:
                lib.PQclear(result)
        if rows is None:
            raise Unanswerable(failed)
        return rows

    def _next_result(self, conn: int) -> int | None:
        """The query's next result, once it is all here; None after the last."""
        lib = self._lib
        while lib.PQisBusy(conn):
            self._wait(None)
            if not lib.PQconsumeInput(conn):
                raise Unanswerable("the connection was lost")
        result: int | None = lib.PQgetResult(conn)
        return result

    def close(self) -> None:
        """Close the connection; closing twice is harmless."""
        if self._conn is not None:
            self._lib.PQfinish(self._conn)
            self._conn = None


def _rows(lib: ctypes.CDLL, result: int, most: int) -> list[tuple[Any, ...]]:
    height, width = lib.PQntuples(result), lib.PQnfields(result)
    if height * width > most:
        raise Unanswerable("more to read than is quicker through psycopg")
    readers: list[Callable[[str], Any]] = []
    for column in range(width):
        reader = _READERS.get(lib.PQftype(result, column))
        if reader is None:
            raise Unanswerable("a column of a type read only by psycopg")
        readers.append(reader)
    value, isnull = lib.PQgetvalue, lib.PQgetisnull
    try:
        return [
            tuple(
                None if isnull(result, row, column) else reader(value(result, row, column).decode())
                for column, reader in enumerate(readers)
            )
            for row in range(height)
        ]
    except UnicodeDecodeError as exc:
        raise Unanswerable("text that is not UTF-8") from exc
