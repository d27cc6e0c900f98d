"""DeviceRepo: tracked devices, their sealed SRP verifiers and status (spec §2.4, §4.11)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import bindparam, delete, select, update

from userpool.model.entities import Device, DeviceSecret
from userpool.model.errors import StoreConflict
from userpool.storage.sql.repos.base import Prepared, TxBase
from userpool.storage.sql.repos.verifiers import DEVICE, open_verifier, seal_verifier
from userpool.storage.sql.schema import devices

_d = devices
_GET_DEVICE = Prepared(
    select(_d).where(_d.c.pool_id == bindparam("pool_id"), _d.c.device_key == bindparam("device_key"))
)


class DeviceRepoMixin(TxBase):
    """Devices of a pool's users, one row per device key."""

    def insert_device(self, device: Device) -> None:
        if not self._insert_ignore(_d, self._device_row(device)):
            raise StoreConflict("device")

    def get_device(self, pool_id: str, key: str) -> Device | None:
        row = self._first(_GET_DEVICE, {"pool_id": pool_id, "device_key": key})
        return None if row is None else self._device_from(row)

    def lock_device(self, pool_id: str, key: str) -> Device | None:
        query = select(_d).where(_d.c.pool_id == pool_id, _d.c.device_key == key)
        if self._conn.dialect.name == "postgresql":
            query = query.with_for_update()
        row = self._conn.execute(query).first()
        return None if row is None else self._device_from(row)

    def update_device(self, device: Device) -> None:
        values = self._device_row(device)
        for fixed in ("pool_id", "device_key", "username", "group_key", "created"):
            del values[fixed]
        self._conn.execute(
            update(_d).where(_d.c.pool_id == device.pool_id, _d.c.device_key == device.key).values(values)
        )

    def delete_device(self, pool_id: str, key: str) -> bool:
        result = self._conn.execute(delete(_d).where(_d.c.pool_id == pool_id, _d.c.device_key == key))
        return bool(result.rowcount)

    def list_devices(self, pool_id: str, username: str, limit: int, after: str | None = None, *,
                     confirmed_only: bool = True) -> list[Device]:
        query = select(_d).where(_d.c.pool_id == pool_id, _d.c.username == username)
        if confirmed_only:
            query = query.where(_d.c.verifier.is_not(None))
        if after is not None:
            query = query.where(_d.c.device_key > after)
        rows = self._conn.execute(query.order_by(_d.c.device_key).limit(limit)).all()
        return [self._device_from(row) for row in rows]

    def purge_unconfirmed_devices(self, created_before: float) -> int:
        query = delete(_d).where(_d.c.verifier.is_(None), _d.c.created < created_before)
        return int(self._conn.execute(query).rowcount)

    def _device_row(self, device: Device) -> dict[str, Any]:
        secret = device.secret
        return {
            "pool_id": device.pool_id,
            "device_key": device.key,
            "username": device.username,
            "group_key": device.group_key,
            "created": device.created,
            "last_modified": device.last_modified,
            "last_authenticated": device.last_authenticated,
            "salt": None if secret is None else secret.salt,
            "verifier": None if secret is None else seal_verifier(
                self._box, secret.verifier, DEVICE, device.pool_id, device.username, device.key, salt=secret.salt),
            "remembered": device.remembered,
            "name": device.name,
            "last_ip": device.last_ip,
        }

    def _device_from(self, row: Any) -> Device:
        secret = None
        if row.verifier is not None:
            salt = bytes(row.salt)
            verifier = open_verifier(self._box, bytes(row.verifier), DEVICE, row.pool_id, row.username,
                                     row.device_key, salt=salt)
            secret = DeviceSecret(salt=salt, verifier=verifier)
        return Device(
            pool_id=row.pool_id,
            username=row.username,
            key=row.device_key,
            group_key=row.group_key,
            created=row.created,
            last_modified=row.last_modified,
            last_authenticated=row.last_authenticated,
            secret=secret,
            remembered=bool(row.remembered),
            name=row.name,
            last_ip=row.last_ip,
        )
