"""Tests that need a service (a database, a Docker engine): skipped with the reason for a
developer without it, failed where CI promised it (``ZENML_REQUIRE_SERVICES=1``)."""

from __future__ import annotations

import os

import pytest

REQUIRE_SERVICES = os.environ.get("ZENML_REQUIRE_SERVICES") == "1"  # set by .ci/run


def service_missing(reason: str) -> None:
    """Skip the test, or fail it when the service is required here."""
    if REQUIRE_SERVICES:
        pytest.fail(f"{reason} (ZENML_REQUIRE_SERVICES=1: CI must provide it)")
    pytest.skip(reason)
