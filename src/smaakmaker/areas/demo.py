# SPDX-License-Identifier: EUPL-1.2
"""Areas in the demo: the bundled real CBS data (no fictional areas)."""

from __future__ import annotations

from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from smaakmaker.areas.bundled import BUNDLED, bundled_load


def demo_load(*, stdout) -> None:
    with Progress(
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=stdout,
        transient=True,
    ) as bar:
        task = bar.add_task("Open data van CBS en Gemeente Amsterdam laden", total=None)

        def progress(description: str, done: int, total: int) -> None:
            bar.update(task, description=f"Open data: {description}", completed=done, total=total)

        batches = bundled_load(progress=progress)
    stdout.print(
        f"Gebieden: {len(BUNDLED)} bestanden met open data geladen ({sum(b.values for b in batches)} "
        "indicatorwaarden; Bron: CBS, CC BY 4.0; Gemeente Amsterdam, OIS, Basisbestand Gebieden)"
    )
