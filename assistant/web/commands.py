"""``coach web`` (serve the browser app) and ``coach web-password`` (make a login hash)."""

from __future__ import annotations

import argparse
import getpass
import sys
from typing import Any

from assistant.config import Settings
from assistant.errors import InputError


def cmd_web(args: argparse.Namespace, settings: Settings) -> int:
    """Serve the web app until interrupted; prints the URL once it is listening."""
    from assistant.web.server import serve

    host = args.host or settings.web.host
    port = args.port or settings.web.port
    serve(settings, host, port)
    return 0


def cmd_web_password(args: argparse.Namespace, _settings: Settings) -> int:
    """Print ``user:hash`` for COACH_WEB__AUTH or a users file (the password is read without echo)."""
    from assistant.web.auth import hash_password

    user = args.user.strip()
    if not user or ":" in user or "," in user:
        raise InputError("The user name must be non-empty and hold no ':' or ','.")
    if sys.stdin.isatty():
        password = getpass.getpass("Password: ")
        if getpass.getpass("Again: ") != password:
            raise InputError("The passwords differ.")
    else:
        password = sys.stdin.readline().rstrip("\n")
    if len(password) < 8:
        raise InputError("Use a password of at least 8 characters.")
    print(f"{user}:{hash_password(password)}")
    return 0


def _port(text: str) -> int:
    value = int(text)
    if not 1 <= value <= 65535:
        raise argparse.ArgumentTypeError("must be 1-65535")
    return value


def add_commands(sub: Any) -> None:
    """Register ``web`` and ``web-password``."""
    p = sub.add_parser(
        "web",
        help="Serve the coach in the browser (http://127.0.0.1:7860).",
        description="Serve the web app: chat with sources, feedback, one-to-ones, knowledge "
        "upload and status. Listening on anything but a loopback address needs a login "
        "(COACH_WEB__AUTH).",
    )
    p.add_argument("--host", help="Address to listen on (default: COACH_WEB__HOST or 127.0.0.1).")
    p.add_argument("--port", type=_port, help="Port (default: COACH_WEB__PORT or 7860).")
    p.set_defaults(func=cmd_web)

    p = sub.add_parser(
        "web-password",
        help="Make a login line (user:hash) for COACH_WEB__AUTH.",
        description="Reads the password (twice on a terminal, one line from a pipe) and prints "
        "user:pbkdf2_sha256$… for COACH_WEB__AUTH or a users file.",
    )
    p.add_argument("user", help="The user name.")
    p.set_defaults(func=cmd_web_password)
