"""The licensing context over HTTP: routers, views, demo data, bench workload."""
