"""Start the FAQ Assistant as a small load-balanced deployment on this machine (loopback only).

    python deploy/launch.py                      # PostgreSQL, 2 chat + 2 API replicas, HAProxy; Ctrl-C stops all
    python deploy/launch.py --api-replicas 1 --chat-replicas 0 --api-port 0 --run-dir /tmp/run

In order: PostgreSQL (``--database-url`` or ``ASSISTANT_DATABASE_URL`` when given, otherwise a throwaway
cluster in a temp folder on a free port, run as the ``postgres`` user when started as root),
``python -m assistant db upgrade``, ``python -m assistant build --if-stale`` (once, before any replica,
so replicas load the index instead of building it side by side), the chat replicas (``python -m
assistant.chat_server``: ``streamlit run app.py`` with the engine loading as the server starts; one
``server.cookieSecret`` for all) and API replicas (``python -m assistant serve``), each on a free port
and waited for until healthy, then HAProxy with ``deploy/haproxy.cfg`` rendered into the run folder.
It prints the URLs, writes ``<run>/<name>.pid`` for every process and ``<run>/state.json``
(ports, PIDs, URLs; ``"ready": true`` once all is up), and on Ctrl-C or SIGTERM stops everything by
PID (HAProxy first, PostgreSQL last). A replica that dies is left dead (HAProxy takes it out of the
pool); HAProxy dying stops the deployment. Stdlib only; logs in ``<run>/logs/``.
"""

from __future__ import annotations

import argparse
import json
import os
import secrets
import shutil
import signal
import socket
import string
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path
from types import FrameType

ROOT = Path(__file__).resolve().parent.parent
TEMPLATE = Path(__file__).resolve().parent / "haproxy.cfg"
PG_BIN = Path(os.environ.get("ASSISTANT_PG_BIN", "/usr/lib/postgresql/15/bin"))
READY_TIMEOUT_S = 300.0  # a replica loads the model and the index; the shared 2-core machine is slow


class LaunchError(RuntimeError):
    """A step of the launch failed; the message says which and where its log is."""


def free_port() -> int:
    """A free TCP port on 127.0.0.1."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _say(message: str) -> None:
    print(f"[launch] {message}", flush=True)


@dataclass
class Proc:
    """One started process: its name, port and Popen."""

    name: str
    port: int
    process: subprocess.Popen[bytes]
    log: Path
    reported: bool = False  # its exit was logged


@dataclass
class Deployment:
    """Everything started, in start order, and how to stop it."""

    run_dir: Path
    procs: list[Proc] = field(default_factory=list)
    pg_folder: Path | None = None  # a throwaway cluster's folder, deleted after it stops
    pg_data: Path | None = None  # ... its data directory, to stop with pg_ctl
    pg_pid: int | None = None
    as_postgres: bool = False
    stopping: bool = False

    # ------------------------------------------------------------------ start
    def start(self, name: str, argv: list[str], port: int, env: dict[str, str]) -> Proc:
        log = self.run_dir / "logs" / f"{name}.log"
        handle = log.open("ab")
        # Its own session: a Ctrl-C in the terminal reaches the launcher only, which stops children in order.
        process = subprocess.Popen(
            argv, cwd=ROOT, env=env, stdout=handle, stderr=subprocess.STDOUT, start_new_session=True
        )
        handle.close()
        proc = Proc(name, port, process, log)
        self.procs.append(proc)
        (self.run_dir / f"{name}.pid").write_text(f"{process.pid}\n")
        _say(f"started {name} (pid {process.pid}, port {port}, log {log})")
        return proc

    def wait_healthy(self, proc: Proc, path: str, timeout: float = READY_TIMEOUT_S) -> None:
        url = f"http://127.0.0.1:{proc.port}{path}"
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.stopping:
                raise LaunchError("stopped while starting")
            if proc.process.poll() is not None:
                raise LaunchError(f"{proc.name} exited with {proc.process.returncode}; see {proc.log}")
            try:
                with urllib.request.urlopen(url, timeout=2) as reply:
                    if reply.status == 200:
                        return
            except (urllib.error.URLError, OSError):
                pass
            time.sleep(0.3)
        raise LaunchError(f"{proc.name} not healthy at {url} after {timeout:.0f} s; see {proc.log}")

    # ------------------------------------------------------------------ stop
    def stop(self) -> None:
        """Stop every process by PID: HAProxy, then the replicas, then PostgreSQL."""
        self.stopping = True
        for proc in reversed(self.procs):
            if proc.process.poll() is None:
                proc.process.terminate()
        deadline = time.monotonic() + 15
        for proc in reversed(self.procs):
            try:
                proc.process.wait(max(0.1, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                _say(f"{proc.name} (pid {proc.process.pid}) ignored SIGTERM: killing it")
                proc.process.kill()
                proc.process.wait(5)
            (self.run_dir / f"{proc.name}.pid").unlink(missing_ok=True)
        if self.pg_data is not None:
            _run(_pg_argv(self.as_postgres, "pg_ctl", "-D", str(self.pg_data), "stop", "-m", "fast"), check=False)
            (self.run_dir / "postgres.pid").unlink(missing_ok=True)
        if self.pg_folder is not None:
            shutil.rmtree(self.pg_folder, ignore_errors=True)
        (self.run_dir / "state.json").unlink(missing_ok=True)
        (self.run_dir / "launch.pid").unlink(missing_ok=True)
        _say("stopped")


def _run(argv: list[str], *, env: dict[str, str] | None = None, check: bool = True, log: Path | None = None) -> None:
    result = subprocess.run(argv, cwd=ROOT, env=env, capture_output=True, text=True, timeout=600, check=False)
    if log is not None:
        with log.open("a", encoding="utf-8") as handle:
            handle.write(f"$ {' '.join(argv)}\n{result.stdout}{result.stderr}")
    if check and result.returncode != 0:
        raise LaunchError(f"{' '.join(argv[:4])} ... failed ({result.returncode}): {result.stderr.strip()[-500:]}")


def _pg_argv(as_postgres: bool, tool: str, *args: str) -> list[str]:
    argv = [str(PG_BIN / tool), *args]
    return ["runuser", "-u", "postgres", "--", *argv] if as_postgres else argv


def start_postgres(deployment: Deployment) -> str:
    """A throwaway PostgreSQL cluster in a temp folder on a free port; returns its SQLAlchemy URL."""
    if not (PG_BIN / "initdb").exists():
        raise LaunchError(f"no {PG_BIN}/initdb: install PostgreSQL or pass --database-url")
    as_postgres = os.geteuid() == 0  # initdb refuses to run as root
    # Its own temp folder, not the run folder: the postgres user must be able to reach it.
    folder = Path(tempfile.mkdtemp(prefix="assistant-deploy-pg-"))
    deployment.pg_folder = folder
    if as_postgres:
        import pwd

        owner = pwd.getpwnam("postgres")
        os.chown(folder, owner.pw_uid, owner.pw_gid)
        folder.chmod(0o700)
    data = folder / "data"
    port = free_port()
    log = deployment.run_dir / "logs" / "postgres.log"
    _run(_pg_argv(as_postgres, "initdb", "-D", str(data), "-A", "trust", "-U", "postgres"), log=log)
    options = f"-p {port} -k {folder} -c listen_addresses=127.0.0.1 -c max_connections=200"
    _run(
        _pg_argv(as_postgres, "pg_ctl", "-D", str(data), "-o", options, "-l", str(folder / "server.log"), "-w", "start")
    )
    deployment.pg_data, deployment.as_postgres = data, as_postgres
    deployment.pg_pid = int((data / "postmaster.pid").read_text().split()[0])
    (deployment.run_dir / "postgres.pid").write_text(f"{deployment.pg_pid}\n")
    _run(_pg_argv(as_postgres, "createdb", "-h", "127.0.0.1", "-p", str(port), "-U", "postgres", "assistant"), log=log)
    _say(f"started PostgreSQL (pid {deployment.pg_pid}, port {port}, data {data})")
    return f"postgresql+psycopg://postgres@127.0.0.1:{port}/assistant"


def render_haproxy(run_dir: Path, ports: dict[str, int], chat: list[Proc], api: list[Proc]) -> Path:
    """``deploy/haproxy.cfg`` with the ports and server lists filled in, written to ``<run>/haproxy.cfg``."""

    def servers(procs: list[Proc], cookie: bool) -> str:
        if not procs:  # HAProxy accepts an empty backend: the frontend then answers 503
            return "    # no replicas"
        return "\n".join(
            f"    server {p.name} 127.0.0.1:{p.port} check" + (f" cookie {p.name}" if cookie else "") for p in procs
        )

    text = string.Template(TEMPLATE.read_text(encoding="utf-8")).substitute(
        run_dir=str(run_dir),
        chat_port=ports["chat"],
        api_port=ports["api"],
        stats_port=ports["stats"],
        chat_servers=servers(chat, cookie=True),
        api_servers=servers(api, cookie=False),
    )
    target = run_dir / "haproxy.cfg"
    target.write_text(text, encoding="utf-8")
    return target


def _port(value: int) -> int:
    return value if value else free_port()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--chat-replicas", type=int, default=2, help="Streamlit chat processes (default 2)")
    parser.add_argument("--api-replicas", type=int, default=2, help="HTTP API processes (default 2)")
    parser.add_argument("--chat-port", type=int, default=8501, help="HAProxy's chat port (0: a free one)")
    parser.add_argument("--api-port", type=int, default=8000, help="HAProxy's API port (0: a free one)")
    parser.add_argument("--stats-port", type=int, default=8404, help="HAProxy's status page port (0: a free one)")
    parser.add_argument("--run-dir", type=Path, help="PID files, logs, state.json, PostgreSQL (default: a temp dir)")
    parser.add_argument(
        "--database-url",
        default=os.environ.get("ASSISTANT_DATABASE_URL", ""),
        help="use this PostgreSQL (default ASSISTANT_DATABASE_URL; neither: a throwaway cluster)",
    )
    parser.add_argument(
        "--cookie-secret",
        default=os.environ.get("STREAMLIT_SERVER_COOKIE_SECRET", ""),
        help="Streamlit's server.cookieSecret for every chat replica (default: a random one per launch)",
    )
    parser.add_argument("--haproxy", default=shutil.which("haproxy") or "haproxy", help="the haproxy binary")
    args = parser.parse_args(argv)
    if args.chat_replicas < 0 or args.api_replicas < 0 or args.chat_replicas + args.api_replicas == 0:
        parser.error(f"replicas: chat {args.chat_replicas}, api {args.api_replicas}; need at least one")
    if shutil.which(args.haproxy) is None:
        parser.error(f"haproxy not found ({args.haproxy!r}): apt-get install -y haproxy")

    run_dir = (args.run_dir or Path(tempfile.mkdtemp(prefix="assistant-deploy-"))).resolve()
    run_dir.mkdir(parents=True, exist_ok=True)
    (run_dir / "logs").mkdir(exist_ok=True)
    (run_dir / "state.json").unlink(missing_ok=True)
    deployment = Deployment(run_dir)

    def on_signal(signum: int, _frame: FrameType | None) -> None:
        raise KeyboardInterrupt(signal.Signals(signum).name)

    signal.signal(signal.SIGTERM, on_signal)
    signal.signal(signal.SIGINT, on_signal)
    try:
        url = args.database_url or start_postgres(deployment)
        env = {**os.environ, "ASSISTANT_DATABASE_URL": url, "PYTHONUNBUFFERED": "1"}
        py = sys.executable
        setup_log = run_dir / "logs" / "setup.log"
        _run([py, "-m", "assistant", "db", "upgrade"], env=env, log=setup_log)
        _say("database migrated")
        started = time.perf_counter()
        _run([py, "-m", "assistant", "build", "--if-stale"], env=env, log=setup_log)
        _say(f"index ready ({time.perf_counter() - started:.1f} s)")

        secret = args.cookie_secret or secrets.token_urlsafe(32)
        chat_env = {**env, "STREAMLIT_SERVER_COOKIE_SECRET": secret}
        chat = [
            deployment.start(
                f"chat{i}",
                [
                    py,
                    "-m",
                    "assistant.chat_server",  # streamlit run app.py, the engine loading as the server starts
                    "--server.address",
                    "127.0.0.1",
                    "--server.port",
                    str(port),
                    "--server.fileWatcherType",
                    "none",
                ],
                port,
                chat_env,  # the secret in the environment: Streamlit refuses it on the command line
            )
            for i, port in ((i, free_port()) for i in range(1, args.chat_replicas + 1))
        ]
        api = [
            deployment.start(
                f"api{i}", [py, "-m", "assistant", "serve", "--host", "127.0.0.1", "--port", str(port)], port, env
            )
            for i, port in ((i, free_port()) for i in range(1, args.api_replicas + 1))
        ]
        for proc in chat:
            deployment.wait_healthy(proc, "/_stcore/health")
        for proc in api:
            deployment.wait_healthy(proc, "/healthz")
        ports = {"chat": _port(args.chat_port), "api": _port(args.api_port), "stats": _port(args.stats_port)}
        config = render_haproxy(run_dir, ports, chat, api)
        _run([args.haproxy, "-c", "-q", "-f", str(config)])
        proxy = deployment.start("haproxy", [args.haproxy, "-db", "-f", str(config)], ports["api"], env)
        if api:
            deployment.wait_healthy(proxy, "/healthz", timeout=30)
        if chat:
            deployment.wait_healthy(Proc("haproxy", ports["chat"], proxy.process, proxy.log), "/_stcore/health", 30)
        urls = {
            "chat": f"http://127.0.0.1:{ports['chat']}/" if chat else None,
            "api": f"http://127.0.0.1:{ports['api']}/" if api else None,
            "stats": f"http://127.0.0.1:{ports['stats']}/",
        }
        state = {
            "ready": True,
            "run_dir": str(run_dir),
            "database_url": url,
            "urls": urls,
            "ports": ports,
            "launcher_pid": os.getpid(),
            "postgres_pid": deployment.pg_pid,
            "processes": {p.name: {"pid": p.process.pid, "port": p.port, "log": str(p.log)} for p in deployment.procs},
        }
        (run_dir / "state.json").write_text(json.dumps(state, indent=2), encoding="utf-8")
        (run_dir / "launch.pid").write_text(f"{os.getpid()}\n")
        print(
            f"\nchat:  {urls['chat']}\napi:   {urls['api']}\nstats: {urls['stats']}\n"
            f"run folder: {run_dir} (state.json, *.pid, logs/); Ctrl-C stops everything",
            flush=True,
        )
        while True:
            time.sleep(1)
            if proxy.process.poll() is not None:
                raise LaunchError(f"haproxy exited with {proxy.process.returncode}; see {proxy.log}")
            for proc in deployment.procs:
                if proc.process.poll() is not None and not proc.reported:
                    _say(f"{proc.name} (pid {proc.process.pid}) exited with {proc.process.returncode}; not restarted")
                    proc.reported = True
    except KeyboardInterrupt as exc:
        _say(f"{exc or 'SIGINT'}: stopping")
        return_code = 0
    except LaunchError as exc:
        _say(f"error: {exc}")
        return_code = 1
    finally:
        signal.signal(signal.SIGINT, signal.SIG_IGN)
        signal.signal(signal.SIGTERM, signal.SIG_IGN)
        deployment.stop()
    return return_code


if __name__ == "__main__":
    raise SystemExit(main())
