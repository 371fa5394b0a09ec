"""Where stored files live (photos, their public copies, exports): local disk, the
one-machine default, or any S3-compatible object store, chosen by the settings."""

from __future__ import annotations

import base64
import hashlib
import mimetypes
import os
import shutil
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, BinaryIO, Protocol
from urllib.parse import quote

from botocore.exceptions import BotoCoreError, ClientError

from grid_api.errors import StorageUnavailable

if TYPE_CHECKING:
    from grid_api.config import Settings

MISSING_CODES = frozenset({"NoSuchKey", "404", "NotFound"})
TEMP_PREFIX = ".tmp-"


@dataclass(frozen=True)
class StoredObject:
    size: int
    sha256: str | None  # None where the store was not told it


class Storage(Protocol):
    def put(self, key: str, data: bytes, *, content_type: str | None = None) -> None:
        """Store ``data`` under ``key``, whole or not at all. Raises StorageUnavailable."""

    def get(self, key: str) -> bytes:
        """Raises FileNotFoundError, StorageUnavailable."""

    def put_file(self, key: str, source: Path) -> None:
        """Store a file too large for memory (an export). Raises StorageUnavailable."""

    def open(self, key: str) -> BinaryIO:
        """A stream of the stored file. Raises FileNotFoundError, StorageUnavailable."""

    def delete(self, key: str) -> None:
        """Remove the file if it is there. Raises StorageUnavailable."""

    def stat(self, key: str) -> StoredObject | None:
        """Size and checksum of a stored file; None when absent. Raises StorageUnavailable."""

    def download_url(self, key: str, *, content_type: str | None = None,
                     filename: str | None = None) -> str | None:
        """A short-lived URL that serves the file without the API, or None when the API
        serves the bytes itself (local disk)."""


def content_type_of(key: str, given: str | None = None) -> str:
    return given or mimetypes.guess_type(key)[0] or "application/octet-stream"


def attachment_disposition(filename: str) -> str:
    """Content-Disposition for a download, with the UTF-8 name (RFC 6266) for Chinese names."""
    fallback = filename.encode("ascii", "replace").decode().replace('"', "")
    return f"attachment; filename=\"{fallback}\"; filename*=UTF-8''{quote(filename)}"


class LocalStorage:
    """Files under one root; writes are atomic (temp file + rename)."""

    def __init__(self, root: str | Path) -> None:
        self.root = Path(root).resolve()

    def _path(self, key: str) -> Path:
        path = (self.root / key).resolve()
        if self.root not in path.parents:
            raise ValueError(f"storage key escapes the root: {key!r}")
        return path

    def put(self, key: str, data: bytes, *, content_type: str | None = None) -> None:
        path = self._path(key)
        path.parent.mkdir(parents=True, exist_ok=True)
        with tempfile.NamedTemporaryFile(dir=path.parent, prefix=TEMP_PREFIX,
                                         delete=False) as handle:
            handle.write(data)
        os.replace(handle.name, path)

    def get(self, key: str) -> bytes:
        return self._path(key).read_bytes()

    def stat(self, key: str) -> StoredObject | None:
        path = self._path(key)
        if not path.is_file():
            return None
        return StoredObject(path.stat().st_size, hashlib.sha256(path.read_bytes()).hexdigest())

    def download_url(self, key: str, *, content_type: str | None = None,
                     filename: str | None = None) -> str | None:
        return None

    def delete(self, key: str) -> None:
        self._path(key).unlink(missing_ok=True)

    def put_file(self, key: str, source: Path) -> None:
        """Store a file too large to hold in memory (an export), whole or not at all."""
        path = self._path(key)
        path.parent.mkdir(parents=True, exist_ok=True)
        with (tempfile.NamedTemporaryFile(dir=path.parent, prefix=TEMP_PREFIX,
                                          delete=False) as handle, source.open("rb") as data):
            shutil.copyfileobj(data, handle, 1 << 20)
        os.replace(handle.name, path)

    def open(self, key: str) -> BinaryIO:
        return self._path(key).open("rb")

    def keys(self) -> Iterator[str]:
        """Every stored key in a stable order, without half-written temp files."""
        if not self.root.is_dir():
            return
        for path in sorted(self.root.rglob("*")):
            if path.is_file() and not path.name.startswith((TEMP_PREFIX, "tmp")):
                yield path.relative_to(self.root).as_posix()


class S3Storage:
    """One bucket of an S3-compatible store (SeaweedFS, MinIO, Ceph, the clouds' S3 APIs).

    Downloads leave through presigned GET URLs, signed for ``public_endpoint_url`` when
    phones reach the store at another address than the API does.
    """

    def __init__(self, *, endpoint_url: str, bucket: str, access_key_id: str,
                 secret_access_key: str, region: str = "us-east-1",
                 addressing_style: str = "path", public_endpoint_url: str = "",
                 url_seconds: int = 300, connect_timeout: float = 2, read_timeout: float = 10,
                 max_attempts: int = 2) -> None:
        import boto3  # noqa: PLC0415 - a one-machine deployment on local disk never loads it
        from botocore.config import Config  # noqa: PLC0415

        self.bucket, self.url_seconds = bucket, url_seconds
        config = Config(
            signature_version="s3v4", s3={"addressing_style": addressing_style},
            connect_timeout=connect_timeout, read_timeout=read_timeout,
            retries={"mode": "standard", "total_max_attempts": max_attempts},
            # boto3 sends CRC32 checksum trailers by default, which many S3-compatible
            # stores refuse; integrity comes from Content-MD5, which every store checks.
            request_checksum_calculation="when_required",
            response_checksum_validation="when_required")
        # Explicit keys only: never a look-up of instance metadata from a city's intranet.
        session = boto3.session.Session(aws_access_key_id=access_key_id,
                                        aws_secret_access_key=secret_access_key,
                                        region_name=region)
        self._client = session.client("s3", endpoint_url=endpoint_url, config=config)
        self._signer = session.client("s3", endpoint_url=public_endpoint_url or endpoint_url,
                                      config=config)

    def put(self, key: str, data: bytes, *, content_type: str | None = None) -> None:
        md5 = base64.b64encode(hashlib.md5(data, usedforsecurity=False).digest()).decode()
        try:
            self._client.put_object(Bucket=self.bucket, Key=key, Body=data, ContentMD5=md5,
                                    ContentType=content_type_of(key, content_type),
                                    Metadata={"sha256": hashlib.sha256(data).hexdigest()})
        except (BotoCoreError, ClientError) as exc:
            raise StorageUnavailable from exc

    def get(self, key: str) -> bytes:
        try:
            return self._client.get_object(Bucket=self.bucket, Key=key)["Body"].read()
        except ClientError as exc:
            if exc.response.get("Error", {}).get("Code") in MISSING_CODES:
                raise FileNotFoundError(key) from exc
            raise StorageUnavailable from exc
        except BotoCoreError as exc:
            raise StorageUnavailable from exc

    def put_file(self, key: str, source: Path) -> None:
        """Store a large file (an export) by multipart upload. Raises StorageUnavailable."""
        try:
            self._client.upload_file(str(source), self.bucket, key,
                                     ExtraArgs={"ContentType": content_type_of(key, None)})
        except (BotoCoreError, ClientError) as exc:
            raise StorageUnavailable from exc

    def open(self, key: str) -> BinaryIO:
        try:
            return self._client.get_object(Bucket=self.bucket, Key=key)["Body"]
        except ClientError as exc:
            if exc.response.get("Error", {}).get("Code") in MISSING_CODES:
                raise FileNotFoundError(key) from exc
            raise StorageUnavailable from exc
        except BotoCoreError as exc:
            raise StorageUnavailable from exc

    def delete(self, key: str) -> None:
        try:
            self._client.delete_object(Bucket=self.bucket, Key=key)
        except (BotoCoreError, ClientError) as exc:
            raise StorageUnavailable from exc

    def stat(self, key: str) -> StoredObject | None:
        try:
            head = self._client.head_object(Bucket=self.bucket, Key=key)
        except ClientError as exc:
            if exc.response.get("Error", {}).get("Code") in MISSING_CODES:
                return None
            raise StorageUnavailable from exc
        except BotoCoreError as exc:
            raise StorageUnavailable from exc
        return StoredObject(head["ContentLength"], head.get("Metadata", {}).get("sha256"))

    def download_url(self, key: str, *, content_type: str | None = None,
                     filename: str | None = None) -> str:
        params = {"Bucket": self.bucket, "Key": key,
                  "ResponseContentType": content_type_of(key, content_type)}
        if filename:
            params["ResponseContentDisposition"] = attachment_disposition(filename)
        # Signing is arithmetic on this host: no request reaches the store here.
        return self._signer.generate_presigned_url("get_object", Params=params,
                                                   ExpiresIn=self.url_seconds)

    def ensure_bucket(self) -> bool:
        """Create the bucket when it is missing; True when it was created."""
        try:
            self._client.head_bucket(Bucket=self.bucket)
        except ClientError as exc:
            if exc.response.get("Error", {}).get("Code") not in MISSING_CODES:
                raise StorageUnavailable from exc
        except BotoCoreError as exc:
            raise StorageUnavailable from exc
        else:
            return False
        try:
            self._client.create_bucket(Bucket=self.bucket)
        except (BotoCoreError, ClientError) as exc:
            raise StorageUnavailable from exc
        return True


def from_settings(settings: Settings) -> LocalStorage | S3Storage:
    """The store the settings name (``STORAGE_BACKEND`` local or s3)."""
    if settings.storage_backend != "s3":
        return LocalStorage(settings.storage_dir)
    return S3Storage(
        endpoint_url=settings.s3_endpoint_url, bucket=settings.s3_bucket,
        access_key_id=settings.s3_access_key_id,
        secret_access_key=settings.s3_secret_access_key, region=settings.s3_region,
        addressing_style=settings.s3_addressing_style,
        public_endpoint_url=settings.s3_public_endpoint_url,
        url_seconds=settings.s3_url_seconds, connect_timeout=settings.s3_connect_timeout,
        read_timeout=settings.s3_read_timeout, max_attempts=settings.s3_max_attempts)
