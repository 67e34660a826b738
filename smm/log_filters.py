"""Logging filters named by settings.LOGGING."""

from __future__ import annotations

import logging


class ClientErrorsWithoutTraceback(logging.Filter):
    """Django logs every 4xx answer (a refused role, a missing page) with the exception
    that made it, so a normal 403 prints a traceback. A 4xx is the visitor's mistake, not
    the code's: keep the one line, drop the traceback. 5xx keep theirs."""

    def filter(self, record: logging.LogRecord) -> bool:
        if 400 <= getattr(record, "status_code", 500) < 500:
            record.exc_info = None
            record.exc_text = None
        return True
