"""newsloom: turn the raw flow of web news into clean, cross-checked, cited stories.

The Python API in one breath::

    from newsloom import Config, Pipeline, Store
    store = Store("news.db")
    report = Pipeline(store, Config()).run(["pages/"])
    for story in store.stories():
        print(story["title"], story["articles"])
"""

import os

__version__ = "0.1.0"

# Torch's OpenMP threads spin while they wait for work; beside spaCy's processes and the document workers they
# take the cores they wait for (under load the encoder ran 2.6x slower, docs/benchmarks.md, issue 21). OpenMP
# reads this once, when torch loads it, so it is set on import, before anything imports torch; a user's own
# setting wins.
os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")

from .config import Config  # noqa: E402
from .pipeline import Pipeline  # noqa: E402
from .store import Store  # noqa: E402

__all__ = ["Config", "Pipeline", "Store", "__version__"]
