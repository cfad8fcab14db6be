"""The SDK's execution platform for SdkLayout: which arch, how large a fabric.

`get_platform(cmaddr, config, target)` is the SDK's call. pywse simulates, so `cmaddr` (the
address of a CS system) must be None; the platform is a simulated fabric of the target's
size (`SimfabConfig(fabric_dims=(w, h))` picks another size).
"""
from __future__ import annotations

import enum

import attrs

from ..errors import LayoutError


class SdkTarget(enum.Enum):
    """The WSE generation a layout is compiled for."""

    WSE2 = "wse2"
    WSE3 = "wse3"


FABRIC_DIMS = {SdkTarget.WSE2: (757, 996), SdkTarget.WSE3: (762, 1172)}
"""Default simulated fabric per target: the PEs a CS-2 / CS-3 exposes to programs."""


def _dims(value):
    if value is None:
        return None
    try:
        w, h = (int(v) for v in value)
    except (TypeError, ValueError):
        raise LayoutError(f"SimfabConfig: fabric_dims must be (width, height), got {value!r}") from None
    if w < 1 or h < 1:
        raise LayoutError(f"SimfabConfig: fabric_dims {w}x{h} must be at least 1x1")
    return w, h


@attrs.frozen
class SimfabConfig:
    """Simulator options. `dump_core` is accepted for compatibility (pywse keeps no core
    dumps); `fabric_dims` (pywse's) sets the simulated fabric's size."""

    dump_core: bool = False
    fabric_dims: tuple[int, int] | None = attrs.field(default=None, converter=_dims)


@attrs.frozen
class Platform:
    """What `get_platform` returns: the target and the simulated fabric."""

    target: SdkTarget
    config: SimfabConfig

    @property
    def arch(self) -> str:
        return self.target.value

    @property
    def fabric_dims(self) -> tuple[int, int]:
        return self.config.fabric_dims or FABRIC_DIMS[self.target]


def get_platform(cmaddr: str | None = None, config: SimfabConfig | None = None,
                 target: SdkTarget = SdkTarget.WSE3) -> Platform:
    """The platform to lay out and run on (the SDK's `get_platform`)."""
    if cmaddr:
        raise LayoutError(f"get_platform: cmaddr={cmaddr!r} names a CS system, but pywse only "
                          "simulates; pass cmaddr=None (run.py's --cmaddr left empty)")
    if not isinstance(target, SdkTarget):
        raise LayoutError(f"get_platform: target must be SdkTarget.WSE2 or SdkTarget.WSE3, "
                          f"got {target!r}")
    if config is not None and not isinstance(config, SimfabConfig):
        raise LayoutError(f"get_platform: config must be a SimfabConfig, got {config!r}")
    return Platform(target, config or SimfabConfig())
