"""Errors with codes that say what went wrong and how to fix it (after spaCy's habit)."""

from __future__ import annotations


class NewsloomError(Exception):
    """Base class. ``code`` is stable and searchable; the message says how to fix the problem."""

    code = "E000"

    def __str__(self) -> str:
        return f"[{self.code}] {super().__str__()}"


class ConfigError(NewsloomError):
    code = "E001"


class ModelMissingError(NewsloomError):
    code = "E002"


class StoreError(NewsloomError):
    code = "E003"


class NotFoundError(NewsloomError):
    code = "E004"


class WorkerError(NewsloomError):
    """A model worker of the document half died on a batch (out of memory, killed); the batch was not stored."""

    code = "E006"


class InputRejected(NewsloomError):
    """Raised by readers and cleaners for one input; the pipeline records it and goes on."""

    code = "E100"

    def __init__(self, reason_code: str, reason: str):
        super().__init__(reason)
        self.reason_code = reason_code
        self.reason = reason


class StoreBusyError(StoreError):
    """Another process held the store's write lock for longer than this writer would wait."""

    code = "E005"
