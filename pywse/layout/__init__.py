"""Where programs go on the fabric and whether that is legal: the classic `Layout`, routes
and their networkx checks, and `compile` (cslc's rules, artifacts). Imports `dsl` only."""
