"""docker-compose.yml's Neo4j settings are real settings of the server it runs (Neo4j refuses
to start on an unknown one), memory comes from variables with defaults, and a password under
8 characters is refused."""

from __future__ import annotations

import re
import shutil
import tempfile
from pathlib import Path

import pytest
import yaml
from neo4j_server import BUILD, ROOT, Neo4jServer, ServerError

COMPOSE = ROOT / "docker-compose.yml"
NOT_SETTINGS = {"NEO4J_AUTH", "NEO4J_PLUGINS"}
DEFAULT = re.compile(r"\$\{(\w+):-([^}]*)\}")


def _settings() -> dict[str, str]:
    """The NEO4J_* variables as Neo4j settings, `${VAR:-default}` taken at its default (the
    image maps `_` to `.` and `__` to `_`)."""
    environment = yaml.safe_load(COMPOSE.read_text())["services"]["neo4j"]["environment"]
    settings = {}
    for name, value in environment.items():
        if name in NOT_SETTINGS or name.startswith("NEO4J_apoc_"):
            continue
        key = name.removeprefix("NEO4J_").replace("__", "\0").replace("_", ".").replace("\0", "_")
        settings[key] = DEFAULT.sub(lambda m: m.group(2), str(value))
    return settings


def test_memory_comes_from_variables_with_defaults():
    settings = _settings()
    text = COMPOSE.read_text()
    assert "${NEO4J_HEAP:-" in text and "${NEO4J_PAGECACHE:-" in text
    assert settings["server.memory.heap.max_size"] == settings["server.memory.heap.initial_size"]
    assert settings["dbms.security.auth_minimum_password_length"] == "8"


def test_compose_settings_start_the_server():
    home = Path(tempfile.mkdtemp(prefix="home-compose-", dir=BUILD / "neo4j"))
    shutil.rmtree(home)
    settings = {k: v for k, v in _settings().items() if k != "server.directories.import"}
    server = Neo4jServer(home, password="long-enough-1", settings=settings)
    try:
        server.start()
    finally:
        server.stop()
        shutil.rmtree(home, ignore_errors=True)


def test_a_short_password_is_refused():
    home = Path(tempfile.mkdtemp(prefix="home-short-", dir=BUILD / "neo4j"))
    shutil.rmtree(home)
    server = Neo4jServer(home, password="short")
    try:
        with pytest.raises(ServerError, match="8"):
            server.start()
    finally:
        server.stop()
        shutil.rmtree(home, ignore_errors=True)
