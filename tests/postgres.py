"""A throwaway PostgreSQL for the tests (and the benchmarks): `initdb` in a temporary
folder, a free port on 127.0.0.1 and a unix socket beside the data, trust auth for one
test user, stopped when the session ends.

The functions here import nothing of crisisplan, so benchmarks/ can use them too. The
pytest fixtures at the end: `postgres_server` (one per session) and `db_target`, which
runs a test once on a local SQLite file and once on a fresh PostgreSQL database.
"""

from __future__ import annotations

import itertools
import os
import shutil
import socket
import subprocess
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

USER = "crisis"
_RUN_AS = "postgres"  # initdb refuses root; this machine's server packages create this user


def find_bindir() -> Path | None:
    """Where initdb and pg_ctl are: `pg_config --bindir`, else Debian's versioned folders."""
    candidates: list[Path] = []
    if shutil.which("pg_config"):
        out = subprocess.run(
            ["pg_config", "--bindir"], capture_output=True, text=True, check=False
        ).stdout.strip()
        if out:
            candidates.append(Path(out))
    candidates += sorted(Path("/usr/lib/postgresql").glob("*/bin"), reverse=True)
    for folder in candidates:
        if (folder / "initdb").exists() and (folder / "pg_ctl").exists():
            return folder
    return None


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


@dataclass
class PgServer:
    """A PostgreSQL cluster in a temporary folder, run as an unprivileged user under root."""

    bindir: Path
    root: Path
    port: int = 0
    _names: Iterator[int] = field(default_factory=lambda: itertools.count(1))

    @property
    def data(self) -> Path:
        return self.root / "data"

    @property
    def sockets(self) -> Path:
        return self.root / "sock"

    def _as_owner(self, *args: str) -> list[str]:
        command = [str(self.bindir / args[0]), *args[1:]]
        if os.geteuid() == 0:
            return ["runuser", "-u", _RUN_AS, "--", *command]
        return command

    def _run(self, *args: str) -> None:
        # Output to a file, not a pipe: the server pg_ctl starts would inherit the pipe and
        # keep it open, and reading it would never end.
        with tempfile.TemporaryFile("w+") as out:
            proc = subprocess.run(
                self._as_owner(*args), stdout=out, stderr=out, stdin=subprocess.DEVNULL,
                text=True, check=False,
            )  # fmt: skip
            if proc.returncode != 0:
                out.seek(0)
                raise RuntimeError(f"{' '.join(args[:2])} failed: {out.read()}")

    def init(self) -> None:
        self.root.chmod(0o755)
        self.data.mkdir()
        self.sockets.mkdir()
        if os.geteuid() == 0:
            for folder in (self.data, self.sockets):
                shutil.chown(folder, _RUN_AS, _RUN_AS)
        self._run(
            "initdb", "-D", str(self.data), "-U", USER, "--auth=trust", "-E", "UTF8",
            "--no-locale", "--no-sync",
        )  # fmt: skip

    def _options(self) -> list[str]:
        options = (
            f"-p {self.port} -k {self.sockets} -c listen_addresses=127.0.0.1"
            " -c fsync=off -c synchronous_commit=off -c full_page_writes=off"
            " -c max_connections=200 -c shared_buffers=32MB"
        )
        log = self.root / "server.log"
        if os.geteuid() == 0 and not log.exists():
            log.touch()
            shutil.chown(log, _RUN_AS, _RUN_AS)
        return ["-D", str(self.data), "-o", options, "-l", str(log)]

    def start(self) -> None:
        self.port = self.port or free_port()
        self._run("pg_ctl", "start", "-w", *self._options())

    def restart(self) -> None:
        """`pg_ctl restart -m fast`: every client is disconnected, as in a failover."""
        self._run("pg_ctl", "restart", "-w", "-m", "fast", *self._options())

    def stop(self) -> None:
        if self.data.exists():
            subprocess.run(
                self._as_owner("pg_ctl", "stop", "-m", "immediate", "-D", str(self.data)),
                capture_output=True,
                check=False,
            )

    def url(self, database: str = "postgres") -> str:
        return f"postgresql://{USER}@127.0.0.1:{self.port}/{database}"

    def create_database(self, prefix: str = "t") -> str:
        """A fresh, empty database; its URL."""
        name = f"{prefix}_{os.getpid()}_{next(self._names)}"
        self.psql(f"CREATE DATABASE {name}")
        return self.url(name)

    def drop_database(self, url: str) -> None:
        """Drop a database create_database made, whoever is still connected to it."""
        self.psql(f"DROP DATABASE IF EXISTS {url.rsplit('/', 1)[1]} WITH (FORCE)")

    def psql(self, sql: str, database: str = "postgres") -> str:
        """Run SQL with the server's own psql; its unaligned output."""
        proc = subprocess.run(
            [str(self.bindir / "psql"), "-X", "-q", "-At", "-v", "ON_ERROR_STOP=1",
             "-h", str(self.sockets), "-p", str(self.port), "-U", USER, "-d", database,
             "-c", sql],
            capture_output=True, text=True, check=False,
        )  # fmt: skip
        if proc.returncode != 0:
            raise RuntimeError(f"psql failed: {proc.stderr}")
        return proc.stdout


def start_server() -> PgServer | None:
    """A running throwaway server, or None where this machine has no PostgreSQL binaries."""
    bindir = find_bindir()
    if bindir is None:
        return None
    server = PgServer(bindir, Path(tempfile.mkdtemp(prefix="crisis-pg-")))
    try:
        server.init()
        for _ in range(3):  # the port may be taken between picking and binding
            try:
                server.start()
                break
            except RuntimeError:
                server.port = 0
                time.sleep(0.2)
        else:
            server.start()
    except BaseException:
        server.stop()
        shutil.rmtree(server.root, ignore_errors=True)
        raise
    return server


def stop_server(server: PgServer) -> None:
    server.stop()
    shutil.rmtree(server.root, ignore_errors=True)


# The pytest side. Imported as a plugin by conftest.py only; the benchmarks use the above.

try:
    import pytest
except ImportError:  # the benchmarks run without pytest
    pass
else:

    @pytest.fixture(scope="session")
    def postgres_server() -> Iterator[PgServer]:
        """One throwaway PostgreSQL for the whole session."""
        server = start_server()
        if server is None:
            pytest.skip("no PostgreSQL binaries (initdb, pg_ctl) on this machine")
        try:
            yield server
        finally:
            stop_server(server)

    @pytest.fixture
    def shared(postgres_server: PgServer, monkeypatch: pytest.MonkeyPatch) -> str:
        """A fresh database on the test server, which $CRISIS_DB points every command at."""
        url = postgres_server.create_database("shared")
        monkeypatch.setenv("CRISIS_DB", url)
        return url

    @pytest.fixture(params=["sqlite", "postgresql"])
    def db_target(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
        """Where this test's incident log is: the default file in the test's folder, or a
        fresh PostgreSQL database that $CRISIS_DB points every command at."""
        if request.param == "sqlite":
            yield ".crisis/crisis.db"
            return
        server: PgServer = request.getfixturevalue("postgres_server")
        target = server.create_database()
        monkeypatch.setenv("CRISIS_DB", target)
        yield target
        server.drop_database(target)
