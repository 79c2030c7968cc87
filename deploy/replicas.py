"""Several replicas of the app behind nginx, on this machine.

    python deploy/replicas.py --replicas 3 --port 8080      # then open http://127.0.0.1:8080

Starts ``--replicas`` ``streamlit run app.py`` processes on free local ports and nginx (Debian's ``nginx``
or ``nginx-light`` package) listening on ``--port``, configured from ``deploy/nginx.conf.template``: WebSockets
proxied, and each visitor kept on one replica by a cookie (Streamlit keeps a session in one process).
Everything nginx writes (its configuration, logs, temporary files) goes to a fresh directory, printed at
start. Ctrl-C stops it all. ``balanced()`` does the same for tests.
"""

from __future__ import annotations

import argparse
import collections
import contextlib
import os
import pathlib
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request

ROOT = pathlib.Path(__file__).resolve().parents[1]
TEMPLATE = pathlib.Path(__file__).with_name("nginx.conf.template")


def free_port():
    with contextlib.closing(socket.socket()) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def nginx_path():
    """nginx's executable, or None where it is not installed."""
    return shutil.which("nginx") or ("/usr/sbin/nginx" if os.path.exists("/usr/sbin/nginx") else None)


def start_streamlit(port, address="127.0.0.1", log=None):
    """``streamlit run app.py`` headless on ``address:port``; its output goes to the file ``log`` (a long run
    never blocks on a full pipe), or to a pipe the caller reads on failure."""
    cmd = [sys.executable, "-m", "streamlit", "run", str(ROOT / "app.py"), "--server.headless", "true",
           "--server.port", str(port), "--server.address", address, "--browser.gatherUsageStats", "false",
           "--server.fileWatcherType", "none"]  # fmt: skip
    env = {**os.environ, "MALLOC_ARENA_MAX": os.environ.get("MALLOC_ARENA_MAX", "2")}  # see the README's Deploy
    out = open(log, "w") if log else subprocess.PIPE  # noqa: SIM115 (the process keeps it open)
    return subprocess.Popen(cmd, cwd=ROOT, stdout=out, stderr=subprocess.STDOUT, text=True, env=env)


def wait_healthy(url, proc, timeout=60):
    """Until ``url``/_stcore/health answers 200; RuntimeError (with the process's output) if ``proc`` dies or
    ``timeout`` seconds pass."""
    deadline = time.monotonic() + timeout
    while True:
        try:
            with urllib.request.urlopen(f"{url}/_stcore/health", timeout=2) as r:
                if r.status == 200:
                    return
        except OSError:
            if time.monotonic() > deadline or proc.poll() is not None:
                proc.kill()
                output = proc.stdout.read() if proc.stdout else "(its output is in its log file)"
                raise RuntimeError(f"{url} did not start: {output[-2000:]}") from None
            time.sleep(0.3)


def stop(proc, timeout=10):
    proc.terminate()
    try:
        proc.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        proc.kill()


def nginx_config(prefix, listen, replica_ports):
    """The configuration text for nginx on ``listen`` in front of ``replica_ports``."""
    servers = "\n".join(f"        server 127.0.0.1:{p};" for p in replica_ports)
    user = "user root;\n" if os.geteuid() == 0 else ""  # (workers write the temporary files in ``prefix``)
    text = TEMPLATE.read_text()
    for name, value in (("PREFIX", str(prefix)), ("SERVERS", servers), ("LISTEN", f"127.0.0.1:{listen}"),
                        ("USER", user)):  # fmt: skip
        text = text.replace(f"@{name}@", value)
    return text


@contextlib.contextmanager
def balanced(n_replicas=3, port=None, timeout=90):
    """Start ``n_replicas`` replicas and nginx; yield (nginx's URL, the replicas' ports, nginx's directory);
    stop them all afterwards."""
    nginx = nginx_path()
    if nginx is None:
        raise RuntimeError("nginx is not installed (apt-get install nginx-light)")
    prefix = pathlib.Path(tempfile.mkdtemp(prefix="weightviz-nginx-"))
    ports = [free_port() for _ in range(n_replicas)]
    listen = port or free_port()
    replicas = [start_streamlit(p, log=prefix / f"replica-{p}.log") for p in ports]
    proxy = None
    try:
        for p, proc in zip(ports, replicas, strict=True):
            wait_healthy(f"http://127.0.0.1:{p}", proc, timeout)
        (prefix / "nginx.conf").write_text(nginx_config(prefix, listen, ports))
        cmd = [nginx, "-p", str(prefix), "-e", str(prefix / "error.log"), "-c", str(prefix / "nginx.conf"),
               "-g", "daemon off;"]  # fmt: skip
        proxy = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.STDOUT)  # (it logs to prefix)
        url = f"http://127.0.0.1:{listen}"
        wait_healthy(url, proxy, timeout=20)
        yield url, ports, prefix
    finally:
        for proc in [p for p in (proxy,) if p is not None] + replicas:
            stop(proc)


def sessions_per_replica(prefix):
    """{replica port: WebSocket sessions nginx sent to it}, from nginx's access log."""
    served = collections.Counter()
    for line in (pathlib.Path(prefix) / "access.log").read_text().splitlines():
        match = re.search(r'"GET /_stcore/stream .*upstream=127\.0\.0\.1:(\d+)', line)
        if match:
            served[int(match.group(1))] += 1
    return dict(served)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--replicas", type=int, default=3)
    parser.add_argument("--port", type=int, default=8080)
    args = parser.parse_args()
    with balanced(args.replicas, args.port) as (url, ports, prefix):
        print(f"weightviz on {url}: {args.replicas} replicas on ports {', '.join(map(str, ports))}; nginx in {prefix}")
        print("Ctrl-C stops them.")
        with contextlib.suppress(KeyboardInterrupt):
            while True:
                time.sleep(3600)


if __name__ == "__main__":
    main()
