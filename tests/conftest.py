import pytest
from hypothesis import HealthCheck, settings

# Fuzzing profiles (tests/test_fuzz.py; docs/testing.md, "Fuzzing"). "fast", the default:
# deterministic (the same examples every run, so numba's disk cache covers them) and small.
# "long": `--hypothesis-profile=long`, many random examples, failures kept in .hypothesis/.
_SLOW_IS_FINE = [HealthCheck.too_slow, HealthCheck.data_too_large]
settings.register_profile("fast", max_examples=25, derandomize=True, deadline=None,
                          database=None, print_blob=True, suppress_health_check=_SLOW_IS_FINE)
settings.register_profile("long", max_examples=1000, deadline=None, print_blob=True,
                          suppress_health_check=_SLOW_IS_FINE)
settings.load_profile("fast")


@pytest.fixture(params=[True, False], ids=["jit", "nojit"])
def jit(request):
    """Run a test with compiled task bodies and again as plain Python."""
    return request.param


pytest_plugins = ["pytester"]     # tests/test_plugin.py runs pytest on test files it writes
