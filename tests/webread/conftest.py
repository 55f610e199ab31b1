"""Fixtures for the reader tests: the local corpus server and a closed port."""

from __future__ import annotations

import socket
from collections.abc import Iterator

import pytest

from tests.webread.server import Site, start


@pytest.fixture(scope="session")
def site() -> Iterator[Site]:
    state, server = start()
    try:
        yield state
    finally:
        server.shutdown()
        server.server_close()


@pytest.fixture(scope="session")
def closed_port() -> int:
    """A port nobody listens on: connecting is refused at once."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])
