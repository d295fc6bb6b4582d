"""`newsloom collect`: feeds, sitemaps and pages fetched politely and ingested through the pipeline.

sources.py (what to collect), fetch.py (polite, guarded HTTP), discover.py (feed links, feeds, sitemaps),
urls.py (courlan normalisation and filters), state.py (the store's collect tables), collector.py (a poll).
"""

from ..pipeline import Pipeline, RunReport
from .collector import Collector, PollReport, SourceSummary, stop_on_interrupt
from .sources import Source, load_sources


def pipeline_ingest(pipeline: Pipeline):
    """The collector's ingest step: each batch through the pipeline (committed per batch)."""

    def ingest(items) -> None:
        pipeline.run_items(items, RunReport(inputs=["collect"]))

    return ingest


__all__ = ["Collector", "PollReport", "Source", "SourceSummary", "load_sources", "pipeline_ingest", "stop_on_interrupt"]
