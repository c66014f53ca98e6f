"""Logging for the example services: standard logging, with Loguru routed into it.

`opentelemetry-instrument` attaches OpenTelemetry's handler to the root logger, so every record
that reaches the root logger is exported over OTLP with the trace and span ids of the span that
was current when it was logged. Loguru does not use standard logging; `route_loguru()` hands its
records to the standard logger of the same name, so they are exported the same way (seed 002).
"""

import logging
import os

from loguru import logger as loguru_logger

LOG_FORMAT = "%(asctime)s %(levelname)-8s %(name)s: %(message)s"


def log_level() -> str:
    """The level from LOG_LEVEL (DEBUG, INFO, WARNING, ERROR), INFO when unset."""
    return os.environ.get("LOG_LEVEL", "INFO").upper()


class _ToStandardLogging(logging.Handler):
    """A Loguru sink: each record goes on to the standard logger named after its module.

    Loguru puts the fields bound with `logger.bind()` or passed as keywords in `extra`; they become
    attributes of the record here, so OpenTelemetry exports them as log attributes.
    """

    def emit(self, record: logging.LogRecord) -> None:
        extra = record.__dict__.pop("extra", None) or {}
        for key, value in extra.items():
            record.__dict__.setdefault(key, value)
        logging.getLogger(record.name).handle(record)


def route_loguru() -> None:
    """Sends Loguru's records through standard logging (and nowhere else)."""
    loguru_logger.remove()
    loguru_logger.add(_ToStandardLogging(), format="{message}", level=log_level())


def configure_logging() -> None:
    """Console output at LOG_LEVEL for standard logging and Loguru.

    OpenTelemetry's handler stays on the root logger: the logging instrumentation keeps it there
    through `basicConfig()` and `dictConfig()`.
    """
    logging.basicConfig(level=log_level(), format=LOG_FORMAT)
    logging.getLogger().setLevel(log_level())
    route_loguru()
