"""The SDK's CSL libraries, written as pywse modules (`<time>`, `<collectives_2d/pe>`, ...).

Each library is an ordinary pywse module (dsl/modules.py): its tasks, DSDs, colors and queues
cost cycles and wavelets like the user's, the routing checks see them and the harness tests
them. Each registers itself by its CSL name, so a program imports it as CSL does,
`p.import_module("<time>")`, or as Python does, `from pywse.lib import time` then
`p.import_module(time.library)`. Importing pywse imports this package (pywse/__init__.py).
"""
from . import math  # noqa: E402,F401  (<math>)
from . import random  # noqa: E402,F401  (<random>)
from . import control, directions, layout  # noqa: E402,F401  (<control>, <directions>, <layout>)
from .memcpy import memcpy_switches  # noqa: E402,F401  (<memcpy/memcpy_switches>)
from . import collectives_2d  # noqa: E402,F401  (<collectives_2d/params>, <collectives_2d/pe>)
from . import message_passing  # noqa: E402,F401  (<message_passing>, wse3)
from .memcpy import get_params  # noqa: E402,F401  (<memcpy/get_params>)

from . import time  # noqa: E402,F401  (<time>)
from . import simprint  # noqa: E402,F401  (<simprint>)
from . import debug  # noqa: E402,F401  (<debug>)
from . import debug_util  # noqa: E402,F401  (the host reader of <debug> traces)
from .kernels import tally  # noqa: E402,F401  (<kernels/tally/layout>, <kernels/tally/pe>)
from .kernels import fft  # noqa: E402,F401  (<kernels/fft/fft3d_layout>)
from . import malloc  # noqa: E402,F401  (<malloc>)
from . import dsd_ops  # noqa: E402,F401  (<dsd_ops>)
from . import complex  # noqa: E402,F401  (<complex>)
from . import timer  # noqa: E402,F401  (<timer>)
from . import empty  # noqa: E402,F401  (<empty>)
from . import tile_config  # noqa: E402,F401  (<tile_config>)
