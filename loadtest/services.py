"""The harness's own services: a PostgreSQL cluster, Redis, gunicorn and a Celery worker.

Everything lives in one temporary folder and on free ports, so that restarting or stopping a
service touches nobody else's. `Stack.close()` stops what was started, in reverse order, and
removes the folder; `run.py` calls it on success, failure, Ctrl-C and SIGTERM.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PG_BIN = Path(os.environ.get("LOADTEST_PG_BIN", "/usr/lib/postgresql/15/bin"))


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_port(port: int, timeout: float, proc: subprocess.Popen | None = None) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc is not None and proc.poll() is not None:
            raise RuntimeError(f"process exited with {proc.returncode} before listening on {port}")
        with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", port), timeout=1):
            return
        time.sleep(0.1)
    raise RuntimeError(f"nothing listens on port {port} after {timeout:.0f} s")


def _as_postgres(cmd: Sequence[str]) -> list[str]:
    """PostgreSQL refuses to run as root: run its programs as the `postgres` OS user then."""
    if os.geteuid() != 0:
        return list(cmd)
    return ["runuser", "-u", "postgres", "--", *cmd]


class Stack:
    def __init__(self, workers: int = 2, threads: int = 4) -> None:
        self.dir = Path(tempfile.mkdtemp(prefix="wangge-loadtest-"))
        os.chmod(self.dir, 0o755)
        self.workers = workers
        self.threads = threads
        self.pg_port = free_port()
        self.redis_port = free_port()
        self.web_port = free_port()
        self.pg_data = self.dir / "pg"
        self.redis: subprocess.Popen | None = None
        self.gunicorn: subprocess.Popen | None = None
        self.celery: subprocess.Popen | None = None
        self.pg_started = False
        self.access_log = self.dir / "access.log"
        self._logs: list = []

    # ---------------------------------------------------------------- environment

    @property
    def database_url(self) -> str:
        return f"postgres://postgres@127.0.0.1:{self.pg_port}/wangge_loadtest"

    @property
    def redis_url(self) -> str:
        return f"redis://127.0.0.1:{self.redis_port}/0"

    def env(self) -> dict[str, str]:
        env = dict(os.environ)
        env.update(
            DATABASE_URL=self.database_url,
            REDIS_URL=self.redis_url,
            DJANGO_SETTINGS_MODULE="wangge.settings",
            WANGGE_DEBUG="0",
            WANGGE_SECRET_KEY="loadtest-" + "k" * 60,
            WANGGE_VAR_DIR=str(self.dir / "var"),
            WANGGE_LOG_LEVEL="WARNING",
            PYTHONPATH=str(ROOT) + os.pathsep + env.get("PYTHONPATH", ""),
        )
        return env

    def _log(self, name: str):
        fh = open(self.dir / f"{name}.log", "ab")  # noqa: SIM115 (closed in close())
        self._logs.append(fh)
        return fh

    def python(self, *args: str, timeout: float = 1800) -> str:
        """Run `python <args>` with the stack's environment; its stdout."""
        out = subprocess.run(  # noqa: S603
            [sys.executable, *args],
            cwd=str(ROOT),
            env=self.env(),
            check=True,
            timeout=timeout,
            stdout=subprocess.PIPE,
        )
        return out.stdout.decode()

    # ---------------------------------------------------------------- PostgreSQL

    def start_postgres(self) -> None:
        self.pg_data.mkdir()
        if os.geteuid() == 0:
            shutil.chown(self.pg_data, "postgres")
        subprocess.run(  # noqa: S603
            _as_postgres(
                [str(PG_BIN / "initdb"), "-D", str(self.pg_data), "-A", "trust", "-U", "postgres"]
                + ["--no-sync", "-E", "UTF8", "--locale=C.UTF-8"]
            ),
            check=True,
            stdout=subprocess.DEVNULL,
        )
        with open(self.pg_data / "postgresql.conf", "a") as conf:
            conf.write(
                f"port = {self.pg_port}\nlisten_addresses = '127.0.0.1'\n"
                f"unix_socket_directories = '{self.pg_data}'\n"
                "max_connections = 200\nshared_buffers = 128MB\n"
            )
        self.pg_ctl("start")
        self.pg_started = True
        subprocess.run(  # noqa: S603
            [
                str(PG_BIN / "psql"),
                "-h",
                "127.0.0.1",
                "-p",
                str(self.pg_port),
                "-U",
                "postgres",
                "-qc",
                "CREATE DATABASE wangge_loadtest",
            ],
            check=True,
        )

    def pg_ctl(self, action: str, *extra: str) -> None:
        subprocess.run(  # noqa: S603
            _as_postgres(
                [str(PG_BIN / "pg_ctl"), action, "-D", str(self.pg_data), "-w", "-t", "60"]
                + ["-l", str(self.pg_data / "server.log"), *extra]
            ),
            check=True,
            stdout=subprocess.DEVNULL,
        )

    def restart_postgres(self) -> None:
        self.pg_ctl("restart", "-m", "fast")

    # ---------------------------------------------------------------- Redis

    def start_redis(self) -> None:
        self.redis = subprocess.Popen(  # noqa: S603
            ["redis-server", "--port", str(self.redis_port), "--bind", "127.0.0.1"]
            + ["--save", "", "--appendonly", "no", "--dir", str(self.dir)],
            stdout=self._log("redis"),
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        wait_port(self.redis_port, 30, self.redis)

    def stop_redis(self) -> None:
        if self.redis and self.redis.poll() is None:
            self.redis.terminate()
            self.redis.wait(timeout=30)
        self.redis = None

    # ---------------------------------------------------------------- gunicorn and Celery

    def start_gunicorn(self) -> None:
        env = self.env()
        env.update(
            WANGGE_BIND=f"127.0.0.1:{self.web_port}",
            WEB_CONCURRENCY=str(self.workers),
            WANGGE_THREADS=str(self.threads),
        )
        # The production settings come from gunicorn.conf.py (read from the repository root);
        # the harness adds only an access log that names the worker (pid) of every request.
        self.gunicorn = subprocess.Popen(  # noqa: S603
            [str(Path(sys.executable).parent / "gunicorn"), "-c", str(ROOT / "gunicorn.conf.py")]
            + ["--access-logfile", str(self.access_log)]
            + ["--access-logformat", "%(p)s %(s)s %({x-loadtest-phase}i)s %(m)s %(U)s %(L)s %(t)s"]
            + ["--no-control-socket", "wangge.wsgi"],
            cwd=str(ROOT),
            env=env,
            stdout=self._log("gunicorn"),
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        wait_port(self.web_port, 120, self.gunicorn)

    def web_workers(self) -> list[int]:
        """The gunicorn master's worker processes, by pid."""
        if not self.gunicorn:
            return []
        out = []
        for entry in os.listdir("/proc"):
            if not entry.isdigit():
                continue
            try:
                with open(f"/proc/{entry}/stat") as fh:
                    ppid = int(fh.read().rsplit(")", 1)[1].split()[1])
            except (OSError, IndexError, ValueError):
                continue
            if ppid == self.gunicorn.pid:
                out.append(int(entry))
        return sorted(out)

    def kill_web_worker(self) -> int:
        pid = self.web_workers()[0]
        os.kill(pid, signal.SIGKILL)
        return pid

    def start_celery(self) -> None:
        self.celery = subprocess.Popen(  # noqa: S603
            [sys.executable, "-m", "celery", "-A", "wangge", "worker", "--loglevel", "WARNING"]
            + ["--concurrency", "1", "--without-gossip", "--without-mingle", "--without-heartbeat"],
            cwd=str(ROOT),
            env=self.env(),
            stdout=self._log("celery"),
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )

    def celery_answers(self, timeout: float = 30) -> float | None:
        """Seconds until the Celery worker answers a ping through Redis (None: it did not)."""
        started = time.monotonic()
        while time.monotonic() < started + timeout:
            done = subprocess.run(  # noqa: S603
                [sys.executable, "-m", "celery", "-A", "wangge", "inspect", "ping", "-t", "3"],
                cwd=str(ROOT),
                env=self.env(),
                stdout=subprocess.PIPE,
                stderr=subprocess.STDOUT,
                check=False,
            )
            if done.returncode == 0 and b"pong" in done.stdout:
                return time.monotonic() - started
            time.sleep(1)
        return None

    # ---------------------------------------------------------------- the end

    @staticmethod
    def _stop(proc: subprocess.Popen | None, sig: int = signal.SIGTERM, timeout: float = 20) -> None:
        if proc is None or proc.poll() is not None:
            return
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, sig)
        try:
            proc.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(proc.pid, signal.SIGKILL)
            proc.wait(timeout=10)

    def close(self, keep: bool = False) -> None:
        """Stop everything this stack started; remove its folder, or with `keep` all but its logs."""
        for name, proc, sig, wait in (
            # quick shutdown, then SIGKILL to the whole group (workers too) after 5 s
            ("gunicorn", self.gunicorn, signal.SIGINT, 5),
            ("celery", self.celery, signal.SIGTERM, 20),
            ("redis", self.redis, signal.SIGTERM, 20),
        ):
            started = time.monotonic()
            self._stop(proc, sig, timeout=wait)
            if time.monotonic() - started > 3:
                print(f"  {name} took {time.monotonic() - started:.0f} s to stop", flush=True)
        if self.pg_started:
            with contextlib.suppress(subprocess.CalledProcessError, OSError):
                self.pg_ctl("stop", "-m", "immediate")
            self.pg_started = False
        for fh in self._logs:
            fh.close()
        if keep:  # the logs only: the cluster's data is of no use once stopped
            with contextlib.suppress(OSError):
                shutil.copy(self.pg_data / "server.log", self.dir / "postgres.log")
            shutil.rmtree(self.pg_data, ignore_errors=True)
        else:
            shutil.rmtree(self.dir, ignore_errors=True)
