"""One test configuration: Hypothesis profiles and markers.

Profiles (choose with ``MODSPEC_PROFILE``; CI sets ``CI=true`` and gets ``ci``):

* ``dev``: default for local runs, 30 examples.
* ``ci``: derandomized (fixed seed), 25 examples, no deadline: reproducible
  and bounded so the suite stays well inside CI's time budget.
* ``thorough``: 500 examples, for users who want a deeper search.
* ``mutation``: 5 derandomized examples, for mutation testing (one test run per mutant).
"""

from __future__ import annotations

import os

import pytest

from hypothesis import HealthCheck, settings

settings.register_profile("dev", max_examples=30, deadline=None)
settings.register_profile(
    "ci", max_examples=25, deadline=None, derandomize=True, print_blob=True,
    suppress_health_check=[HealthCheck.too_slow],
)
settings.register_profile("thorough", max_examples=500, deadline=None, suppress_health_check=[HealthCheck.too_slow])
settings.register_profile(
    "mutation", max_examples=5, deadline=None, derandomize=True, database=None,
    suppress_health_check=[HealthCheck.too_slow],
)

_default = "ci" if os.environ.get("CI") else "dev"
settings.load_profile(os.environ.get("MODSPEC_PROFILE", _default))

if os.environ.get("MUTANT_UNDER_TEST") == "stats":  # pragma: no cover (only under mutmut's stats pass)
    # mutmut's stats pass records which tests reach which functions. Its trampolines would record in
    # the CLI subprocesses some tests start too, and fail there: outside the run directory mutmut
    # cannot load its configuration. Keep "stats" in this process only (mutmut's process-local
    # copy, read when the variable is absent), so subprocesses run the unmutated code. Mutant runs
    # keep the variable: there subprocesses must run the mutant.
    from mutmut.mutation.trampoline import set_mutant_under_test

    set_mutant_under_test("stats")
    del os.environ["MUTANT_UNDER_TEST"]


@pytest.fixture(scope="session", autouse=True)
def _derivation_cache(tmp_path_factory):
    """The test session's own derivation cache (shared with the CLI subprocesses), never the user's."""
    old = os.environ.get("MODSPEC_CACHE_DIR")
    os.environ["MODSPEC_CACHE_DIR"] = str(tmp_path_factory.mktemp("derivation-cache"))
    yield
    if old is None:
        os.environ.pop("MODSPEC_CACHE_DIR", None)
    else:
        os.environ["MODSPEC_CACHE_DIR"] = old
