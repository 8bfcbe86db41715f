"""`casetrace demo` loads through the services: every state, real events, tokens once."""

from __future__ import annotations

from pathlib import Path

from api.host.demo import PEOPLE, load_demo
from api.host.settings import Settings
from api.host.storage import open_services
from domain.licensing.application import Status


def test_the_demo_loads_applications_in_every_state_and_writes_the_tokens_once(
    fresh_database: str, tmp_path: Path
) -> None:
    services = open_services(Settings(), url=fresh_database)
    try:
        lines = load_demo(services, tmp_path)
        statuses = {
            line.split()[-1] for line in lines if line.startswith("application ")
        }
        assert statuses == {s.value for s in Status}
        tokens = (tmp_path / "demo-tokens.txt").read_text(encoding="utf-8")
        assert tokens.count(" token ct_") == len(PEOPLE)
        assert (tmp_path / "demo-tokens.txt").stat().st_mode & 0o777 == 0o600
        secret = tokens.split(" token ")[1].split()[0]
        assert services.registry.authenticate(secret) is not None
        # A second run changes nothing and says where the tokens went.
        again = load_demo(services, tmp_path, if_empty=True)
        assert again == [
            f"demo data already present; tokens were written to {tmp_path / 'demo-tokens.txt'}"
        ]
    finally:
        services.close()
