"""Who may use the Evaluate tab (grades: add, change, export).

On loopback (127.0.0.0/8, ::1, localhost: the default) only this machine can reach the
port, so the tab is open. Beyond it, anyone who reaches the port could add or change
grades or export them all through ``/gradio_api/queue/join``, so the tab asks for the
token in ``RAG_GRADER_TOKEN``; with none set, grading stays closed. A token set on
loopback is required there too.
"""
from __future__ import annotations

import hmac
import ipaddress
from dataclasses import dataclass

TOKEN_ENV = "RAG_GRADER_TOKEN"
# 16 characters of `secrets.token_urlsafe()` are 96 bits: beyond guessing over HTTP; a word or a
# PIN is not.
MIN_TOKEN = 16


def is_loopback(host: str) -> bool:
    """Whether ``host`` only accepts connections from this machine.

    >>> [is_loopback(h) for h in ("127.0.0.1", "localhost", "::1", "[::1]", "127.1.2.3", "0.0.0.0", "", "::", "10.0.0.5")]
    [True, True, True, True, True, False, False, False, False]
    """
    h = (host or "").strip().strip("[]").lower()
    if h == "localhost":
        return True
    try:
        return ipaddress.ip_address(h).is_loopback
    except ValueError:  # any other name may resolve beyond this machine
        return False


@dataclass(frozen=True)
class GraderAccess:
    host: str
    token: str = ""  # required when set
    problem: str = ""  # why grading is closed; "" when it is usable

    @property
    def needs_token(self) -> bool:
        return bool(self.token or self.problem)

    def refuse(self, given) -> str:
        """"" when ``given`` opens the Evaluate tab, else the message saying what is missing."""
        if self.problem:
            return self.problem
        if not self.token:
            return ""
        if not isinstance(given, str) or not given:
            return "Grading needs the grader token: type it in the “Grader token” box at the top of this tab."
        if not hmac.compare_digest(given.encode(), self.token.encode()):
            return "That grader token is not the one in RAG_GRADER_TOKEN; check it and try again."
        return ""

    def note(self) -> str:
        """What the Evaluate tab says about access; "" when it is simply open."""
        if self.problem:
            return self.problem
        if self.token:
            return (f"The app listens on {self.host}: running evaluations and reading, saving or exporting "
                    f"grades need the grader token (RAG_GRADER_TOKEN).")
        return ""


def grader_access(host: str, env) -> GraderAccess:
    """The Evaluate tab's access rule for an app listening on ``host``, from ``env`` (os.environ)."""
    token = (env.get(TOKEN_ENV) or "").strip()
    if token and len(token) < MIN_TOKEN:
        return GraderAccess(host, problem=f"Grading is closed: {TOKEN_ENV} is {len(token)} characters, "
                                          f"fewer than {MIN_TOKEN}. Set a longer one and restart the app.")
    if token or is_loopback(host):
        return GraderAccess(host, token)
    return GraderAccess(host, problem=f"Grading is closed: the app listens on {host or 'every interface'}, beyond "
                                      f"this machine, and {TOKEN_ENV} is not set. Restart it with "
                                      f"{TOKEN_ENV} set to a secret of {MIN_TOKEN}+ characters (or on "
                                      f"--host 127.0.0.1) to grade.")
