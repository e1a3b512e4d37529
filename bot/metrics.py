"""What `GET /metrics` shows Prometheus: the bot's work, its backlog and its leader.

Counters and the latency histogram are kept as events are handled (`bot.dispatch`);
the backlog is counted in the database at each scrape, so every process shows the same
figures whichever one Prometheus asks; `sogopy_leader` tells which process runs the jobs.
"""

from datetime import datetime

from prometheus_client import CONTENT_TYPE_LATEST, REGISTRY, Counter, Gauge, Histogram
from prometheus_client import generate_latest as _render

from storage.db import SessionMaker
from storage.queries import backlog

CONTENT_TYPE = CONTENT_TYPE_LATEST

UPDATES = Counter("sogopy_updates", "Events handled, by platform and kind", ["platform", "kind"])
ERRORS = Counter("sogopy_handler_errors", "Events whose handlers failed", ["platform"])
LATENCY = Histogram(
    "sogopy_handler_seconds",
    "Time to decide and commit one event",
    ["platform"],
    buckets=(0.002, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5),
)
LEADER = Gauge("sogopy_leader", "1 when this process runs the scheduled jobs, else 0")
BACKLOG = Gauge("sogopy_backlog", "Work waiting in the database, by kind", ["kind"])
BROADCAST = Gauge(
    "sogopy_broadcast_recipients",
    "Recipients of running broadcasts, by broadcast and status",
    ["broadcast", "status"],
)


async def exposition(db: SessionMaker, now: datetime) -> bytes:
    """The text Prometheus reads, with the backlog counted now."""
    async with db() as session:
        waiting, broadcasts = await backlog(session, now)
    for kind, count in waiting.items():
        BACKLOG.labels(kind).set(count)
    BROADCAST.clear()  # finished broadcasts leave the figures
    for (broadcast_id, status), count in broadcasts.items():
        BROADCAST.labels(str(broadcast_id), status).set(count)
    return _render(REGISTRY)
