"""The domain's ``HomeserverAccounts`` port, backed by the admin API."""

from __future__ import annotations

from bridge.admin import SynapseAdmin
from bridge.errors import BridgeError
from domain.ports import AccountUnavailable, HomeserverDown


class MatrixAccounts:
    def __init__(self, admin: SynapseAdmin) -> None:
        self._admin = admin

    async def register(self, username: str, password: str, display_name: str) -> str:
        try:
            return await self._admin.register(username, password, display_name)
        except BridgeError as exc:
            if exc.errcode in ("M_USER_IN_USE", "M_EXCLUSIVE"):
                raise AccountUnavailable(username) from exc
            raise HomeserverDown(str(exc)) from exc
