"""Configuration from environment variables, with safe defaults for local use."""

from __future__ import annotations

import os
import secrets
from pathlib import Path


class ConfigError(RuntimeError):
    """The configuration is unsafe or incomplete; the app refuses to start."""


def _bool(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def _roles(value: str) -> frozenset[str]:
    """A comma-separated list of role names (admin, coordinator, coach, employer)."""
    known = {"admin", "coordinator", "coach", "employer"}
    roles = frozenset(part.strip().lower() for part in value.split(",") if part.strip())
    if unknown := roles - known:
        raise ConfigError(
            f"TWO_FACTOR_REQUIRED_ROLES: unknown role(s) {', '.join(sorted(unknown))}"
        )
    return roles


def _secret_key(instance_path: Path, env: str) -> str:
    key = os.environ.get("SECRET_KEY")
    if key:
        return key
    if env == "production":
        raise ConfigError("SECRET_KEY must be set in production.")
    key_file = instance_path / "secret_key"
    if key_file.exists():
        return key_file.read_text().strip()
    instance_path.mkdir(parents=True, exist_ok=True)
    key = secrets.token_urlsafe(48)
    key_file.write_text(key)
    key_file.chmod(0o600)
    return key


def normalise_database_url(url: str) -> str:
    """Use psycopg 3 for plain postgres:// and postgresql:// URLs."""
    if url.startswith("postgres://"):
        url = "postgresql://" + url[len("postgres://") :]
    if url.startswith("postgresql://"):
        url = "postgresql+psycopg://" + url[len("postgresql://") :]
    return url


def postgres_jit_option(setting: object) -> str:
    """The libpq ``options`` that set PostgreSQL's JIT for a connection: off unless the
    ``POSTGRES_JIT`` setting says on (short web queries lose more compiling than they gain)."""
    jit = "on" if str(setting or "").strip().lower() in ("1", "on", "true") else "off"
    return f"-c jit={jit}"


def load(instance_path: str) -> dict[str, object]:
    """Build the Flask configuration mapping from the environment."""
    instance = Path(instance_path)
    env = os.environ.get("REGISTRY_ENV", "development")
    development = env == "development"
    database_url = os.environ.get("DATABASE_URL") or f"sqlite:///{instance / 'registry.db'}"
    return {
        "ENV_NAME": env,
        "SECRET_KEY": _secret_key(instance, env),
        "SQLALCHEMY_DATABASE_URI": normalise_database_url(database_url),
        "SQLALCHEMY_ENGINE_OPTIONS": {"pool_pre_ping": True},
        "POSTGRES_JIT": os.environ.get("POSTGRES_JIT", "off"),
        "SESSION_COOKIE_HTTPONLY": True,
        "SESSION_COOKIE_SAMESITE": "Lax",
        "SESSION_COOKIE_SECURE": _bool("SESSION_COOKIE_SECURE", not development),
        "REMEMBER_COOKIE_HTTPONLY": True,
        "REMEMBER_COOKIE_SECURE": _bool("SESSION_COOKIE_SECURE", not development),
        "MAX_CONTENT_LENGTH": int(os.environ.get("MAX_CONTENT_LENGTH", 10 * 1024 * 1024)),
        "WTF_CSRF_TIME_LIMIT": None,
        "BABEL_DEFAULT_LOCALE": "nl",
        "BABEL_DEFAULT_TIMEZONE": "Europe/Amsterdam",
        "REGISTRY_TIMEZONE": os.environ.get("REGISTRY_TIMEZONE", "Europe/Amsterdam"),
        "LANGUAGES": ("nl", "en"),
        "RATELIMIT_STORAGE_URI": os.environ.get("RATELIMIT_STORAGE_URI", "memory://"),
        "RATELIMIT_ENABLED": _bool("RATELIMIT_ENABLED", True),
        "RATELIMIT_HEADERS_ENABLED": True,
        "LOGIN_RATE_LIMIT": os.environ.get("LOGIN_RATE_LIMIT", "30 per minute;300 per hour"),
        "SIGNIN_DELAY_AFTER": int(os.environ.get("SIGNIN_DELAY_AFTER", 5)),
        "SIGNIN_DELAY_AFTER_PER_ADDRESS": int(os.environ.get("SIGNIN_DELAY_AFTER_PER_ADDRESS", 20)),
        "SIGNIN_DELAY_SECONDS": int(os.environ.get("SIGNIN_DELAY_SECONDS", 2)),
        "SIGNIN_DELAY_MAX_MINUTES": int(os.environ.get("SIGNIN_DELAY_MAX_MINUTES", 15)),
        "SESSION_IDLE_MINUTES": int(os.environ.get("SESSION_IDLE_MINUTES", 30)),
        "SESSION_MAX_HOURS": int(os.environ.get("SESSION_MAX_HOURS", 12)),
        "TWO_FACTOR_REQUIRED_ROLES": _roles(
            os.environ.get(
                "TWO_FACTOR_REQUIRED_ROLES", "" if development else "admin,coordinator,coach"
            )
        ),
        "TWO_FACTOR_ISSUER": os.environ.get("TWO_FACTOR_ISSUER", "Tweede-spoorregister"),
        "TRUSTED_PROXIES": int(os.environ.get("TRUSTED_PROXIES", 0)),
        "RESET_TOKEN_HOURS": int(os.environ.get("RESET_TOKEN_HOURS", 24)),
        "MAIL_BACKEND": os.environ.get("MAIL_BACKEND", "log" if development else "smtp"),
        "MAIL_SENDER": os.environ.get("MAIL_SENDER", "registry@localhost"),
        "MAIL_DELIVER_ON_REQUEST": _bool("MAIL_DELIVER_ON_REQUEST", development),
        "SMTP_HOST": os.environ.get("SMTP_HOST", "localhost"),
        "SMTP_PORT": int(os.environ.get("SMTP_PORT", 587)),
        "SMTP_USERNAME": os.environ.get("SMTP_USERNAME"),
        "SMTP_PASSWORD": os.environ.get("SMTP_PASSWORD"),
        "SMTP_STARTTLS": _bool("SMTP_STARTTLS", True),
        "BASE_URL": os.environ.get("BASE_URL", "http://127.0.0.1:5000"),
        "GEOCODER": os.environ.get("GEOCODER"),
        "GEOCODER_USER_AGENT": os.environ.get("GEOCODER_USER_AGENT"),
        "MAP_TILE_URL": os.environ.get("MAP_TILE_URL"),
        "MAP_TILE_ATTRIBUTION": os.environ.get("MAP_TILE_ATTRIBUTION", ""),
        # Files attached to placements (issue 20): outside the web root, under random names.
        "ATTACHMENT_DIR": os.environ.get("ATTACHMENT_DIR", str(instance / "attachments")),
        "ATTACHMENT_MAX_BYTES": int(os.environ.get("ATTACHMENT_MAX_BYTES", 5 * 1024 * 1024)),
        # navigation badge counts are kept per user and worker this long (0: every page)
        "BADGE_CACHE_SECONDS": int(os.environ.get("BADGE_CACHE_SECONDS", 20)),
    }
