"""Fabric geometry of the SDK's layout API (`cerebras.geometry.geometry` twins).

`IntVector(x, y)` is a PE coordinate (or an offset); `IntRectangle(ul, lr)` is the half-open
rectangle of PEs from its upper-left corner `ul` (included) to its lower-right corner `lr`
(excluded), as the SDK's own examples use it: `IntRectangle(IntVector(0, 0),
IntVector(1, height))` is column 0 of a region.
"""
from __future__ import annotations

from typing import Iterator

import attrs

from ..errors import LayoutError


def _int(v, what: str) -> int:
    try:
        if isinstance(v, bool) or int(v) != v:
            raise TypeError
    except (TypeError, ValueError):
        raise LayoutError(f"{what}: expected an integer, got {v!r}") from None
    return int(v)


@attrs.frozen(repr=False)
class IntVector:
    """A 2-D integer vector: a PE's (x, y), or an offset between two PEs."""

    x: int = attrs.field(converter=lambda v: _int(v, "IntVector x"))
    y: int = attrs.field(converter=lambda v: _int(v, "IntVector y"))

    def __add__(self, other: "IntVector") -> "IntVector":
        return IntVector(self.x + other.x, self.y + other.y)

    def __sub__(self, other: "IntVector") -> "IntVector":
        return IntVector(self.x - other.x, self.y - other.y)

    def __iter__(self) -> Iterator[int]:
        return iter((self.x, self.y))

    def __repr__(self) -> str:
        return f"IntVector({self.x}, {self.y})"


def as_vector(v, what: str) -> IntVector:
    """An IntVector from an IntVector or an (x, y) pair, or a LayoutError naming `what`."""
    if isinstance(v, IntVector):
        return v
    try:
        x, y = v
    except (TypeError, ValueError):
        raise LayoutError(f"{what}: expected an IntVector or an (x, y) pair, got {v!r}") from None
    return IntVector(x, y)


@attrs.frozen(repr=False)
class IntRectangle:
    """PEs with ul.x <= x < lr.x and ul.y <= y < lr.y."""

    ul: IntVector = attrs.field(converter=lambda v: as_vector(v, "IntRectangle corner"))
    lr: IntVector = attrs.field(converter=lambda v: as_vector(v, "IntRectangle corner"))

    def __attrs_post_init__(self):
        if self.lr.x < self.ul.x or self.lr.y < self.ul.y:
            raise LayoutError(f"{self!r}: the lower-right corner lies above or left of the "
                              "upper-left one")

    @property
    def width(self) -> int:
        return self.lr.x - self.ul.x

    @property
    def height(self) -> int:
        return self.lr.y - self.ul.y

    def __contains__(self, v) -> bool:
        x, y = as_vector(v, "IntRectangle membership")
        return self.ul.x <= x < self.lr.x and self.ul.y <= y < self.lr.y

    def __iter__(self) -> Iterator[IntVector]:
        """Every PE of the rectangle, row by row."""
        for y in range(self.ul.y, self.lr.y):
            for x in range(self.ul.x, self.lr.x):
                yield IntVector(x, y)

    def __repr__(self) -> str:
        return f"IntRectangle({self.ul!r}, {self.lr!r})"
