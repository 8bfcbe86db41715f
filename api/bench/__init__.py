"""`casetrace bench`: the runner and its phases; each context brings its workload.

The bench lives here, under api/, because it is a `casetrace` subcommand
shipped in the distribution and needs the composition root (api/host: the
settings, the embedded PostgreSQL, the services, the `serve` and `project`
processes); scripts/ only bootstraps a virtualenv and runs.

What is generic lives in this package and names no context: the timed
threads, the raw INSERT baseline, the subprocesses, the HTTP load loop, the
projection-lag poller, rebuild and query timing, the table (`run.py` is the
entry; `phases.py`, `load.py`, `processes.py`, `report.py`). What speaks a
context's language — its staff, its cases, its command mix, its queries — is
its workload (`workload.py` is the protocol), in the context's own api package
(`api/<context>/bench.py`, named by `Context.bench`). The runner measures
every registered context that has one.
"""
