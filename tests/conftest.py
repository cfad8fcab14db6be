import pytest


@pytest.fixture(params=[True, False], ids=["jit", "nojit"])
def jit(request):
    """Run a test with compiled task bodies and again as plain Python."""
    return request.param


pytest_plugins = ["pytester"]     # tests/test_plugin.py runs pytest on test files it writes
