"""Rebuild one context's read model over N generated events, timed and
optionally profiled: where a rebuild's time goes (docs/benchmarks.md,
"Fifth and sixth runs").

    .venv/bin/python scripts/profile_rebuild.py complaints complaints 200000
    .venv/bin/python scripts/profile_rebuild.py complaints complaints 100000 --profile
"""

from __future__ import annotations

import argparse
import cProfile
import importlib
import pstats
import shutil
import tempfile
import time
from pathlib import Path

from api.bench import phases
from api.host.contexts import registered
from api.host.settings import Settings
from api.host.storage import open_services, start_embedded
from projections.runtime import Projector


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("context")
    parser.add_argument("model")
    parser.add_argument("events", type=int)
    parser.add_argument("--profile", action="store_true")
    args = parser.parse_args()
    context = next(c for c in registered() if c.name == args.context)
    tmp = Path(tempfile.mkdtemp(prefix="casetrace-rebuild-"))
    try:
        url = start_embedded(tmp / "pg", throwaway=True)
        services = open_services(Settings(data_dir=tmp), url=url)
        try:
            bench = importlib.import_module(str(context.bench))
            workload = bench.workload(services)
            workload.seed()
            app = services.apps[context.name]
            phases.generate(app, workload, args.events, 200, 3600)
            models = [
                m
                for m in context.read_models(services.calendar)
                if m.name == args.model
            ]
            projector = Projector(url, dict(services.apps), models)
            projector.prepare()
            profile = cProfile.Profile() if args.profile else None
            began = time.monotonic()
            if profile is not None:
                profile.enable()
            projector.rebuild(args.model)
            if profile is not None:
                profile.disable()
            seconds = time.monotonic() - began
            projector.close()
            events = phases.head(app)
            print(f"rebuilt {args.model}: {events / seconds:,.0f} events/s")
            if profile is not None:
                pstats.Stats(profile).sort_stats("cumtime").print_stats(30)
        finally:
            services.close()
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
