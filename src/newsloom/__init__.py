"""newsloom: turn the raw flow of web news into clean, cross-checked, cited stories.

The Python API in one breath::

    from newsloom import Config, Pipeline, Store
    store = Store("news.db")
    report = Pipeline(store, Config()).run(["pages/"])
    for story in store.stories():
        print(story["title"], story["articles"])
"""

__version__ = "0.1.0"

from .config import Config  # noqa: E402
from .pipeline import Pipeline  # noqa: E402
from .store import Store  # noqa: E402

__all__ = ["Config", "Pipeline", "Store", "__version__"]
