"""Job-system settings, read from the environment so that the web app, ``wfm worker`` and
``wfm scheduler`` on any machine agree without sharing a Flask config object.

- ``WFM_BROKER_URL``: Celery broker (``redis://...`` or ``amqp://...``); unset = in-process pool.
- ``WFM_RESULT_BACKEND``: Celery result backend (default: the broker URL when it is Redis).
- ``WFM_CELERY_QUEUE``: the Celery queue solve jobs go to (default ``wfm``).
- ``WFM_JOB_THREADS``: size of the in-process pool (default 2).
- ``WFM_JOB_HEARTBEAT_TIMEOUT``: seconds without a heartbeat after which a running job is
  declared lost (default 60); workers beat every quarter of it.
- ``WFM_JOB_MAX_ATTEMPTS``: attempts before a lost job is failed for good (default 2).
"""

from __future__ import annotations

import os


def broker_url() -> str | None:
    return os.environ.get("WFM_BROKER_URL") or None


def result_backend() -> str | None:
    explicit = os.environ.get("WFM_RESULT_BACKEND")
    if explicit:
        return explicit
    url = broker_url()
    if url and url.startswith(("redis://", "rediss://")):
        return url
    return None


def pool_threads() -> int:
    return max(1, int(os.environ.get("WFM_JOB_THREADS", "2")))


def heartbeat_timeout() -> float:
    return max(2.0, float(os.environ.get("WFM_JOB_HEARTBEAT_TIMEOUT", "60")))


def heartbeat_interval() -> float:
    return heartbeat_timeout() / 4


def max_attempts() -> int:
    return max(1, int(os.environ.get("WFM_JOB_MAX_ATTEMPTS", "2")))


def celery_queue() -> str:
    return os.environ.get("WFM_CELERY_QUEUE") or "wfm"
