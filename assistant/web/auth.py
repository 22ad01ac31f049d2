"""Login for the web app: PBKDF2 password hashes, read from ``COACH_WEB__AUTH`` or a users file.

A hash has Django's format, ``pbkdf2_sha256$<iterations>$<salt>$<base64 sha256>``, so hashes made by
other tools that follow it work here too. Plain passwords are never stored or accepted in settings.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import ipaddress
import secrets
from pathlib import Path

from assistant.errors import ConfigError

ALGORITHM = "pbkdf2_sha256"
#: OWASP's 2023 advice for PBKDF2-HMAC-SHA256; a login costs ~0.3 s on a laptop core.
ITERATIONS = 600_000
_SALT_ALPHABET = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"


def hash_password(password: str, *, iterations: int = ITERATIONS, salt: str | None = None) -> str:
    """Hash a password for ``COACH_WEB__AUTH``.

    Args:
        password: The password.
        iterations: PBKDF2 rounds (tests use few; keep the default otherwise).
        salt: A fixed salt (tests only); random by default.
    """
    salt = salt or "".join(secrets.choice(_SALT_ALPHABET) for _ in range(22))
    digest = hashlib.pbkdf2_hmac("sha256", password.encode(), salt.encode(), iterations)
    return f"{ALGORITHM}${iterations}${salt}${base64.b64encode(digest).decode('ascii')}"


def verify_password(password: str, encoded: str) -> bool:
    """Whether a password matches a hash (constant-time compare; a malformed hash never matches)."""
    try:
        algorithm, iterations, salt, expected = encoded.split("$", 3)
        rounds = int(iterations)
    except ValueError:
        return False
    if algorithm != ALGORITHM or rounds < 1:
        return False
    digest = hashlib.pbkdf2_hmac("sha256", password.encode(), salt.encode(), rounds)
    return hmac.compare_digest(base64.b64encode(digest).decode("ascii"), expected)


def _parse_pair(entry: str, where: str) -> tuple[str, str]:
    user, sep, encoded = entry.strip().partition(":")
    if not sep or not user.strip() or not encoded.startswith(f"{ALGORITHM}$") or encoded.count("$") != 3:
        raise ConfigError(
            f"{where}: expected user:{ALGORITHM}$iterations$salt$hash "
            "(make one with `coach web-password USER`)"
        )
    return user.strip(), encoded.strip()


def load_users(spec: str) -> dict[str, str]:
    """Read the users from ``COACH_WEB__AUTH``: ``user:hash`` pairs separated by commas, or a file path.

    Returns:
        User name → password hash; empty when spec is empty (no login).

    Raises:
        ConfigError: The file cannot be read or an entry is not ``user:hash``.
    """
    spec = spec.strip()
    if not spec:
        return {}
    if ":" not in spec or Path(spec).expanduser().is_file():
        path = Path(spec).expanduser()
        if not path.is_file():
            # Not echoed: a value that names no file may be a password pasted here by mistake.
            raise ConfigError("COACH_WEB__AUTH is neither user:hash pairs nor the path of a users file")
        try:
            lines = path.read_text(encoding="utf-8").splitlines()
        except OSError as exc:
            raise ConfigError(f"COACH_WEB__AUTH: cannot read the users file {path}: {exc.strerror}") from exc
        entries = [(f"{path}:{n}", line) for n, line in enumerate(lines, 1)]
    else:
        entries = [(f"COACH_WEB__AUTH entry {n}", part) for n, part in enumerate(spec.split(","), 1)]
    users = dict(
        _parse_pair(line, where)
        for where, line in entries
        if line.strip() and not line.lstrip().startswith("#")
    )
    if not users:
        raise ConfigError("COACH_WEB__AUTH names a users file with no users in it")
    return users


class Authenticator:
    """The ``(user, password) -> bool`` check Gradio calls at login.

    Args:
        users: User name → password hash (see :func:`load_users`).
    """

    def __init__(self, users: dict[str, str]) -> None:
        self._users = dict(users)
        # Unknown users are checked against a dummy hash so a login takes as long either way.
        self._dummy = hash_password(secrets.token_hex(8), iterations=ITERATIONS, salt="dummy")

    def __call__(self, user: str, password: str) -> bool:
        """Whether the user exists and the password matches."""
        encoded = self._users.get(user)
        return verify_password(password, encoded or self._dummy) and encoded is not None

    async def check(self, user: str, password: str) -> bool:
        """:meth:`__call__` on a worker thread: what Gradio is given.

        Gradio runs a plain auth function on its event loop, and a PBKDF2 check takes ~0.1 s, so a
        handful of logins at once would stall every other request (measured: /health 0.02 s → 1.8 s
        under 16 wrong logins). Gradio awaits a coroutine function instead.
        """
        import anyio.to_thread

        return await anyio.to_thread.run_sync(self, user, password)


def is_loopback(host: str) -> bool:
    """Whether a listen address only accepts connections from this machine."""
    if host.strip().lower() == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False  # a host name: it may resolve to anything


def check_bind(host: str, users: dict[str, str]) -> None:
    """Refuse to listen beyond this machine without a login.

    Raises:
        ConfigError: The address is not a loopback one and no users are configured.
    """
    if not users and not is_loopback(host):
        raise ConfigError(
            f"refusing to listen on {host} without a login: set COACH_WEB__AUTH (see `coach web-password`) "
            "or use --host 127.0.0.1"
        )
