"""The Telegram side of Marsad: commands, alerts, digests, and the ``marsad`` command line."""

import os

# python-telegram-bot 22.2+ returns time periods (RetryAfter.retry_after, ...) as int with a
# deprecation warning on every flood error unless this opts in to the coming timedelta; the
# delivery code reads both (``outcomes.retry_seconds``).
os.environ.setdefault("PTB_TIMEDELTA", "true")
