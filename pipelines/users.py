"""Board users: names, roles and salted argon2id password hashes in ``$SHAOBING_HOME/users.json``.

Managed with ``shaobing users add|remove|list|demo``. The file is private (mode 0600), replaced
atomically and changed under a lock, so two admins editing it at once lose nobody. A user added
with ``--oidc`` has no password: they sign in through the identity provider (st.login) and their
role comes from here, matched by the e-mail the provider vouches for.
"""
from __future__ import annotations

import fcntl
import hashlib
import json
import os
import re
import secrets
from contextlib import contextmanager
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Iterator

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from . import settings

ROLES = {"leader": "领导", "analyst": "研判人员", "data_staff": "数据专员", "admin": "管理员"}
DEMO_USERS = {"demo-leader": ("leader", "演示领导"), "demo-analyst": ("analyst", "演示研判员"),
              "demo-data": ("data_staff", "演示数据专员"), "demo-admin": ("admin", "演示管理员")}
MIN_PASSWORD = 10
_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._@+-]{1,63}$")


class UserError(ValueError):
    """A user that cannot be added or removed as asked: the message says why, in plain words, for
    the command line; ``chinese`` says it for the board's admin page."""

    def __init__(self, message: str, chinese: str | None = None):
        super().__init__(message)
        self.chinese = chinese or message


@dataclass(frozen=True)
class User:
    username: str
    role: str
    name: str
    oidc: bool = False
    created_at: str = ""
    # a fingerprint of the role and password hash as read (``credential``); not part of who the user is
    credential: str = field(default="", compare=False, repr=False)

    @property
    def role_name(self) -> str:
        return ROLES.get(self.role, self.role)


@cache
def _hasher() -> PasswordHasher:
    return PasswordHasher()  # argon2id with the RFC 9106 low-memory parameters; a random salt per hash


@cache
def _dummy_hash() -> str:
    return _hasher().hash(secrets.token_hex(16))


def users_path() -> Path:
    return settings.home() / "users.json"


def generate_password() -> str:
    """12 characters from an alphabet without look-alikes (0/O, 1/l/I), easy to read out."""
    alphabet = "abcdefghijkmnpqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789"
    return "".join(secrets.choice(alphabet) for _ in range(12))


def _read(path: Path) -> dict:
    try:
        data = json.loads(path.read_text("utf-8"))
    except FileNotFoundError:
        return {}
    except (OSError, ValueError) as exc:
        raise SystemExit(f"users file {path} cannot be read ({exc}); fix or remove it") from None
    return data.get("users", {})


def _write(path: Path, users: dict) -> None:
    tmp = path.with_suffix(f".{os.getpid()}.tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as fh:
        json.dump({"version": 1, "users": users}, fh, ensure_ascii=False, indent=1, sort_keys=True)
        fh.flush()
        os.fsync(fh.fileno())
    os.replace(tmp, path)


@contextmanager
def _editing() -> Iterator[dict]:
    """The users, to change inside the block; written back when it ends, under an exclusive lock."""
    path = users_path()
    with open(path.with_suffix(".lock"), "a") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        users = _read(path)
        yield users
        _write(path, users)


def _user(username: str, row: dict) -> User:
    fingerprint = hashlib.sha256(json.dumps([row.get("role"), row.get("hash"), row.get("oidc")]).encode()).hexdigest()[:32]
    return User(username, row["role"], row.get("name") or username, bool(row.get("oidc")), row.get("created_at", ""),
                fingerprint)


def _check(username: str, role: str, password: str | None) -> None:
    if not _NAME.match(username or ""):
        raise UserError(f"user name {username!r}: use 2–64 letters, digits or . _ @ + - (an e-mail address for OIDC)",
                        f"用户名「{username}」不可用：应为 2–64 个英文字母、数字或 . _ @ + -，以字母或数字开头，"
                        "不含空格和汉字（统一身份认证用户填邮箱）")
    if role not in ROLES:
        raise UserError(f"role {role!r}: expected one of {', '.join(ROLES)}", f"角色「{role}」不存在")
    if password is not None and len(password) < MIN_PASSWORD:
        raise UserError(f"password too short: at least {MIN_PASSWORD} characters", f"密码太短：至少 {MIN_PASSWORD} 个字符")


def add(username: str, role: str, password: str | None = None, name: str | None = None, *,
        replace: bool = False, oidc: bool = False) -> str | None:
    """Add (or with ``replace`` reset) a user; return the password generated when none was given.

    An OIDC user gets no password at all: only the identity provider can sign them in.
    """
    username = (username or "").strip()
    _check(username, role, password)
    generated = None if oidc or password else generate_password()
    with _editing() as users:
        if username in users and not replace:
            raise UserError(f"user {username!r} exists already (use --replace to reset the role and password)",
                            f"用户 {username} 已存在；要重置其角色和密码，请勾选「用户已存在时重置其角色和密码」")
        before = users.get(username) or {}
        # a reset keeps what it was not given: the name (unless a new one is), and when the user was created
        users[username] = {"role": role, "name": (name or "").strip() or before.get("name") or username,
                           "hash": None if oidc else _hasher().hash(password or generated),
                           "oidc": oidc, "created_at": before.get("created_at") or settings.now().isoformat(timespec="seconds")}
    return generated


def remove(username: str) -> None:
    with _editing() as users:
        if username not in users:
            raise UserError(f"no user {username!r}", f"没有用户 {username}")
        del users[username]


def list_users() -> list[User]:
    return [_user(k, v) for k, v in sorted(_read(users_path()).items())]


def get(username: str) -> User | None:
    """The user as the file says now (None once removed): the board re-checks it on every page run."""
    row = _read(users_path()).get(username)
    return _user(username, row) if row else None


def credential(username: str) -> str | None:
    """A fingerprint of the user's role and password hash as the file says now (None once removed):
    a remembered sign-in made under another one (before a reset or a role change) is over."""
    user = get(username)
    return user.credential if user else None


def verify(username: str, password: str) -> User | None:
    """The user if the password is theirs, else None; unknown names cost the same time as known ones."""
    row = _read(users_path()).get((username or "").strip())
    stored = row.get("hash") if row else None
    try:
        _hasher().verify(stored or _dummy_hash(), password or "")
    except (VerificationError, InvalidHashError):
        return None
    return _user(username.strip(), row) if stored else None


def by_email(email: str | None) -> User | None:
    """The OIDC user whose name is this e-mail (case-insensitive), as the provider vouched for it."""
    if not email:
        return None
    for username, row in _read(users_path()).items():
        if row.get("oidc") and username.lower() == email.lower():
            return _user(username, row)
    return None


def reset_demo_users() -> dict[str, tuple[str, str]]:
    """(Re)create one demo user per role with a fresh password: {username: (role, password)}."""
    out = {}
    for username, (role, name) in DEMO_USERS.items():
        out[username] = (role, add(username, role, name=name, replace=True))
    return out
