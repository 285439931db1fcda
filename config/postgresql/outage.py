"""Fail fast while the database is known to be down (one breaker per process).

Without it, every request that needs the database during an outage waits for the
connection pool's timeout, holding a sync worker all that time, and readers of
cached pages, who need no database at all, queue behind them (issue: 7 answers in
27 s instead of about 1,300). Here:

- a connection attempt that fails (the pool times out, the server refuses), or a
  connection found broken after a query, marks the database *suspect*;
- while suspect, one caller at a time probes with a direct connection bounded by
  PROBE_TIMEOUT (1 s), before the pool is asked; others fail at once;
- a failed probe marks it *down* for DATABASE_RETRY_SECONDS, during which every
  attempt fails at once with OperationalError (a 503 for the reader), then the next
  caller probes again;
- a probe that connects ends the outage: the pool's dead connections are dropped
  and everything goes on. The start and the end of each outage are logged once.
"""

import logging
import threading
import time

import psycopg
from django.conf import settings

logger = logging.getLogger("config.database")
PROBE_TIMEOUT = 1  # seconds: /healthz answers within a second whatever is down


class DatabaseKnownDown(psycopg.OperationalError):
    """Raised at once while the database is known to be unreachable."""


class OutageBreaker:
    def __init__(self) -> None:
        self._lock = threading.Lock()
        self.suspect = False
        self.down_until = 0.0
        self.down_since: float | None = None
        self._probing = False

    def before_connect(self, settings_dict: dict, pool) -> None:
        """Raise DatabaseKnownDown, or return when a connection may be tried."""
        if not self.suspect:
            return
        with self._lock:
            if self._probing or time.monotonic() < self.down_until:
                raise DatabaseKnownDown(self._message())
            self._probing = True
        try:
            self._probe(settings_dict)
        except psycopg.Error as error:
            self.failed(error)
            raise DatabaseKnownDown(self._message()) from error
        finally:
            self._probing = False
        if pool is not None:
            pool.check()  # drop the connections that died with the outage
        self.recovered()

    def check_now(self, settings_dict: dict) -> bool:
        """Can the database be reached right now? For /healthz: within a second,
        and a failure opens the breaker for the requests that follow."""
        if self.suspect and time.monotonic() < self.down_until:
            return False
        try:
            self._probe(settings_dict)
        except psycopg.Error as error:
            self.failed(error)
            return False
        return True

    def failed(self, error: Exception) -> None:
        with self._lock:
            if self.down_since is None:
                self.down_since = time.monotonic()
                logger.error("Database unavailable: %s", error)
            self.suspect = True
            self.down_until = time.monotonic() + settings.DATABASE_RETRY_SECONDS

    def broken_connection(self) -> None:
        """A connection failed a query: the next attempt probes first."""
        self.suspect = True

    def recovered(self) -> None:
        with self._lock:
            if self.down_since is not None:
                logger.warning(
                    "Database reachable again after %.0f s",
                    time.monotonic() - self.down_since,
                )
            self.suspect = False
            self.down_until = 0.0
            self.down_since = None

    def _message(self) -> str:
        return "The database is unavailable (a connection failed moments ago)."

    @staticmethod
    def _probe(settings_dict: dict) -> None:
        with psycopg.connect(
            host=settings_dict["HOST"] or None,
            port=settings_dict["PORT"] or None,
            dbname=settings_dict["NAME"],
            user=settings_dict["USER"] or None,
            password=settings_dict["PASSWORD"] or None,
            connect_timeout=PROBE_TIMEOUT,
        ):
            pass


breaker = OutageBreaker()
