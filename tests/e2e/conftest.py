"""The whole platform as real processes: nats-server, dev LLM, store, resolver, renderer(s), gateway."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from stack.platform import Platform
from tests.support.api import Api
from tests.support.databases import SchemaTemplate
from tests.support.platforms import started_platforms
from tests.support.tenants import AUTH_A


@pytest.fixture
def start_platform(tmp_path: Path, schema_template: SchemaTemplate) -> Iterator[Callable[..., Platform]]:
    """A platform of the test's own, configured by environment overrides (LLM knobs and such)."""
    yield from started_platforms(tmp_path, schema_template)


@pytest.fixture(scope="session")
def session_platform(tmp_path_factory: pytest.TempPathFactory, schema_template: SchemaTemplate) -> Iterator[Platform]:
    for start in started_platforms(tmp_path_factory.mktemp("platform"), schema_template):
        yield start()


@pytest.fixture(scope="module")
def platform(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory, schema_template: SchemaTemplate
) -> Iterator[Platform]:
    """The default platform; each test makes its own media and jobs on it. A module marked
    `shared_platform` (its tests only call the API) shares one with the other such modules; any other
    module (it restarts or kills a service, or reads their logs) has its own. A test in such a module
    that only calls the API takes `session_platform` instead, so no platform starts for it alone."""
    if request.node.get_closest_marker("shared_platform") is not None:
        yield request.getfixturevalue("session_platform")
        return
    for start in started_platforms(tmp_path_factory.mktemp("platform"), schema_template):
        yield start()


@pytest.fixture
def api(platform: Platform) -> Api:
    return Api(platform.gateway_url, AUTH_A)
