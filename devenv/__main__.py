"""``python -m devenv up|down VAR_DIR``: manage the private services of a checkout.

``up`` prints shell assignments (DATABASE_URL=…, REDIS_URL=…) for the variables that
were not already set, so a script can ``eval`` them. With ``STORAGE_BACKEND=s3`` and no
``S3_ENDPOINT_URL`` it also starts a private SeaweedFS and prints the S3_* settings for it.
"""

import os
import sys
import time
import urllib.request
from pathlib import Path

from devenv.seaweed import SeaweedServer
from devenv.services import PostgisCluster, RedisServer


def wait_for(url: str, seconds: float) -> int:
    """Poll ``url`` until it answers 200; 0 on success, 1 on time-out."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(url, timeout=2) as response:  # noqa: S310 - loopback
                if response.status == 200:  # noqa: PLR2004
                    return 0
        except OSError:
            pass
        time.sleep(0.2)
    print(f"{url} did not become ready in {seconds:.0f}s", file=sys.stderr)
    return 1


def main(argv: list[str]) -> int:
    if len(argv) == 3 and argv[0] == "wait":  # noqa: PLR2004
        return wait_for(argv[1], float(argv[2]))
    if len(argv) != 2 or argv[0] not in {"up", "down"}:  # noqa: PLR2004
        print("usage: python -m devenv up|down VAR_DIR | wait URL SECONDS", file=sys.stderr)
        return 2
    command, var_dir = argv[0], Path(argv[1])
    cluster = PostgisCluster(var_dir / "pg")
    redis = RedisServer(var_dir / "redis")
    seaweed = SeaweedServer(var_dir / "seaweedfs")
    if command == "down":
        cluster.stop()
        redis.stop()
        seaweed.stop()  # may take over ten seconds
        return 0
    if not os.environ.get("DATABASE_URL"):
        print(f"export DATABASE_URL='{cluster.start().url}'")
    if not os.environ.get("REDIS_URL"):
        print(f"export REDIS_URL='{redis.start().url}'")
    if os.environ.get("STORAGE_BACKEND") == "s3" and not os.environ.get("S3_ENDPOINT_URL"):
        for name, value in seaweed.start().env.items():
            print(f"export {name}='{value}'")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
