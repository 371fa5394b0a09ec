"""Start and stop a private PostGIS cluster and Redis server on free loopback ports.

PostgreSQL refuses to run as root, so when we are root the cluster runs as the
``postgres`` system user; its data directory moves under /var/tmp when the checkout
is not reachable by that user (a clone under a private temp directory, say).
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import shutil
import socket
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path

PG_BIN_CANDIDATES = ("/usr/lib/postgresql/15/bin", "/usr/lib/postgresql/16/bin")
PG_USER = "postgres"


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _port_open(port: int) -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.settimeout(0.2)
        return sock.connect_ex(("127.0.0.1", port)) == 0


def _pg_bin(name: str) -> str:
    for directory in PG_BIN_CANDIDATES:
        path = Path(directory, name)
        if path.exists():
            return str(path)
    found = shutil.which(name)
    if not found:
        raise RuntimeError(f"{name} not found: install postgresql-15 and postgresql-15-postgis-3")
    return found


def _as_root() -> bool:
    return os.geteuid() == 0


def _run_as_pg(args: list[str], **kwargs) -> subprocess.CompletedProcess:
    if _as_root():
        args = ["runuser", "-u", PG_USER, "--", *args]
    return subprocess.run(args, check=True, **kwargs)


def _reachable_by_pg(path: Path) -> bool:
    if not _as_root():
        return True
    probe = subprocess.run(
        ["runuser", "-u", PG_USER, "--", "test", "-x", str(path)], check=False
    )
    return probe.returncode == 0


@dataclass
class PostgisCluster:
    """A PostgreSQL cluster owned by this checkout (or by one test session)."""

    data_dir: Path
    database: str = "grid_api"
    durable: bool = True
    port: int | None = None

    def __post_init__(self) -> None:
        self.data_dir = Path(self.data_dir).resolve()
        self.data_dir.parent.mkdir(parents=True, exist_ok=True)
        if not _reachable_by_pg(self.data_dir.parent):
            digest = hashlib.sha1(str(self.data_dir).encode()).hexdigest()[:12]  # noqa: S324
            fallback_root = Path("/var/tmp/grid-api")  # noqa: S108 - root-owned, one per checkout
            self.data_dir = fallback_root / digest / self.data_dir.name
            self.data_dir.parent.mkdir(parents=True, exist_ok=True)
            self.data_dir.parent.parent.chmod(0o755)
            self.data_dir.parent.chmod(0o755)

    @property
    def url(self) -> str:
        return f"postgresql+psycopg://{PG_USER}@127.0.0.1:{self.port}/{self.database}"

    def _initdb(self) -> None:
        self.data_dir.mkdir(parents=True, exist_ok=True)
        if _as_root():
            shutil.chown(self.data_dir, PG_USER, PG_USER)
        self.data_dir.chmod(0o700)
        _run_as_pg(
            [_pg_bin("initdb"), "-D", str(self.data_dir), "-U", PG_USER, "--auth=trust",
             "-E", "UTF8", "--locale=C.UTF-8"],
            stdout=subprocess.DEVNULL,
        )

    def _running_port(self) -> int | None:
        pid_file = self.data_dir / "postmaster.pid"
        if not pid_file.exists():
            return None
        lines = pid_file.read_text().splitlines()
        if len(lines) < 4:  # noqa: PLR2004 - postmaster.pid line 4 is the port
            return None
        port = int(lines[3])
        return port if _port_open(port) else None

    def start(self) -> PostgisCluster:
        if not (self.data_dir / "PG_VERSION").exists():
            self._initdb()
        running = self._running_port()
        if running:
            self.port = running
        else:
            self.port = self.port or free_port()
            options = [f"-p {self.port}", "-c listen_addresses=127.0.0.1",
                       "-c unix_socket_directories=''", "-c max_connections=200"]
            if not self.durable:
                options += ["-c fsync=off", "-c synchronous_commit=off",
                            "-c full_page_writes=off"]
            _run_as_pg(
                [_pg_bin("pg_ctl"), "-D", str(self.data_dir), "-l",
                 str(self.data_dir / "server.log"), "-o", " ".join(options), "-w", "-t", "60",
                 "start"],
                stdout=subprocess.DEVNULL,
            )
        self._create_database()
        return self

    def clone_from(self, host: str, port: int) -> PostgisCluster:
        """Make this cluster a streaming replica of another (``pg_basebackup -R``), once;
        ``start`` then runs it as a hot standby."""
        if (self.data_dir / "PG_VERSION").exists():
            return self
        self.data_dir.mkdir(parents=True, exist_ok=True)
        if _as_root():
            shutil.chown(self.data_dir, PG_USER, PG_USER)
        self.data_dir.chmod(0o700)
        _run_as_pg([_pg_bin("pg_basebackup"), "-h", host, "-p", str(port), "-U", PG_USER,
                    "-D", str(self.data_dir), "-R", "-X", "stream", "-c", "fast"],
                   stdout=subprocess.DEVNULL)
        return self

    def _psql(self, sql: str, database: str = "postgres") -> str:
        result = subprocess.run(
            [_pg_bin("psql"), "-h", "127.0.0.1", "-p", str(self.port), "-U", PG_USER,
             "-d", database, "-tAc", sql],
            check=True, capture_output=True, text=True,
        )
        return result.stdout.strip()

    def _create_database(self) -> None:
        query = f"SELECT 1 FROM pg_database WHERE datname = '{self.database}'"  # noqa: S608
        exists = self._psql(query)
        if not exists:
            self._psql(f'CREATE DATABASE "{self.database}"')

    def stop(self) -> None:
        if (self.data_dir / "postmaster.pid").exists():
            with contextlib.suppress(subprocess.CalledProcessError):
                _run_as_pg([_pg_bin("pg_ctl"), "-D", str(self.data_dir), "-m", "fast", "-w",
                            "stop"], stdout=subprocess.DEVNULL)

    def destroy(self) -> None:
        self.stop()
        shutil.rmtree(self.data_dir, ignore_errors=True)


@dataclass
class RedisServer:
    """A redis-server daemon with its data, pid and log files in one directory."""

    directory: Path
    durable: bool = True
    port: int | None = None

    def __post_init__(self) -> None:
        self.directory = Path(self.directory).resolve()

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def _running_port(self) -> int | None:
        port_file = self.directory / "redis.port"
        pid_file = self.directory / "redis.pid"
        if not (port_file.exists() and pid_file.exists()):
            return None
        port = int(port_file.read_text())
        return port if _port_open(port) else None

    def start(self) -> RedisServer:
        self.directory.mkdir(parents=True, exist_ok=True)
        running = self._running_port()
        if running:
            self.port = running
            return self
        self.port = self.port or free_port()
        server = shutil.which("redis-server")
        if not server:
            raise RuntimeError("redis-server not found: install the redis-server package")
        persistence = ["--save", "60 1"] if self.durable else ["--save", ""]
        subprocess.run(
            [server, "--port", str(self.port), "--bind", "127.0.0.1", "--dir",
             str(self.directory), "--daemonize", "yes", "--pidfile",
             str(self.directory / "redis.pid"), "--logfile", str(self.directory / "redis.log"),
             *persistence],
            check=True,
        )
        (self.directory / "redis.port").write_text(str(self.port))
        deadline = time.monotonic() + 10
        while not _port_open(self.port):
            if time.monotonic() > deadline:
                raise RuntimeError(f"redis-server did not start; see {self.directory}/redis.log")
            time.sleep(0.05)
        return self

    def stop(self) -> None:
        pid_file = self.directory / "redis.pid"
        if not pid_file.exists():
            return
        with contextlib.suppress(ProcessLookupError, ValueError):
            pid = int(pid_file.read_text())
            os.kill(pid, 15)
            deadline = time.monotonic() + 10
            while time.monotonic() < deadline:
                os.kill(pid, 0)
                time.sleep(0.05)
        pid_file.unlink(missing_ok=True)
