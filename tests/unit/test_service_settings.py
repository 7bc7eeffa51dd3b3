"""What the services' settings share: by default each finds the others where they listen."""

from __future__ import annotations

import pytest

from tests.support.service_settings import FROM_ENV, settings_of


@pytest.mark.parametrize("client", ["gateway", "resolver", "renderer", "webhooks"])
def test_by_default_every_client_of_the_store_looks_where_the_store_listens(client):
    assert settings_of(client).store_target == settings_of("store").listen


def test_by_default_the_gateway_looks_for_the_resolver_where_it_listens():
    assert settings_of("gateway").resolver_target == settings_of("resolver").listen


def test_by_default_every_nats_client_uses_the_same_url():
    assert len({settings_of(name).nats_url for name in ("gateway", "store", "renderer", "webhooks")}) == 1


@pytest.mark.parametrize("service", sorted(FROM_ENV))
def test_settings_are_frozen(service):
    settings = settings_of(service)
    with pytest.raises(AttributeError):
        settings.__setattr__("listen" if hasattr(settings, "listen") else "port", "elsewhere")
