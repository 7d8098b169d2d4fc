"""Re-resolve the locations left raw (geocoder down, rate limited) and link them to their places."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from main.service.changes import location_write
from main.service.graph_writer import GraphWriter
from main.service.places import PlaceResolver, location_key
from main.service.ports import GraphStore


@dataclass
class RelocateReport:
    checked: int = 0
    linked: int = 0
    still_raw: int = 0
    changed_meanwhile: int = 0


class Relocator:
    def __init__(self, store: GraphStore, places: PlaceResolver) -> None:
        self.store = store
        self.writer = GraphWriter(store)
        self.places = places

    def run(self, limit: int = 100_000, batch: int = 200, progress: Callable[[int], None] = lambda _n: None):
        report = RelocateReport()
        pending = self.store.raw_located(limit)
        for start in range(0, len(pending), batch):
            chunk = pending[start : start + batch]
            resolved = self.places.resolve_many(location for _, location in chunk)
            for company_key, location in chunk:
                place = resolved[location_key(location)]
                report.checked += 1
                if not place.resolved:
                    report.still_raw += 1
                elif self.writer.relink(company_key, location, location_write(company_key, location, place)):
                    report.linked += 1
                else:
                    report.changed_meanwhile += 1
            progress(len(chunk))
        return report
