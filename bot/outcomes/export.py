"""Outcomes in the data export: every row, voided ones included (the audit trail), as CSV."""

from __future__ import annotations

import csv
import io
from collections.abc import Callable, Sequence

from bot.storage.models import Outcome

COLUMNS = (
    "member_id",
    "member_name",
    "local_date",
    "kind",
    "quantity",
    "amount",
    "account",
    "note",
    "source",
    "recorded_at",
    "state",  # live, or voided (replaced or removed)
    "voided_at",
)


def outcomes_csv(
    rows: Sequence[tuple[str, str, Outcome]], safe: Callable[[object], object]
) -> bytes:
    """Outcome rows as CSV (UTF-8 with a BOM, like the check-ins); `safe` is the
    spreadsheet-safe cell filter the check-in export uses."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(COLUMNS)
    for external_id, name, row in rows:
        cells = [
            external_id,
            name,
            row.local_date.isoformat(),
            row.kind,
            row.quantity,
            "" if row.amount is None else row.amount,
            row.account or "",
            row.note or "",
            row.source,
            row.created_at.isoformat(timespec="seconds"),
            "live" if row.voided_at is None else "voided",
            "" if row.voided_at is None else row.voided_at.isoformat(timespec="seconds"),
        ]
        writer.writerow([safe(cell) for cell in cells])
    return ("\ufeff" + buffer.getvalue()).encode("utf-8")
