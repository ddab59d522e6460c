"""Domain services: the mentoring rules, shared by commands and by scheduled work.

A service takes a :class:`Work` (the open unit of work, the moment it acts at and the
configured settings) and returns values or notices. It knows no actor, no adapter and no
``Context``: a command and a due-item handler call it alike.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from core.ports import UnitOfWork
from core.settings import CoreSettings


@dataclass(frozen=True, slots=True)
class Work:
    uow: UnitOfWork
    now: datetime
    settings: CoreSettings
