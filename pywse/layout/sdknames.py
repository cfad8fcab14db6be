"""SdkLayout's own terms for route errors and lints: region names and region-local
coordinates, the user's `Color` names, `Route.*` sides, and the paint / port / connect call
that made a route.

`compile_sdk` lowers an SdkLayout to a classic layout whose routes carry physical colors,
fabric coordinates and no call sites. The checks and lints (routing.py, lints.py, compile.py)
word their messages through the layout's `route_names()`; the lowered layout answers with
`SdkNames`, read from the compile's plan: who made each route (`Plan.makers` / `Plan.made`)
and which flows meet at each router (`Plan.routers`).
"""
from __future__ import annotations

from ..errors import Site
from .routing import OPPOSITE, RouteNames, RouteTable
from .sdklayout import Color


def region_pe(regions, owner, x: int, y: int) -> str:
    """PE (x, y) (fabric) as its region's: "region 'a' PE (1, 0)"; outside every region,
    its fabric coordinates, said as such."""
    h, w = owner.shape
    if 0 <= y < h and 0 <= x < w and owner[y, x] >= 0:
        region, origin = regions[owner[y, x]]
        return f"region '{region.name}' PE ({x - origin.x}, {y - origin.y})"
    return f"PE ({x}, {y}) of the fabric (outside every region)"


class SdkNames(RouteNames):
    """The words of an SdkLayout program (`plan`: its compile's sdkcompile.Plan)."""

    rx, tx = "input", "output"
    kernel = "the layout's area"
    routed_by = "a paint, a port or a connect"

    def __init__(self, table: RouteTable, plan):
        super().__init__(table)
        self.plan = plan
        self.groups = plan.flows.groups()         # once: naming a flow re-groups them all

    def _region(self, x: int, y: int):
        """(region, local x, local y) of fabric PE (x, y), or None outside every region."""
        owner = self.plan.owner
        if 0 <= y < owner.shape[0] and 0 <= x < owner.shape[1] and owner[y, x] >= 0:
            region, origin = self.plan.regions[owner[y, x]]
            return region, x - origin.x, y - origin.y
        return None

    def pe(self, x: int, y: int) -> str:
        return region_pe(self.plan.regions, self.plan.owner, x, y)

    def _root(self, c: int, x: int | None, y: int | None):
        """The flow on physical color `c` at PE (x, y); else the only flow on `c`, or None."""
        colors = self.plan.colors
        here = [r for r in self.plan.routers.get((x, y), ()) if colors[r] == c]
        if here:
            return min(here, key=self.plan.flows.rank.__getitem__)
        anywhere = [r for r, k in colors.items() if k == c]
        return anywhere[0] if len(anywhere) == 1 else None

    def color(self, c: int, x: int | None = None, y: int | None = None) -> str:
        root = self._root(c, x, y)
        if root is None:
            return f"color {c}"
        return f"{' = '.join(map(repr, self.groups[root]))} (color {c})"

    def at(self, x: int, y: int, c: int) -> str:
        return f"{self.pe(x, y)}, {self.color(c, x, y)}"

    def side(self, d: str) -> str:
        return f"Route.{d}"

    def _maker(self, x: int, y: int, c: int):
        root = self._root(c, x, y)
        k = self.plan.made.get((x, y, root))
        return self.plan.makers[k] if k is not None else None

    def made(self, x: int, y: int, c: int) -> tuple[Site | None, str]:
        maker = self._maker(x, y, c)
        if maker is None:            # a route the PE's program set (p.set_local_color_config)
            return self.table.site(x, y, c), "its route was set here:"
        site, what = maker
        return site, f"its route was made here, by {what}:"

    def lint_site(self, x: int, y: int, c: int) -> Site | None:
        maker = self._maker(x, y, c)
        return maker[0] if maker is not None else self._param_site(x, y, c)

    def lint_note(self, x: int, y: int, c: int) -> str:
        maker = self._maker(x, y, c)
        if maker is None or maker[0] is None:
            return ""
        site, what = maker
        return f" [route made by {what}, {site.file}:{site.line}]"

    def _param_site(self, x: int, y: int, c: int) -> Site | None:
        """The set_param call that gave PE (x, y)'s program color `c` (the last one that
        covers the PE: later calls win)."""
        found = self._region(x, y)
        if found is None:
            return None
        region, lx, ly = found
        for rect, _, value, site in reversed(region.params):
            if isinstance(value, Color) and self.plan.color_of(value) == c and \
                    rect.ul.x <= lx < rect.lr.x and rect.ul.y <= ly < rect.lr.y:
                return site
        return None

    def route_hint(self, x: int, y: int, c: int) -> str:
        found = self._region(x, y)
        root = self._root(c, x, y)
        if found is None or root is None:
            return "Route it to the PE's CE (Route.RAMP)"
        region, lx, ly = found
        members = self.groups[root]
        color = next((m for m in members if m.scope == region.name), members[0])
        return (f"Paint it on region '{region.name}': paint(IntVector({lx}, {ly}), {color!r}, "
                "[RoutingPosition().set_input([...]).set_output([Route.RAMP])]), or give the "
                "region an input port on it")

    def fix_unreceived(self, d: str, nx: int, ny: int) -> str:
        if self._region(nx, ny) is None:
            return (f"no region is there to take it: leave a region through an output port "
                    f"and connect it, or drop {self.side(d)} from the output")
        return f"add {self.side(OPPOSITE[d])} to its input (paint it there)"

    def fix_unfed(self, d: str, nx: int, ny: int) -> str:
        if self._region(nx, ny) is None:
            return (f"no region is there to send it: take it in through an input port and "
                    f"connect it, or drop {self.side(d)} from this input")
        return (f"paint {self.side(OPPOSITE[d])} into that PE's output, or drop {self.side(d)} "
                "from this input")
