"""Repositories: core's ports implemented with SQLModel on an AsyncSession."""

from storage.repositories.drafts import SqlDrafts
from storage.repositories.due import SqlDueItems
from storage.repositories.identity import SqlAccounts, SqlDialogs, SqlDirectChannels, SqlPeople
from storage.repositories.links import SqlLinks
from storage.repositories.mentoring import (
    SqlAgreements,
    SqlAnswers,
    SqlBlocks,
    SqlCheckIns,
    SqlEnrollments,
    SqlFeedback,
    SqlGoals,
    SqlNotes,
    SqlPairs,
    SqlPrograms,
)
from storage.repositories.outbox import SqlOutbox

__all__ = [
    "SqlAccounts",
    "SqlAgreements",
    "SqlAnswers",
    "SqlBlocks",
    "SqlCheckIns",
    "SqlDialogs",
    "SqlDirectChannels",
    "SqlDrafts",
    "SqlDueItems",
    "SqlEnrollments",
    "SqlFeedback",
    "SqlGoals",
    "SqlLinks",
    "SqlNotes",
    "SqlOutbox",
    "SqlPairs",
    "SqlPeople",
    "SqlPrograms",
]
