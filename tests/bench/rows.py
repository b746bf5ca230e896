"""The rows of the benchmark table: one per figure, with its target, verdict and correctness
checks; the runner's list prints each row as it lands."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


class Rows(list):  # type: ignore[type-arg]
    """The table so far; each row is printed as it lands, so a long run shows progress and a
    run stopped half-way still leaves its figures on the terminal."""

    def append(self, row: Any) -> None:
        super().append(row)
        print(f"  {row.id}: {row.figure}  [{row.verdict}]", flush=True)

    def extend(self, rows: Any) -> None:
        for row in rows:
            self.append(row)


@dataclass
class Row:
    id: str
    workload: str
    figure: str = "not available"
    target: str = ""
    verdict: str = "n/a"  # pass | short | report | n/a | error
    checks: dict[str, bool] = field(default_factory=dict)
    data: dict[str, Any] = field(default_factory=dict)

    @property
    def checks_ok(self) -> bool:
        return all(self.checks.values())
