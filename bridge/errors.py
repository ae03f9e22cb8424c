"""Homeserver failures, in one shape whatever the transport said."""

from __future__ import annotations


class BridgeError(Exception):
    def __init__(
        self,
        errcode: str,
        message: str,
        http_status: int | None = None,
        retry_after_ms: int | None = None,
    ) -> None:
        self.errcode = errcode
        self.message = message
        self.http_status = http_status
        self.retry_after_ms = retry_after_ms
        super().__init__(f"{errcode}: {message}")

    @property
    def unreachable(self) -> bool:
        """The homeserver did not answer, or answered that it is broken."""
        return self.errcode == "K_UNREACHABLE" or (self.http_status or 0) >= 500


def unreachable(exc: BaseException) -> BridgeError:
    return BridgeError("K_UNREACHABLE", f"{type(exc).__name__}: {exc}")
