"""Demo generation time, as measured by run.py when it seeded this database.

run.py times `DemoBuilder.build()` (tree, roster, accounts and the registry, in one transaction)
and stores the figure with the registry builder's breakdown in the marker table. This bench
prints them; target: the whole demo at 1,000,000 people in under 5 minutes.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

TARGET_SECONDS = 300

sys.path.insert(0, str(Path(__file__).resolve().parent))


def main() -> bool:
    from run import read_marker_key

    from wangge.demo.tables import render_table

    raw = read_marker_key("seeding")
    if not raw:
        print("SKIP: this database was seeded before seeding times were recorded (run.py --reseed).")
        return True
    info = json.loads(raw)
    people = info.get("people", 0)
    seconds = info["seconds"]
    registry = info.get("registry", {})
    rows = [("whole demo (build)", f"{seconds:.1f}")]
    for key in ("total", "copy", "copy_format", "copy_server", "drop_indexes", "foreign_keys"):
        if key in registry:
            rows.append((f"registry: {key}", f"{registry[key]:.1f}"))
    index_total = sum(v for k, v in registry.items() if k.startswith("index "))
    rows.append(("registry: re-create indexes", f"{index_total:.1f}"))
    for key, value in sorted(registry.items(), key=lambda kv: -kv[1]):
        if key.startswith("index ") and value >= 1:
            rows.append((f"  {key}", f"{value:.1f}"))
    print(f"demo generation at {people:,} people (PostgreSQL, COPY):")
    print(render_table(["step", "seconds"], rows))
    counts = info.get("counts", {})
    if counts:
        print(
            f"counts: {counts.get('people', 0):,} people ({counts.get('people_active', 0):,} active), "
            f"{counts.get('households', 0):,} households, {counts.get('rooms', 0):,} rooms, "
            f"{counts.get('buildings', 0):,} buildings, {counts.get('rentals', 0):,} rentals and shops, "
            f"{counts.get('tenancies', 0):,} tenancies, {counts.get('visits', 0):,} visits, "
            f"{counts.get('party_links', 0):,} party links, {counts.get('person_moves', 0):,} moves"
        )
    ok = seconds < TARGET_SECONDS
    print(f"{'PASS' if ok else 'FAIL'}: {seconds:.1f} s (target < {TARGET_SECONDS} s at 1,000,000 people)")
    return ok
