"""Checking the case timeline's hash chain (`manage.py verify_audit`); see models.timeline.

The chain alone shows only that the events agree with one another: whoever can write to the
database and run the code can rewrite an event and recompute every later hash and the head.
Checkpoints pin the chain from outside. A checkpoint is the head (sequence, hash, time) signed
with the office key, which is not in the database; it is kept as a row (AuditCheckpoint) and,
once its transaction commits, as a line appended to a file outside the database
(AUDIT_CHECKPOINT_DIR). verify_audit checks every signature, that the two copies agree, and
that the chain still runs through every checkpoint: a rewrite shows as the range between the
last checkpoint that still matches and the first that no longer does.
"""

import dataclasses
import datetime
import json
import os
from collections.abc import Iterable
from pathlib import Path

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from . import signing
from .models import AuditChainHead, AuditCheckpoint, CaseEvent
from .models.timeline import GENESIS

CHECKPOINT_FILE = "checkpoints.jsonl"


@dataclasses.dataclass(frozen=True)
class Checkpoint:
    """A checkpoint as read back from either copy; `where` names the copy in reports."""

    sequence: int
    hash: str
    at: str  # ISO 8601 in UTC, as signed
    signature: str
    where: str = dataclasses.field(compare=False)

    @property
    def key(self) -> tuple[int, str, str]:
        return self.sequence, self.hash, self.at

    def is_signed(self) -> bool:
        data = _signed_bytes(self.sequence, self.hash, self.at)
        return signing.verify_bytes(data, self.signature)


def checkpoint_path() -> Path:
    return Path(settings.AUDIT_CHECKPOINT_DIR) / CHECKPOINT_FILE


def _iso(at: datetime.datetime) -> str:
    return at.astimezone(datetime.UTC).isoformat(timespec="microseconds")


def _signed_bytes(sequence: int, last_hash: str, at: str) -> bytes:
    # Named, so that a signature made for anything else never passes for a checkpoint's.
    content = {"t": "audit-checkpoint", "sequence": sequence, "hash": last_hash, "at": at}
    return json.dumps(content, sort_keys=True, separators=(",", ":")).encode()


# --- Writing -----------------------------------------------------------------------------------


@transaction.atomic(savepoint=False)
def checkpoint() -> AuditCheckpoint:
    """Sign the chain's head as the current transaction has it, under the head's row lock.

    The row is written now, the file line only once the transaction commits: a transaction
    that rolls back leaves no checkpoint of a head that never existed. A head that the latest
    checkpoint already records is not signed again; that checkpoint is returned.
    """
    head = AuditChainHead.objects.select_for_update().filter(pk=1).first()
    sequence, last_hash = (head.last_sequence, head.last_hash) if head else (0, GENESIS)
    latest = AuditCheckpoint.objects.order_by("-pk").first()
    if latest is not None and (latest.sequence, latest.hash) == (sequence, last_hash):
        return latest
    at = timezone.now()
    signature = signing.sign_bytes(_signed_bytes(sequence, last_hash, _iso(at)))
    made = AuditCheckpoint.objects.create(
        sequence=sequence, hash=last_hash, at=at, signature=signature
    )
    line = {"sequence": sequence, "hash": last_hash, "at": _iso(at), "signature": signature}
    # After the commit nothing can undo the row: a file store that fails is logged, and
    # verify_audit then reports the row missing from the file.
    transaction.on_commit(lambda: _append(json.dumps(line) + "\n"), robust=True)
    return made


def _append(line: str) -> None:
    path = checkpoint_path()
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("a", encoding="utf-8") as store:  # one write, at the end (O_APPEND)
        store.write(line)
        store.flush()
        os.fsync(store.fileno())


# --- Reading back ------------------------------------------------------------------------------


def _database_checkpoints() -> list[Checkpoint]:
    rows = AuditCheckpoint.objects.order_by("pk").iterator(chunk_size=2000)
    return [
        Checkpoint(row.sequence, row.hash, _iso(row.at), row.signature, f"database row {row.pk}")
        for row in rows
    ]


def _file_checkpoints() -> tuple[list[Checkpoint], list[str]]:
    path = checkpoint_path()
    if not path.exists():
        return [], []
    found, problems = [], []
    with path.open(encoding="utf-8") as store:
        for number, line in enumerate(store, 1):
            where = f"line {number} of {path}"
            if not line.strip():
                continue
            if (read := _parse(line, where)) is None:
                problems.append(f"{where} is not a checkpoint")
            else:
                found.append(read)
    return found, problems


def _parse(line: str, where: str) -> Checkpoint | None:
    try:
        item = json.loads(line)
        values = [item["sequence"], item["hash"], item["at"], item["signature"]]
    except (ValueError, TypeError, KeyError):
        return None
    if type(values[0]) is not int or not all(isinstance(v, str) for v in values[1:]):
        return None
    return Checkpoint(*values, where=where)


def _missing(checkpoints: list[Checkpoint], text: str) -> list[str]:
    if not checkpoints:
        return []
    first = min(checkpoints, key=lambda c: (c.sequence, c.at))
    return [
        f"{len(checkpoints)} checkpoint(s) {text}, the first of {first.at} "
        f"recording #{first.sequence} as {first.hash}"
    ]


def read_checkpoints() -> tuple[list[Checkpoint], list[str]]:
    """Every genuinely signed checkpoint, from both copies, and what is wrong with the copies:
    a forged signature, an unreadable line, a checkpoint in one copy and not the other."""
    in_database = _database_checkpoints()  # first: a row is committed before its line
    in_file, problems = _file_checkpoints()
    verdict = {c: c.is_signed() for c in in_database + in_file}  # a row and its line: once
    problems += [
        f"{c.where}: the checkpoint of {c.at} recording #{c.sequence} as {c.hash} is forged "
        "(its signature does not verify)"
        for c in in_database + in_file
        if not verdict[c]
    ]
    database = [c for c in in_database if verdict[c]]
    file = [c for c in in_file if verdict[c]]
    database_keys, file_keys = {c.key for c in database}, {c.key for c in file}
    problems += _missing(
        [c for c in database if c.key not in file_keys],
        f"in the database are not in the file store {checkpoint_path()}",
    )
    problems += _missing(
        [c for c in file if c.key not in database_keys],
        "in the file store are not in the database",
    )
    return list({c.key: c for c in file + database}.values()), problems


# --- Checking ----------------------------------------------------------------------------------


def first_problem(checkpoints: Iterable[Checkpoint] = ()) -> str | None:
    """Walk the chain; describe the first altered, missing or inserted event, if any, and, given
    checkpoints, the first range of events rewritten or removed since one was signed."""
    pending = sorted(checkpoints, key=lambda c: c.sequence, reverse=True)  # next one last
    matched = None
    expected_sequence, previous = 1, GENESIS
    events = CaseEvent.objects.order_by("sequence").iterator(chunk_size=2000)
    while True:
        # The chain up to expected_sequence - 1 holds together and ends in `previous`.
        while pending and pending[-1].sequence == expected_sequence - 1:
            recorded = pending.pop()
            if recorded.hash != previous:
                return _rewritten(recorded, previous, matched)
            matched = recorded
        event = next(events, None)
        if event is None:
            break
        if event.sequence != expected_sequence:
            return f"event #{expected_sequence} is missing (found #{event.sequence} next)"
        if event.prev_hash != previous or event.digest() != event.hash:
            return f"event #{event.sequence} (id {event.pk}) was altered"
        expected_sequence, previous = expected_sequence + 1, event.hash
    last = expected_sequence - 1
    head = AuditChainHead.objects.filter(pk=1).first()
    if head and (head.last_sequence != last or head.last_hash != previous):
        return f"the last events after #{last} are missing"
    if pending:
        beyond = pending[-1]
        return (
            f"events after #{last} were removed: the checkpoint of {beyond.at} records "
            f"#{beyond.sequence} as {beyond.hash}, the database ends at #{last}"
        )
    return None


def _rewritten(recorded: Checkpoint, found: str, matched: Checkpoint | None) -> str:
    start, end = (matched.sequence + 1 if matched else 1), recorded.sequence
    span = f"events #{start}–#{end} were" if start < end else f"event #{end} was"
    still = f"#{matched.sequence}" if matched else "none"
    return (
        f"{span} rewritten: the checkpoint of {recorded.at} records #{end} as {recorded.hash}, "
        f"the database has {found}; the last checkpoint that still matches is {still}"
    )


def problems() -> list[str]:
    """All that `manage.py verify_audit` reports: what is wrong with the checkpoints, then the
    chain's first problem, checked against every genuinely signed checkpoint."""
    checkpoints, found = read_checkpoints()
    chain = first_problem(checkpoints)
    return found + ([chain] if chain else [])
