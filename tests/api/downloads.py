"""Downloading a stored file through the API, wherever the file lives: the bytes from local
disk, or the redirect to the object store followed the way a phone follows it."""

from __future__ import annotations

from dataclasses import dataclass

import urllib3


@dataclass(frozen=True)
class Downloaded:
    status_code: int
    data: bytes
    mimetype: str


def download(client, url: str, headers: dict) -> Downloaded:
    response = client.get(url, headers=headers)
    if response.status_code != 302:
        return Downloaded(response.status_code, response.data, response.mimetype)
    fetched = urllib3.request("GET", response.headers["Location"])  # no API credentials
    return Downloaded(fetched.status, fetched.data,
                      fetched.headers.get("Content-Type", "").split(";")[0])
