"""The SDK's CSL libraries, written as pywse modules (`<time>`, `<collectives_2d/pe>`, ...).

Each library is an ordinary pywse module (dsl/modules.py): its tasks, DSDs, colors and queues
cost cycles and wavelets like the user's, the routing checks see them and the harness tests
them. Each registers itself by its CSL name, so a program imports it as CSL does,
`p.import_module("<time>")`, or as Python does, `from pywse.lib import time` then
`p.import_module(time.library)`. Importing pywse imports this package (pywse/__init__.py).
"""

from . import time  # noqa: E402,F401  (<time>)
from . import simprint  # noqa: E402,F401  (<simprint>)
from . import debug  # noqa: E402,F401  (<debug>)
from . import debug_util  # noqa: E402,F401  (the host reader of <debug> traces)
