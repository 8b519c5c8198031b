"""A real Neo4j Community server for the tests, fetched from Maven Central and run with Java 17.

CI has no Docker engine, so `tests/neo4j/pom.xml` copies the server's jars (and APOC) into
`build/neo4j/dist/` and this module runs its entry point with the machine's Java, on
127.0.0.1 and a free port, with its home under `build/neo4j/` (git-ignored). The Maven
repository is cached in `build/m2`, so a CI run downloads once.

    server = Neo4jServer(Path("build/neo4j/main"))
    server.start()          # waits for `Started.`; raises with the log's tail otherwise
    ...                     # bolt://127.0.0.1:<server.port>
    server.stop()           # SIGTERM to the java process we started, then wait

Nothing here skips: a server that does not come up raises `ServerError`, which fails the run.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import signal
import socket
import subprocess
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BUILD = ROOT / "build"
POM = ROOT / "tests" / "neo4j" / "pom.xml"
DIST = BUILD / "neo4j" / "dist"
JAVA_17 = Path("/usr/lib/jvm/java-17-openjdk-amd64")
START_LIMIT = 120.0
# The file settings of docker-compose.yml (docs/security.md, "Read-only Cypher"): LOAD CSV
# takes no file URLs, the import folder is an empty one, and APOC reads and writes no files
# (APOC's defaults, pinned). `dealgraph cypher`'s guard must not depend on them; a test
# starts a server that allows files to prove it.
FILE_SETTINGS = {"dbms.security.allow_csv_import_from_file_urls": "false"}
APOC_SETTINGS = {
    "apoc.import.file.enabled": "false",
    "apoc.export.file.enabled": "false",
    "apoc.import.file.use_neo4j_config": "true",
}


class ServerError(RuntimeError):
    """The test server could not be fetched, started or stopped; the message has the log."""


def java_executable() -> str:
    """JAVA_HOME's java, else Java 17 where Debian puts it (a Temurin 25 is also installed
    on CI and runs Neo4j 5.26 only with an 'unsupported runtime' warning), else `java`."""
    home = os.environ.get("JAVA_HOME")
    if home and (Path(home) / "bin" / "java").exists():
        return str(Path(home) / "bin" / "java")
    if (JAVA_17 / "bin" / "java").exists():
        return str(JAVA_17 / "bin" / "java")
    return "java"


def fetch_server() -> Path:
    """Run Maven once per pom version; return the folder holding lib/ and plugins/."""
    stamp = DIST / "pom.sha256"
    digest = hashlib.sha256(POM.read_bytes()).hexdigest()
    if stamp.exists() and stamp.read_text() == digest and any((DIST / "lib").glob("neo4j-*.jar")):
        return DIST
    shutil.rmtree(DIST, ignore_errors=True)
    env = dict(os.environ)
    if not env.get("JAVA_HOME") and JAVA_17.exists():
        env["JAVA_HOME"] = str(JAVA_17)
    command = ["mvn", "-q", "-B", "-f", str(POM), "package", f"-Dmaven.repo.local={BUILD / 'm2'}"]
    try:
        done = subprocess.run(command, env=env, capture_output=True, text=True, timeout=600)
    except (OSError, subprocess.TimeoutExpired) as exc:
        raise ServerError(f"cannot fetch Neo4j with Maven ({' '.join(command)}): {exc}") from exc
    if done.returncode != 0:
        output = done.stdout[-3000:] + done.stderr[-3000:]
        raise ServerError(f"Maven failed to fetch Neo4j ({' '.join(command)}):\n{output}")
    stamp.write_text(digest)
    return DIST


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class Neo4jServer:
    """One Neo4j process with its own home folder; `password` turns authentication on,
    `settings` adds or overrides server settings, `apoc` APOC's (written to apoc.conf)."""

    def __init__(
        self,
        home: Path,
        password: str | None = None,
        port: int | None = None,
        settings: dict[str, str] | None = None,
        apoc: dict[str, str] | None = None,
    ):
        self.home = home
        self.password = password
        self.port = port or free_port()
        self.settings = settings or {}
        self.apoc = {**APOC_SETTINGS, **(apoc or {})}
        self.process: subprocess.Popen | None = None

    @property
    def uri(self) -> str:
        return f"bolt://127.0.0.1:{self.port}"

    @property
    def log(self) -> Path:
        return self.home / "console.log"

    def _prepare(self, dist: Path) -> None:
        """A fresh home with its config folder; the initial password is set before any start."""
        if (self.home / "data").exists():
            return
        shutil.rmtree(self.home, ignore_errors=True)
        (self.home / "conf").mkdir(parents=True)
        (self.home / "conf" / "neo4j.conf").write_text("")
        if self.password:
            env = dict(os.environ, NEO4J_HOME=str(self.home), NEO4J_CONF=str(self.home / "conf"))
            command = [java_executable(), "-cp", f"{dist}/lib/*", "org.neo4j.cli.AdminTool",
                       "dbms", "set-initial-password", self.password]  # fmt: skip
            done = subprocess.run(command, env=env, capture_output=True, text=True, timeout=120)
            if done.returncode != 0:
                raise ServerError(f"set-initial-password failed:\n{done.stdout}{done.stderr}")

    def command(self, dist: Path) -> list[str]:
        settings = {
            "server.default_listen_address": "127.0.0.1",
            "server.bolt.listen_address": f"127.0.0.1:{self.port}",
            "server.http.enabled": "false",
            "server.https.enabled": "false",
            "dbms.security.auth_enabled": "true" if self.password else "false",
            # No lock-out after a wrong password: the failure tests try one on purpose.
            "dbms.security.auth_max_failed_attempts": "0",
            "dbms.usage_report.enabled": "false",
            "server.memory.pagecache.size": "256m",
            "db.tx_log.preallocate": "false",  # a 5 MB home instead of 517 MB
            "server.directories.plugins": str(dist / "plugins"),
            "dbms.security.procedures.unrestricted": "apoc.*",
            "server.directories.import": str(self.home / "import"),  # empty, see _prepare
            **FILE_SETTINGS,
            # Stops in 0.4 s on SIGTERM instead of 10-12 s; data is still checkpointed.
            "internal.dbms.bolt.netty_server_shutdown_quiet_period": "0",
            **self.settings,
        }
        flags = [part for key, value in settings.items() for part in ("-c", f"{key}={value}")]
        return [
            java_executable(), "-Xms512m", "-Xmx1g", "-XX:+UseG1GC", "-Dfile.encoding=UTF-8",
            # C1 only: a short-lived test server starts and warms up in about half the time.
            "-XX:TieredStopAtLevel=1",
            "--add-opens=java.base/java.nio=ALL-UNNAMED",
            "--add-opens=java.base/java.io=ALL-UNNAMED",
            "--add-opens=java.base/sun.nio.ch=ALL-UNNAMED",
            "-cp", f"{dist}/plugins/*:{dist}/lib/*", "org.neo4j.server.CommunityEntryPoint",
            f"--home-dir={self.home}", f"--config-dir={self.home / 'conf'}", "--console-mode",
            *flags,
        ]  # fmt: skip

    def start(self, timeout: float = START_LIMIT) -> Neo4jServer:
        """Start and wait for `Started.` in the console log; raise with the log's tail."""
        dist = fetch_server()
        self._prepare(dist)
        (self.home / "import").mkdir(exist_ok=True)
        # APOC 5 reads its settings from apoc.conf beside neo4j.conf, not from neo4j.conf.
        apoc_conf = "".join(f"{key}={value}\n" for key, value in self.apoc.items())
        (self.home / "conf" / "apoc.conf").write_text(apoc_conf)
        offset = self.log.stat().st_size if self.log.exists() else 0
        with self.log.open("ab") as out:
            self.process = subprocess.Popen(
                self.command(dist), stdout=out, stderr=subprocess.STDOUT, cwd=self.home
            )
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            text = self.log.read_bytes()[offset:].decode("utf-8", "replace")
            if "Started." in text:
                return self
            if self.process.poll() is not None:
                raise ServerError(f"Neo4j exited with status {self.process.returncode} before "
                                  f"it started; log {self.log}:\n{self.tail()}")  # fmt: skip
            time.sleep(0.1)
        self.kill()
        raise ServerError(
            f"Neo4j did not start within {timeout:.0f} s; log {self.log}:\n{self.tail()}"
        )

    def tail(self, lines: int = 40) -> str:
        if not self.log.exists():
            return "(no log)"
        return "\n".join(self.log.read_text("utf-8", "replace").splitlines()[-lines:])

    def _signal(self, sig: int, wait: float) -> None:
        process, self.process = self.process, None
        if process is None or process.poll() is not None:
            return
        process.send_signal(sig)
        try:
            process.wait(timeout=wait)  # also reaps it, so no zombie answers `kill -0`
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=30)

    def stop(self) -> None:
        """SIGTERM the java process we started and wait for it (falls back to SIGKILL)."""
        self._signal(signal.SIGTERM, wait=60)

    def kill(self) -> None:
        """SIGKILL: the crash a load must survive."""
        self._signal(signal.SIGKILL, wait=30)
