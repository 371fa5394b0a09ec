"""Settings, read only from environment variables (documented in README.md)."""

from __future__ import annotations

import ipaddress
import os
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import time
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

MIN_SECRET_LENGTH = 32
DEFAULT_SECRET = "dev-insecure-secret-never-use-in-production"  # noqa: S105 - refused in production


class ConfigError(RuntimeError):
    """The environment does not describe a runnable deployment."""


def _int(env: dict[str, str], name: str, default: int) -> int:
    raw = env.get(name)
    if raw in (None, ""):
        return default
    try:
        return int(raw)
    except ValueError as exc:
        raise ConfigError(f"{name} must be an integer, got {raw!r}") from exc


def _bool(env: dict[str, str], name: str, default: bool) -> bool:
    raw = env.get(name)
    if raw in (None, ""):
        return default
    return raw.strip().lower() in {"1", "true", "yes", "on"}


@dataclass(frozen=True)
class Settings:
    env: str = "development"
    secret_key: str = DEFAULT_SECRET
    database_url: str = "postgresql+psycopg://postgres@127.0.0.1:5432/grid_api"
    redis_url: str = "redis://127.0.0.1:6379/0"
    db_pool_size: int = 10
    database_replica_url: str = ""
    replica_max_lag_seconds: int = 5
    replica_check_seconds: int = 2
    log_level: str = "INFO"
    max_content_length: int = 20 * 1024 * 1024
    default_locale: str = "zh-CN"
    outbox_sweep_seconds: int = 15
    outbox_grace_seconds: int = 10
    outbox_lease_seconds: int = 120
    trusted_proxy_hops: int = 0
    grid_generation_max_cells: int = 20_000
    grid_generation_sync_cells: int = 2_000
    access_token_minutes: int = 15
    refresh_token_days: int = 30
    resident_reports_need_review: bool = True
    timezone: str = "Asia/Shanghai"
    work_day_start: str = "08:30"
    work_day_end: str = "17:30"
    storage_dir: str = "var/media"
    storage_backend: str = "local"
    s3_endpoint_url: str = ""
    s3_public_endpoint_url: str = ""
    s3_bucket: str = ""
    s3_access_key_id: str = ""
    s3_secret_access_key: str = ""
    s3_region: str = "us-east-1"
    s3_addressing_style: str = "path"
    s3_url_seconds: int = 300
    s3_connect_timeout: int = 2
    s3_read_timeout: int = 10
    s3_max_attempts: int = 2
    photo_max_bytes: int = 15 * 1024 * 1024
    photo_far_metres: int = 200
    dispute_days: int = 7
    auto_close_verified: bool = False
    urgent_limit_percent: int = 50
    export_ttl_hours: int = 72
    sla_sweep_seconds: int = 60
    worker_heartbeat_stale_seconds: int = 90
    push_backend: str = "log"  # log, or live: through the channels of PUSH_PROVIDERS
    push_providers: tuple[str, ...] = ("fcm",)
    push_timeout_seconds: int = 10
    # Each enabled push channel reads its own variables (keys included) from here.
    push_environment: Mapping[str, str] = field(default_factory=dict, repr=False,
                                                compare=False)
    push_ttl_seconds: int = 86400
    app_link_prefix: str = "gridapi://cases/"
    escalation_interval_minutes: int = 240
    password_hash_memory_kib: int = 65536
    login_limit_per_account: str = "5 per minute;30 per hour"
    auth_limit_per_address: str = "30 per minute;300 per hour"
    register_limit_per_account: str = "3 per minute;10 per hour"
    open311_jurisdiction_id: str = ""
    webhook_retry_seconds: int = 15
    # Webhook targets: private ranges (a city's intranet) only when allowed; networks listed
    # here are allowed whatever they are (loopback, link-local included).
    webhook_allow_private_targets: bool = False
    webhook_allowed_networks: tuple[str, ...] = ()
    workorder_default_category: str = ""
    open311_contact: str = "城市运行管理服务平台 / City operations centre"
    open311_key_service: str = "API keys are issued by the city's administrators (/api/v1/clients)"
    patrol_max_accuracy_m: int = 50
    patrol_max_walk_speed_kmh: int = 11
    patrol_idle_minutes: int = 120
    patrol_sweep_seconds: int = 300
    track_retention_days: int = 180
    sync_retention_days: int = 30  # answers kept for resent offline batches
    sync_photo_wait_days: int = 7  # a photo sent ahead waits this long for its operation
    tally_depth: int = 2  # daily tallies for the areas this deep (the city, its districts); 0: none
    tally_fold_seconds: int = 60
    # Residents: watch areas and the public case map.
    watch_areas_max: int = 5
    watch_radius_max_m: int = 2000
    watch_digest_hour: int = 8
    watch_digest_sweep_seconds: int = 300
    public_case_map: bool = False
    # Field work: missed reports.
    missed_report_radius_m: int = 30
    missed_report_window_hours: int = 4
    basemap_tile_url: str = ""  # the console's raster basemap, e.g. a city intranet's tiles

    @property
    def production(self) -> bool:
        return self.env == "production"

    @classmethod
    def from_env(cls, env: dict[str, str] | None = None) -> Settings:
        env = dict(os.environ if env is None else env)
        settings = cls(
            env=env.get("GRID_ENV", "development"),
            secret_key=env.get("SECRET_KEY", DEFAULT_SECRET),
            database_url=env.get("DATABASE_URL", cls.database_url),
            redis_url=env.get("REDIS_URL", cls.redis_url),
            db_pool_size=_int(env, "DB_POOL_SIZE", cls.db_pool_size),
            database_replica_url=env.get("DATABASE_REPLICA_URL", cls.database_replica_url),
            replica_max_lag_seconds=_int(env, "REPLICA_MAX_LAG_SECONDS",
                                         cls.replica_max_lag_seconds),
            replica_check_seconds=_int(env, "REPLICA_CHECK_SECONDS", cls.replica_check_seconds),
            log_level=env.get("LOG_LEVEL", cls.log_level).upper(),
            max_content_length=_int(env, "MAX_CONTENT_LENGTH", cls.max_content_length),
            default_locale=env.get("DEFAULT_LOCALE", cls.default_locale),
            outbox_sweep_seconds=_int(env, "OUTBOX_SWEEP_SECONDS", cls.outbox_sweep_seconds),
            outbox_grace_seconds=_int(env, "OUTBOX_GRACE_SECONDS", cls.outbox_grace_seconds),
            outbox_lease_seconds=_int(env, "OUTBOX_LEASE_SECONDS", cls.outbox_lease_seconds),
            trusted_proxy_hops=_int(env, "TRUSTED_PROXY_HOPS", cls.trusted_proxy_hops),
            grid_generation_max_cells=_int(env, "GRID_GENERATION_MAX_CELLS",
                                           cls.grid_generation_max_cells),
            grid_generation_sync_cells=_int(env, "GRID_GENERATION_SYNC_CELLS",
                                            cls.grid_generation_sync_cells),
            access_token_minutes=_int(env, "ACCESS_TOKEN_MINUTES", cls.access_token_minutes),
            refresh_token_days=_int(env, "REFRESH_TOKEN_DAYS", cls.refresh_token_days),
            password_hash_memory_kib=_int(
                env, "PASSWORD_HASH_MEMORY_KIB", cls.password_hash_memory_kib
            ),
            login_limit_per_account=env.get("LOGIN_LIMIT_PER_ACCOUNT",
                                            cls.login_limit_per_account),
            auth_limit_per_address=env.get("AUTH_LIMIT_PER_ADDRESS", cls.auth_limit_per_address),
            register_limit_per_account=env.get("REGISTER_LIMIT_PER_ACCOUNT",
                                               cls.register_limit_per_account),
            timezone=env.get("TIMEZONE", cls.timezone),
            work_day_start=env.get("WORK_DAY_START", cls.work_day_start),
            work_day_end=env.get("WORK_DAY_END", cls.work_day_end),
            storage_dir=env.get("STORAGE_DIR", cls.storage_dir),
            storage_backend=env.get("STORAGE_BACKEND", cls.storage_backend),
            s3_endpoint_url=env.get("S3_ENDPOINT_URL", cls.s3_endpoint_url),
            s3_public_endpoint_url=env.get("S3_PUBLIC_ENDPOINT_URL",
                                           cls.s3_public_endpoint_url),
            s3_bucket=env.get("S3_BUCKET", cls.s3_bucket),
            s3_access_key_id=env.get("S3_ACCESS_KEY_ID", cls.s3_access_key_id),
            s3_secret_access_key=env.get("S3_SECRET_ACCESS_KEY", cls.s3_secret_access_key),
            s3_region=env.get("S3_REGION", cls.s3_region),
            s3_addressing_style=env.get("S3_ADDRESSING_STYLE", cls.s3_addressing_style),
            s3_url_seconds=_int(env, "S3_URL_SECONDS", cls.s3_url_seconds),
            s3_connect_timeout=_int(env, "S3_CONNECT_TIMEOUT", cls.s3_connect_timeout),
            s3_read_timeout=_int(env, "S3_READ_TIMEOUT", cls.s3_read_timeout),
            s3_max_attempts=_int(env, "S3_MAX_ATTEMPTS", cls.s3_max_attempts),
            photo_max_bytes=_int(env, "PHOTO_MAX_BYTES", cls.photo_max_bytes),
            photo_far_metres=_int(env, "PHOTO_FAR_METRES", cls.photo_far_metres),
            dispute_days=_int(env, "DISPUTE_DAYS", cls.dispute_days),
            sla_sweep_seconds=_int(env, "SLA_SWEEP_SECONDS", cls.sla_sweep_seconds),
            worker_heartbeat_stale_seconds=_int(env, "WORKER_HEARTBEAT_STALE_SECONDS",
                                                cls.worker_heartbeat_stale_seconds),
            # "fcm" was the name of the live backend when FCM was the only channel.
            push_backend={"fcm": "live"}.get(backend := env.get("PUSH_BACKEND", "log"),
                                             backend),
            push_providers=tuple(name.strip() for name in env.get(
                "PUSH_PROVIDERS", "fcm").split(",") if name.strip()),
            push_timeout_seconds=_int(env, "PUSH_TIMEOUT_SECONDS", cls.push_timeout_seconds),
            push_environment=env,
            push_ttl_seconds=_int(env, "PUSH_TTL_SECONDS", cls.push_ttl_seconds),
            app_link_prefix=env.get("APP_LINK_PREFIX", cls.app_link_prefix),
            escalation_interval_minutes=_int(env, "ESCALATION_INTERVAL_MINUTES",
                                             cls.escalation_interval_minutes),
            resident_reports_need_review=_bool(
                env, "RESIDENT_REPORTS_NEED_REVIEW", cls.resident_reports_need_review
            ),
            auto_close_verified=_bool(env, "AUTO_CLOSE_VERIFIED", cls.auto_close_verified),
            webhook_retry_seconds=_int(env, "WEBHOOK_RETRY_SECONDS", cls.webhook_retry_seconds),
            webhook_allow_private_targets=_bool(env, "WEBHOOK_ALLOW_PRIVATE_TARGETS",
                                                cls.webhook_allow_private_targets),
            webhook_allowed_networks=tuple(
                name for name in re.split(r"[\s,]+", env.get("WEBHOOK_ALLOWED_NETWORKS", ""))
                if name),
            workorder_default_category=env.get("WORKORDER_DEFAULT_CATEGORY",
                                               cls.workorder_default_category),
            open311_jurisdiction_id=env.get("OPEN311_JURISDICTION_ID",
                                            cls.open311_jurisdiction_id),
            open311_contact=env.get("OPEN311_CONTACT", cls.open311_contact),
            open311_key_service=env.get("OPEN311_KEY_SERVICE", cls.open311_key_service),
            patrol_max_accuracy_m=_int(env, "PATROL_MAX_ACCURACY_M", cls.patrol_max_accuracy_m),
            patrol_max_walk_speed_kmh=_int(env, "PATROL_MAX_WALK_SPEED_KMH",
                                           cls.patrol_max_walk_speed_kmh),
            patrol_idle_minutes=_int(env, "PATROL_IDLE_MINUTES", cls.patrol_idle_minutes),
            patrol_sweep_seconds=_int(env, "PATROL_SWEEP_SECONDS", cls.patrol_sweep_seconds),
            track_retention_days=_int(env, "TRACK_RETENTION_DAYS", cls.track_retention_days),
            sync_retention_days=_int(env, "SYNC_RETENTION_DAYS", cls.sync_retention_days),
            sync_photo_wait_days=_int(env, "SYNC_PHOTO_WAIT_DAYS", cls.sync_photo_wait_days),
            tally_depth=_int(env, "TALLY_DEPTH", cls.tally_depth),
            tally_fold_seconds=_int(env, "TALLY_FOLD_SECONDS", cls.tally_fold_seconds),
            watch_areas_max=_int(env, "WATCH_AREAS_MAX", cls.watch_areas_max),
            watch_radius_max_m=_int(env, "WATCH_RADIUS_MAX_M", cls.watch_radius_max_m),
            watch_digest_hour=_int(env, "WATCH_DIGEST_HOUR", cls.watch_digest_hour),
            watch_digest_sweep_seconds=_int(env, "WATCH_DIGEST_SWEEP_SECONDS",
                                            cls.watch_digest_sweep_seconds),
            public_case_map=_bool(env, "PUBLIC_CASE_MAP", cls.public_case_map),
            missed_report_radius_m=_int(env, "MISSED_REPORT_RADIUS_M",
                                        cls.missed_report_radius_m),
            missed_report_window_hours=_int(env, "MISSED_REPORT_WINDOW_HOURS",
                                            cls.missed_report_window_hours),
            basemap_tile_url=env.get("BASEMAP_TILE_URL", cls.basemap_tile_url),
            urgent_limit_percent=_int(env, "URGENT_LIMIT_PERCENT", cls.urgent_limit_percent),
            export_ttl_hours=_int(env, "EXPORT_TTL_HOURS", cls.export_ttl_hours),
        )
        settings.validate()
        return settings

    def validate(self) -> None:
        if self.env not in {"development", "production", "testing"}:
            raise ConfigError("GRID_ENV must be development, production or testing")
        if not 0 <= self.watch_digest_hour <= 23:  # noqa: PLR2004
            raise ConfigError("WATCH_DIGEST_HOUR must be an hour of the day, 0 to 23")
        weak = self.secret_key == DEFAULT_SECRET or len(self.secret_key) < MIN_SECRET_LENGTH
        if self.production and weak:
            raise ConfigError("SECRET_KEY must be set to a random value of 32+ characters "
                              "in production")
        if self.default_locale not in {"zh-CN", "en"}:
            raise ConfigError("DEFAULT_LOCALE must be zh-CN or en")
        try:
            ZoneInfo(self.timezone)
            start, end = time.fromisoformat(self.work_day_start), time.fromisoformat(
                self.work_day_end)
        except (ValueError, KeyError, ZoneInfoNotFoundError) as exc:
            raise ConfigError("TIMEZONE, WORK_DAY_START or WORK_DAY_END is not valid") from exc
        if start >= end:
            raise ConfigError("WORK_DAY_START must be before WORK_DAY_END")
        if self.trusted_proxy_hops < 0:
            raise ConfigError("TRUSTED_PROXY_HOPS must be 0 (no proxy) or more")
        if self.push_backend not in {"log", "live"}:
            raise ConfigError("PUSH_BACKEND must be log or live")
        if self.tally_depth < 0:
            raise ConfigError("TALLY_DEPTH must be 0 (no tallies) or more")
        if not 1 <= self.urgent_limit_percent <= 100:  # noqa: PLR2004
            raise ConfigError("URGENT_LIMIT_PERCENT must be between 1 and 100")
        for network in self.webhook_allowed_networks:
            try:
                ipaddress.ip_network(network, strict=False)
            except ValueError as exc:
                raise ConfigError("WEBHOOK_ALLOWED_NETWORKS must list CIDR networks, "
                                  f"got {network!r}") from exc
        self._validate_storage()
        self._validate_basemap()

    def _validate_basemap(self) -> None:
        # The URL's origin goes into the console's Content-Security-Policy header: anything
        # but a plain http(s) origin would let a typo (or worse) rewrite that policy.
        url = self.basemap_tile_url
        if not url:
            return
        parts = urlsplit(url)
        unsafe = set(url) & set(" \t\r\n;,'\"<>\\")
        if (parts.scheme not in {"http", "https"} or not parts.hostname or unsafe
                or not all(f"{{{key}}}" in url for key in "zxy")):
            raise ConfigError("BASEMAP_TILE_URL must be an http(s) URL with {z}, {x} and {y} "
                              "and no spaces, quotes, commas or semicolons")

    def _validate_storage(self) -> None:
        if self.storage_backend not in {"local", "s3"}:
            raise ConfigError("STORAGE_BACKEND must be local or s3")
        if self.storage_backend != "s3":
            return
        missing = [name for name, value in (
            ("S3_ENDPOINT_URL", self.s3_endpoint_url), ("S3_BUCKET", self.s3_bucket),
            ("S3_ACCESS_KEY_ID", self.s3_access_key_id),
            ("S3_SECRET_ACCESS_KEY", self.s3_secret_access_key)) if not value]
        if missing:
            raise ConfigError(f"STORAGE_BACKEND=s3 needs {', '.join(missing)}")
        if self.s3_addressing_style not in {"path", "virtual", "auto"}:
            raise ConfigError("S3_ADDRESSING_STYLE must be path, virtual or auto")
        if not 1 <= self.s3_url_seconds <= 7 * 24 * 3600:
            raise ConfigError("S3_URL_SECONDS must be between 1 and 604800")
