"""What a run's figures were measured on: the processor, memory and the versions that matter."""

from __future__ import annotations

import os
import platform
import sqlite3
from pathlib import Path
from typing import Any

import orjson


def machine() -> dict[str, Any]:
    """What the figures were measured on."""
    import eventsourcing
    import pydantic

    cpu = next(
        (
            line.split(":", 1)[1].strip()
            for line in Path("/proc/cpuinfo").read_text().splitlines()
            if line.startswith("model name")
        ),
        platform.processor(),
    )
    memory = next(
        (
            line.split(":", 1)[1].strip()
            for line in Path("/proc/meminfo").read_text().splitlines()
            if line.startswith("MemTotal")
        ),
        "",
    )
    return {
        "nproc": os.cpu_count(),
        "cpu": cpu,
        "memory": memory,
        "python": platform.python_version(),
        "sqlite": sqlite3.sqlite_version,
        "eventsourcing": getattr(eventsourcing, "__version__", _version("eventsourcing")),
        "pydantic": pydantic.VERSION,
        "orjson": orjson.__version__,
        "platform": platform.platform(),
    }


def _version(name: str) -> str:
    from importlib.metadata import version

    return version(name)
