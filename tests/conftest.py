"""Shared fixtures: one store built from examples/ for many tests."""

from __future__ import annotations

import pytest

from support import EXAMPLES


@pytest.fixture(scope="session")
def examples_store(tmp_path_factory):
    """A store built once from examples/, with its run report."""
    from newsloom import Config, Pipeline, Store

    path = tmp_path_factory.mktemp("examples") / "news.db"
    store = Store(path)
    report = Pipeline(store, Config()).run([str(EXAMPLES)])
    yield store, report
    store.close()
