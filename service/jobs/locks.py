"""Per-key locks that make a limit's check and the write it guards one step, on every store.

A check then a write in two steps lets two concurrent requests of one key both pass a limit
only one of them fits under. Each function here takes, inside the caller's transaction, a lock
that lasts until that transaction ends:

- PostgreSQL: a transaction-level advisory lock on the key (``pg_advisory_xact_lock`` of the
  pair namespace, ``hashtext(key)``), so only the same key's work waits; a hash collision of
  two keys only makes them wait for each other.
- SQLite: the database's one write lock. A submission opens its transaction with ``BEGIN
  IMMEDIATE``; a claim's compare-and-set ``UPDATE`` takes the write lock itself and holds it to
  the commit, so a check inside that statement already sees every other writer's work.
"""

from __future__ import annotations

from sqlalchemy import text
from sqlalchemy.orm import Session

__all__ = ["hold_claims", "hold_submissions"]

SUBMISSIONS = 0x7173_0001
"""Advisory-lock namespace of a key's submissions (the quota checks and the insert)."""
CLAIMS = 0x7173_0002
"""Advisory-lock namespace of a key's claims (the running-jobs cap and the lease)."""


def hold_submissions(session: Session, owner: str | None) -> None:
    """Wait until this transaction alone may admit jobs of ``owner`` (None: keys off).

    Must be the transaction's first statement: on SQLite it is its ``BEGIN IMMEDIATE``.
    """
    dialect = session.get_bind().dialect.name
    if dialect == "postgresql":
        session.execute(
            text("SELECT pg_advisory_xact_lock(:space, hashtext(:key))"),
            {"space": SUBMISSIONS, "key": owner or ""},
        )
    elif dialect == "sqlite":
        session.connection().exec_driver_sql("BEGIN IMMEDIATE")
    else:
        raise NotImplementedError(f"no per-key lock on {dialect}; use SQLite or PostgreSQL")


def hold_claims(session: Session, owner: str, wait: bool = True) -> bool:
    """Lock ``owner``'s claims for this transaction; False when ``wait`` is off and it is held.

    On SQLite this is a no-op (True): the claim's own ``UPDATE`` serialises the writers.
    """
    if session.get_bind().dialect.name != "postgresql":
        return True
    function = "pg_advisory_xact_lock" if wait else "pg_try_advisory_xact_lock"
    held = session.scalar(
        text(f"SELECT {function}(:space, hashtext(:key))"), {"space": CLAIMS, "key": owner}
    )
    return wait or bool(held)
