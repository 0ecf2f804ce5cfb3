"""A read-only PostgreSQL connection straight on libpq, for commands that only read.

Importing psycopg costs a command about 100 ms, two thirds of `crisis status` on a local
file. A command that reads the shared log needs a connection and a few SELECTs, which
libpq itself does through ctypes in a few milliseconds. This connection answers only what
it can answer exactly as psycopg would: a few plain column types, parameters typed as
psycopg types them, small results. Anything else (another type, an error, a lost
connection, more values than psycopg reads quicker) raises `Unanswerable`, and the store
hands the command to psycopg, which runs it again and does the rest: writes, retries,
LISTEN, and every error message a person reads. The session is read-only on the server,
so a statement that is not a read can never run twice.

libpq is the one psycopg's binary wheel bundles when that is installed, else the system's.
The waits for the server are Python's select() on the socket, so Ctrl-C stops them at
once (and cancels the query on the server); only the host-name lookup and sending a short
query wait inside libpq.
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
# On the server, no statement of this session may change anything.
READ_ONLY = "-c default_transaction_read_only=on"

# libpq's enums (libpq-fe.h).
_POLLING_FAILED, _POLLING_READING, _POLLING_WRITING, _POLLING_OK = 0, 1, 2, 3
_CONNECTION_BAD = 1
_PGRES_TUPLES_OK = 2

# PostgreSQL's type oids (pg_type).
BOOL, NAME, INT8, INT2, INT4, TEXT, OID = 16, 19, 20, 21, 23, 25, 26
FLOAT4, FLOAT8, UNKNOWN, BPCHAR, VARCHAR = 700, 701, 705, 1042, 1043

_POINTER = ctypes.c_void_p
_CHARS = ctypes.c_char_p
_INT = ctypes.c_int
_SIGNATURES: dict[str, tuple[Any, list[Any]]] = {
    "PQconnectStartParams": (_POINTER, [ctypes.POINTER(_CHARS), ctypes.POINTER(_CHARS), _INT]),
    "PQconnectPoll": (_INT, [_POINTER]),
    "PQstatus": (_INT, [_POINTER]),
    "PQsocket": (_INT, [_POINTER]),
    "PQsetNoticeProcessor": (_POINTER, [_POINTER, _POINTER, _POINTER]),
    "PQfinish": (None, [_POINTER]),
    "PQsendQueryParams": (
        _INT,
        [
            *(_POINTER, _CHARS, _INT),  # connection, query, how many parameters
            *(ctypes.POINTER(ctypes.c_uint), ctypes.POINTER(_CHARS)),  # their types, texts
            *(_POINTER, _POINTER, _INT),  # lengths and formats (text: none), result format
        ],
    ),
    "PQconsumeInput": (_INT, [_POINTER]),
    "PQisBusy": (_INT, [_POINTER]),
    "PQgetResult": (_POINTER, [_POINTER]),
    "PQresultStatus": (_INT, [_POINTER]),
    "PQntuples": (_INT, [_POINTER]),
    "PQnfields": (_INT, [_POINTER]),
    "PQftype": (ctypes.c_uint, [_POINTER, _INT]),
    "PQgetisnull": (_INT, [_POINTER, _INT, _INT]),
    "PQgetvalue": (_CHARS, [_POINTER, _INT, _INT]),
    "PQclear": (None, [_POINTER]),
    "PQgetCancel": (_POINTER, [_POINTER]),
    "PQcancel": (_INT, [_POINTER, _CHARS, _INT]),
    "PQfreeCancel": (None, [_POINTER]),
}


def _drop(_arg: int | None, _message: bytes | None) -> None:
    """libpq prints the server's notices and warnings on stderr; psycopg drops them."""


# Kept for the life of the process: libpq calls it from any connection.
_ignore_notice = ctypes.CFUNCTYPE(None, ctypes.c_void_p, ctypes.c_char_p)(_drop)


class Unanswerable(Exception):
    """This connection cannot give exactly psycopg's answer; psycopg must."""


def _as_bool(text: str) -> bool:
    return text == "t"


# How psycopg reads each type in text; a column of any other type is psycopg's to read.
_READERS: dict[int, Callable[[str], Any]] = {
    BOOL: _as_bool,
    INT2: int,
    INT4: int,
    INT8: int,
    OID: int,
    NAME: str,
    TEXT: str,
    UNKNOWN: str,  # a bare literal
    VARCHAR: str,
    BPCHAR: str,
    FLOAT4: float,
    FLOAT8: float,
}


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
    """A parameter as psycopg sends it: its type (0 for text, which the server infers from
    where it stands; the smallest integer type that holds an int) and its text."""
    if value is None:
        return 0, None
    if isinstance(value, bool):
        return BOOL, b"t" if value else b"f"
    if isinstance(value, int):
        if -(2**15) <= value < 2**15:
            return INT2, str(value).encode()
        if -(2**31) <= value < 2**31:
            return INT4, str(value).encode()
        if -(2**63) <= value < 2**63:
            return INT8, str(value).encode()
        raise Unanswerable("an integer past 64 bits")
    if isinstance(value, float):
        return FLOAT8, repr(value).encode()
    if isinstance(value, str):
        if "\x00" in value:
            raise Unanswerable("a NUL in text")
        return 0, _utf8(value)
    raise Unanswerable(f"a parameter of type {type(value).__name__}")


def _utf8(text: str) -> bytes:
    try:
        return text.encode()
    except UnicodeEncodeError as exc:  # a lone surrogate: psycopg words the error
        raise Unanswerable("text that is not valid Unicode") from exc


class LightConnection:
    """One libpq connection, read-only on the server, that gives rows as psycopg would."""

    def __init__(
        self,
        lib: ctypes.CDLL,
        url: str,
        settings: Mapping[str, str],
        timeout: float = CONNECT_TIMEOUT,
    ) -> None:
        self._lib = lib
        self._cells_left = MOST_CELLS
        asked = {**settings, "options": f"{settings.get('options', '')} {READ_ONLY}".strip()}
        keys, values = ["dbname", *asked], [url, *asked.values()]
        keywords = (_CHARS * (len(keys) + 1))(*(_utf8(key) for key in keys), None)
        given = (_CHARS * (len(values) + 1))(*(_utf8(value) for value in values), None)
        self._conn: int | None = lib.PQconnectStartParams(keywords, given, 1)
        if not self._conn:
            raise Unanswerable("libpq could not start a connection")
        lib.PQsetNoticeProcessor(self._conn, _ignore_notice, None)
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

    def rows(
        self, sql: str, params: Sequence[Any] = (), *, timeout: float | None = None
    ) -> list[tuple[Any, ...]]:
        """Every row of a query, or Unanswerable; `timeout`: seconds to wait for them."""
        lib, conn = self._lib, self._conn
        if conn is None:
            raise Unanswerable("the connection is closed")
        typed = [_parameter(value) for value in params]
        count = len(typed)
        types = (ctypes.c_uint * count)(*(oid for oid, _ in typed))
        values = (_CHARS * count)(*(text for _, text in typed))
        if not lib.PQsendQueryParams(
            conn, _utf8(numbered(sql)), count, types, values, None, None, 0
        ):
            raise Unanswerable("the query could not be sent")
        deadline = None if timeout is None else time.monotonic() + timeout
        rows: list[tuple[Any, ...]] | None = None
        failed = "no result"
        try:
            while result := self._next_result(conn, deadline):  # to the last: then it is idle
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
        except KeyboardInterrupt:
            self._cancel()  # the server stops the query too, not only us
            raise
        except Unanswerable:
            self.close()  # mid-query: of no more use
            raise
        if rows is None:
            raise Unanswerable(failed)
        return rows

    def _next_result(self, conn: int, deadline: float | None) -> int | None:
        """The query's next result, once it is all here; None after the last."""
        lib = self._lib
        while lib.PQisBusy(conn):
            self._wait(deadline)
            if not lib.PQconsumeInput(conn):
                raise Unanswerable("the connection was lost")
        result: int | None = lib.PQgetResult(conn)
        return result

    def _cancel(self) -> None:
        """Ask the server to stop the running query, and close the connection."""
        lib, conn = self._lib, self._conn
        if conn is not None and (cancel := lib.PQgetCancel(conn)):
            lib.PQcancel(cancel, ctypes.create_string_buffer(256), 256)
            lib.PQfreeCancel(cancel)
        self.close()

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
