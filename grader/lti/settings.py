"""The platform's settings: a TOML file an admin fills in from the tool registration page.

Exactly these keys (``key_id`` is optional)::

    client_id = "..."            # the tool's client id on the platform
    deployment_id = "..."
    token_url = "https://.../token"
    lineitems_url = "https://.../lineitems"   # the context's line items container (AGS)
    private_key = "tool-key.pem"              # PEM, RS256; a path relative to this file
    key_id = "..."                            # optional: the JWT header's kid
    roster = "roster.csv"                     # columns student_id,lti_user_id

The private key is read once and never printed: its field is a ``SecretStr``.
"""

from __future__ import annotations

import csv
import tomllib
from dataclasses import dataclass
from pathlib import Path

from pydantic import BaseModel, ConfigDict, SecretStr, ValidationError, field_validator


class SettingsError(Exception):
    """A problem with platform.toml or the files it names, phrased for whoever fixes it."""


class _PlatformFile(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    client_id: str
    deployment_id: str
    token_url: str
    lineitems_url: str
    private_key: str
    key_id: str | None = None
    roster: str

    @field_validator("token_url", "lineitems_url")
    @classmethod
    def _http(cls, v: str) -> str:
        if not v.startswith(("https://", "http://")):
            raise ValueError("a URL starting with https:// (copy it from the tool registration page)")
        return v

    @field_validator("client_id", "deployment_id", "private_key", "roster")
    @classmethod
    def _not_empty(cls, v: str) -> str:
        if not v.strip():
            raise ValueError("must not be empty")
        return v


@dataclass(frozen=True)
class Platform:
    """A platform ready to push to: the settings, the key and the roster, all checked."""

    client_id: str
    deployment_id: str
    token_url: str
    lineitems_url: str
    private_key: SecretStr
    key_id: str | None
    #: student_id -> the platform's LTI user id (the ``sub`` of their launches)
    roster: dict[str, str]

    @property
    def name(self) -> str:
        """What identifies this platform in the push ledger (never the key)."""
        return f"{self.client_id} {self.lineitems_url}"


def load_platform(path: Path) -> Platform:
    try:
        raw = tomllib.loads(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise SettingsError(f"{path}: cannot read ({exc.strerror}). Fix: pass --platform "
                            "with the path of your platform.toml") from None
    except tomllib.TOMLDecodeError as exc:
        raise SettingsError(f"{path}: not valid TOML ({exc})") from None
    try:
        spec = _PlatformFile(**raw)
    except ValidationError as exc:
        err = exc.errors()[0]
        key = ".".join(map(str, err["loc"])) or "(file)"
        fix = ("remove it" if err["type"] == "extra_forbidden"
               else "add it" if err["type"] == "missing" else err["msg"])
        raise SettingsError(f"{path}: {key}: {err['msg']}. Fix: {fix}") from None
    key_path = path.parent / spec.private_key
    try:
        key = key_path.read_text(encoding="ascii")
    except (OSError, UnicodeDecodeError):
        raise SettingsError(f"{path}: private_key: cannot read {key_path}. Fix: a PEM file, "
                            "relative to platform.toml") from None
    if "PRIVATE KEY-----" not in key:
        raise SettingsError(f"{path}: private_key: {key_path} is not a PEM private key")
    return Platform(spec.client_id, spec.deployment_id, spec.token_url, spec.lineitems_url,
                    SecretStr(key), spec.key_id, read_roster(path.parent / spec.roster))


def read_roster(path: Path) -> dict[str, str]:
    """student_id -> lti_user_id; a missing column or a student in two rows is an error."""
    try:
        with open(path, newline="", encoding="utf-8-sig") as f:
            reader = csv.DictReader(f)
            columns = set(reader.fieldnames or ())
            if not {"student_id", "lti_user_id"} <= columns:
                raise SettingsError(f"{path}: the header must name student_id and lti_user_id "
                                    f"(found: {', '.join(sorted(columns)) or 'nothing'})")
            roster: dict[str, str] = {}
            for line, row in enumerate(reader, start=2):
                sid, uid = (row["student_id"] or "").strip(), (row["lti_user_id"] or "").strip()
                if not sid or not uid:
                    raise SettingsError(f"{path}:{line}: student_id and lti_user_id are both needed")
                if sid in roster:
                    raise SettingsError(f"{path}:{line}: student {sid} is in two rows. Fix: keep one")
                roster[sid] = uid
    except OSError as exc:
        raise SettingsError(f"{path}: cannot read the roster ({exc.strerror})") from None
    return roster
