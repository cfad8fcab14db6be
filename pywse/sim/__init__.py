"""What runs: the meaning of task bodies (builtins, CSL scalar typing, the task compiler) and
the machine they run on (fabric, scheduler, dispatch, engine state). Imports `dsl` and
`layout`; never the host side."""
from ._cacheguard import drop_stale_engine_cache

drop_stale_engine_cache()
