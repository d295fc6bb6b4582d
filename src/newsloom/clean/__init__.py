"""clean stage."""
from .extract import PageExtraction, extract_page  # noqa: F401
