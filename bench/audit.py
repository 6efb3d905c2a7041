"""The controller's write requests, counted from the API server's audit log.

The local cluster's audit policy logs the controller's writes and nothing
else (devcluster/cluster.py). The file grows to tens of megabytes at scale,
so it is read on from where the last count stopped.
"""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path


class AuditCounter:
    def __init__(self, path: Path) -> None:
        self.path = path
        self._offset = 0
        self._counts: Counter[str] = Counter()

    def counts(self) -> Counter[str]:
        """Writes so far, by "verb resource[/subresource]"."""
        if self.path.exists():
            with self.path.open("rb") as log:
                log.seek(self._offset)
                data = log.read()
            complete = data.rfind(b"\n") + 1  # a line still being written waits for the next count
            self._offset += complete
            for line in data[:complete].splitlines():
                event = json.loads(line)
                if event.get("stage") != "ResponseComplete":
                    continue
                ref = event.get("objectRef") or {}
                what = ref.get("resource", "?") + (f"/{ref['subresource']}" if ref.get("subresource") else "")
                self._counts[f"{event.get('verb')} {what}"] += 1
        return Counter(self._counts)

    def total(self) -> int:
        return sum(self.counts().values())
