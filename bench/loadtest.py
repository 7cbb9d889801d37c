"""``make loadtest`` (issue 17): the registry's pages at national scale, under gunicorn.

1. Creates the PostgreSQL database ``registry_scale`` on the local server when it is
   missing, migrates it and fills it with ``flask seed scale`` when it is empty.
2. Starts gunicorn with 4 workers (Python's fault handler on, so a crashing worker leaves a
   stack trace in the log) and Redis as the rate-limit storage.
3. Runs Locust headless (bench/locustfile.py): 16 people, 4 started per second, each
   signing in first; then 60 measured seconds from the moment the last one is signed in,
   0.5 to 1.5 seconds between clicks, only against 127.0.0.1. Pages requested during the
   sign-ins (the ramp) are counted apart, errors are counted over the whole run.
4. Stops gunicorn, counts worker restarts (must be 0), checks the ledger and the slot
   invariant, prints p50/p95 per page and, as its last line::

       loadtest users=16 seconds=60 requests=<n> rps=<r> p50_ms=<x> p95_ms=<y> errors=<e>

Sign-in requests are not pages and are reported apart. Exits 1 when a check fails.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import resource
import signal
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
HOST = "127.0.0.1"
SEARCH_PAGE = "coach: search"
TARGETS = {"search_p50": 25.0, "search_p95": 80.0, "page_p95": 150.0}


def _args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database", default=os.environ.get("LOADTEST_DB", "registry_scale"))
    parser.add_argument(
        "--server", default=os.environ.get("LOADTEST_PG", "postgresql://postgres@127.0.0.1:5432")
    )  # noqa: E501
    parser.add_argument("--users", type=int, default=16)
    parser.add_argument("--spawn-rate", type=int, default=4)
    parser.add_argument("--seconds", type=int, default=60)
    parser.add_argument("--workers", type=int, default=4)
    parser.add_argument("--port", type=int, default=int(os.environ.get("LOADTEST_PORT", 8017)))
    parser.add_argument(
        "--redis", default=os.environ.get("LOADTEST_REDIS", "redis://127.0.0.1:6379/7")
    )  # noqa: E501
    parser.add_argument("--seed-args", default=os.environ.get("LOADTEST_SEED_ARGS", ""))
    parser.add_argument(
        "--out", default=os.environ.get("LOADTEST_OUT", str(ROOT / "instance" / "loadtest"))
    )  # noqa: E501
    return parser.parse_args()


def _local(url: str) -> str:
    host = make_url(url).host
    if host not in (HOST, "localhost"):
        raise SystemExit(f"the load test only uses the local server, not {host!r}")
    return url


def _env(database_url: str, args: argparse.Namespace) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in ("FLASK_APP",)}
    env.update(
        {
            "REGISTRY_ENV": "development",
            "DATABASE_URL": database_url,
            "TWO_FACTOR_REQUIRED_ROLES": "",
            "RATELIMIT_STORAGE_URI": args.redis,
            "CACHE_REDIS_URL": args.redis,  # the summary cache the workers share
            "MAIL_BACKEND": "log",
            "MAIL_DELIVER_ON_REQUEST": "0",
            "SECRET_KEY": env.get("SECRET_KEY", "loadtest-only-secret-key-not-for-production"),
            "PYTHONPATH": str(ROOT),
        }
    )
    return env


def _flask(env: dict[str, str], *args: str, timeout: int = 900) -> subprocess.CompletedProcess:
    return subprocess.run(  # noqa: S603
        [str(BIN / "flask"), "--app", "registry", *args],
        cwd=ROOT,
        env=env,
        text=True,
        capture_output=True,
        timeout=timeout,
        check=False,
    )


def prepare(args: argparse.Namespace) -> str:
    """The scale database's URL: created, migrated and filled when needed."""
    server = _local(args.server)
    if not re.fullmatch(r"[a-z_][a-z0-9_]*", args.database):
        raise SystemExit("database name: lower-case letters, digits and _ only")
    admin = create_engine(
        f"{server}/postgres".replace("postgresql://", "postgresql+psycopg://"),
        isolation_level="AUTOCOMMIT",
    )
    with admin.connect() as conn:
        exists = conn.scalar(
            text("SELECT 1 FROM pg_database WHERE datname = :n"), {"n": args.database}
        )  # noqa: E501
        if not exists:
            print(f"creating database {args.database}", flush=True)
            conn.execute(text(f'CREATE DATABASE "{args.database}"'))
    admin.dispose()
    url = f"{server}/{args.database}"
    env = _env(url, args)
    done = _flask(env, "db", "upgrade")
    if done.returncode:
        raise SystemExit(f"migrating failed:\n{done.stderr[-3000:]}")
    engine = create_engine(url.replace("postgresql://", "postgresql+psycopg://"))
    with engine.connect() as conn:
        filled = conn.scalar(text("SELECT count(*) FROM places"))
    engine.dispose()
    if not filled:
        print("filling the scale database (flask seed scale) ...", flush=True)
        began = time.perf_counter()
        done = _flask(env, "seed", "scale", *args.seed_args.split(), timeout=3600)
        if done.returncode:
            raise SystemExit(f"seeding failed:\n{done.stderr[-3000:]}")
        print(f"seeded in {time.perf_counter() - began:.0f} s", flush=True)
    return url


def start_gunicorn(env: dict[str, str], args: argparse.Namespace, log: Path):
    command = [
        sys.executable,
        "-X",
        "faulthandler",
        "-m",
        "gunicorn",
        "--workers",
        str(args.workers),
        "--bind",
        f"{HOST}:{args.port}",
        "--error-logfile",
        str(log),
        "--access-logfile",
        str(log.with_name("access.log")),
        "--access-logformat",
        "%(m)s %(U)s %(s)s %(D)s",  # method, path, status, microseconds in the server
        "--log-level",
        "info",
        "--timeout",
        "60",
        "--graceful-timeout",
        "10",
        "wsgi:app",
    ]
    process = subprocess.Popen(command, cwd=ROOT, env=env, start_new_session=True)  # noqa: S603
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise SystemExit(f"gunicorn exited: see {log}")
        try:
            with urllib.request.urlopen(f"http://{HOST}:{args.port}/healthz", timeout=2) as r:  # noqa: S310
                if r.status == 200:
                    return process
        except OSError:
            time.sleep(0.5)
    stop(process)
    raise SystemExit("gunicorn did not answer /healthz within 60 s")


def stop(process: subprocess.Popen) -> None:
    """Stop the gunicorn we started (its own process group), gently, then firmly."""
    if process.poll() is not None:
        return
    os.killpg(process.pid, signal.SIGTERM)
    try:
        process.wait(timeout=20)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait(timeout=10)


SINGLE = {
    "coach@voorbeeld.nl": ("/", "/candidates/", "/placements/"),
    "werkgever@voorbeeld.nl": ("/", "/placements/inbox", "/places/"),
    "coordinator@voorbeeld.nl": ("/", "/curation/places", "/dashboard/network/1"),
}


def single_user(args: argparse.Namespace) -> list[tuple[str, float]]:
    """Each role's main pages requested one after another by one person (no concurrency):
    what a page costs by itself, apart from queueing under load. Median of 3, in ms."""
    import requests

    base = f"http://{HOST}:{args.port}"
    out = []
    for email, urls in SINGLE.items():
        with requests.Session() as s:
            page = s.get(f"{base}/auth/login", timeout=30).text
            token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page)
            s.post(
                f"{base}/auth/login",
                data={"email": email, "password": "demo1234", "csrf_token": token.group(1)},
                timeout=60,
            )
            for url in urls:
                times = []
                for _ in range(3):
                    began = time.perf_counter()
                    s.get(base + url, timeout=60)
                    times.append((time.perf_counter() - began) * 1000)
                out.append((f"{email.split('@')[0]} {url}", sorted(times)[1]))
            if email == COACH:
                out.append(("coach search (median of 10 candidates)", _searches(s, base)))
    return out


COACH = "coach@voorbeeld.nl"


def _searches(s, base: str) -> float:
    """The coach's search page alone, for ten of the coach's candidates (three kinds, as
    the load's searches ask), after one search to warm the worker: median in ms."""
    listed = s.get(f"{base}/candidates/", timeout=30).text
    ids = sorted({int(x) for x in re.findall(r'href="/candidates/(\d+)"', listed)})[:10]
    query = "?kind=stage&kind=werkervaringsplaats&kind=detachering"
    times = []
    for i, cid in enumerate(ids[:1] + ids):
        began = time.perf_counter()
        s.get(f"{base}/candidates/{cid}/search{query}", timeout=60)
        if i:
            times.append((time.perf_counter() - began) * 1000)
    return sorted(times)[len(times) // 2] if times else float("nan")


def ramp_seconds(args: argparse.Namespace) -> int:
    """Time to start and sign in every person before the measured seconds begin (argon2
    at its production cost makes a sign-in take a few hundred milliseconds)."""
    return -(-args.users // max(1, args.spawn_rate)) + 15


def measured(data: dict, args: argparse.Namespace) -> tuple[list, int]:
    """The samples sent in the ``args.seconds`` after the last person signed in (the load
    the issue describes: everyone signed in, then a bounded run), and how many were sent
    before (the ramp, counted apart)."""
    samples = data["samples"]
    signed_in = sorted(data.get("signed_in") or [])
    if len(signed_in) < args.users or not samples:
        return [s for s in samples if not s[0].startswith("sign in")], 0
    start = signed_in[args.users - 1]
    end = start + args.seconds
    window = [s for s in samples if start <= s[4] < end]
    ramp = sum(1 for s in samples if s[4] < start and not s[0].startswith("sign in"))
    return window, ramp


def run_locust(env: dict[str, str], args: argparse.Namespace, out: Path, server_pid: int) -> dict:
    samples = out / "samples.json"
    env = {**env, "LOADTEST_SAMPLES": str(samples)}
    command = [
        str(BIN / "locust"),
        "-f",
        str(ROOT / "bench" / "locustfile.py"),
        "--headless",
        "-u",
        str(args.users),
        "-r",
        str(args.spawn_rate),
        "-t",
        f"{args.seconds + ramp_seconds(args)}s",
        "--host",
        f"http://{HOST}:{args.port}",
        "--csv",
        str(out / "locust"),
        "--only-summary",
        "--stop-timeout",
        "5",
        "--loglevel",
        "WARNING",
    ]
    before, began = _cpu_seconds(server_pid), time.monotonic()
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    with (out / "locust.log").open("w") as log:
        subprocess.run(  # noqa: S603
            command,
            cwd=ROOT,
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
            timeout=args.seconds + 120,
            check=False,
        )
    after, wall = _cpu_seconds(server_pid), time.monotonic() - began
    done = resource.getrusage(resource.RUSAGE_CHILDREN)
    client = (done.ru_utime + done.ru_stime) - (children.ru_utime + children.ru_stime)
    data = json.loads(samples.read_text())
    data["cpu"] = {
        "wall": wall,
        "app": after["app"] - before["app"],
        "postgresql": after["postgresql"] - before["postgresql"],
        "locust": client,
    }
    return data


def _cpu_seconds(server_pid: int) -> dict[str, float]:
    """CPU seconds used so far by the gunicorn processes and by PostgreSQL's (the
    backends that exist now; the pool keeps them through the run)."""
    import psutil

    def used(process) -> float:
        try:
            times = process.cpu_times()
        except psutil.Error:
            return 0.0
        return times.user + times.system

    server = psutil.Process(server_pid)
    app = used(server) + sum(used(p) for p in server.children(recursive=True))
    database = sum(used(p) for p in psutil.process_iter(["name"]) if p.info["name"] == "postgres")
    return {"app": app, "postgresql": database}


def percentile(values: list[float], p: float) -> float:
    """Nearest-rank percentile."""
    if not values:
        return 0.0
    ordered = sorted(values)
    rank = max(1, -(-len(ordered) * p // 100))
    return ordered[int(rank) - 1]


def restarts(log: Path, workers: int) -> tuple[int, list[str]]:
    """Workers booted beyond the first ``workers`` (a crash or a timeout makes gunicorn boot
    a new one), and the log lines that tell why. The SIGTERMs of our own stop are not
    counted."""
    text_ = log.read_text(errors="replace") if log.exists() else ""
    booted = text_.count("Booting worker with pid")
    crashes = [
        line
        for line in text_.splitlines()
        if "Fatal Python error" in line
        or "WORKER TIMEOUT" in line
        or "was sent SIGKILL" in line
        or "was sent SIGSEGV" in line
        or "exited with code" in line
    ]
    return max(0, booted - workers), crashes


SLOT_CHECK = """
SELECT count(*) FROM places p
WHERE p.taken_slots > p.slots OR p.taken_slots <> (
    SELECT count(*) FROM placements x
    WHERE x.place_id = p.id AND x.status IN ('accepted', 'started'))
"""


def checks(url: str, env: dict[str, str]) -> tuple[bool, str, int]:
    ledger = _flask(env, "ledger", "check", timeout=600)
    engine = create_engine(url.replace("postgresql://", "postgresql+psycopg://"))
    with engine.connect() as conn:
        bad_slots = conn.scalar(text(SLOT_CHECK))
    engine.dispose()
    return (
        ledger.returncode == 0,
        (ledger.stdout or ledger.stderr).strip().splitlines()[0],
        bad_slots,
    )


def report(data: dict, args: argparse.Namespace) -> tuple[dict, list[str]]:
    pages: dict[str, list[float]] = {}
    errors = sum(1 for sample in data["samples"] if sample[3] != "ok")  # the ramp's too
    signin = [sample[1] for sample in data["samples"] if sample[0].startswith("sign in")]
    window, ramp = measured(data, args)
    for name, ms, _status, _outcome, _sent in window:
        if not name.startswith("sign in"):
            pages.setdefault(name, []).append(ms)
    print(
        f"measured: the {args.seconds} s after the last of {args.users} people signed in; "
        f"{ramp} page requests during the sign-ins before it are not counted"
    )
    print(f"{'page':40} {'n':>6} {'p50 ms':>8} {'p95 ms':>8}")
    misses = []
    for name in sorted(pages):
        values = pages[name]
        p50, p95 = percentile(values, 50), percentile(values, 95)
        print(f"{name:40} {len(values):6d} {p50:8.0f} {p95:8.0f}")
        if p95 > TARGETS["page_p95"]:
            misses.append(f"{name} p95 {p95:.0f} ms > {TARGETS['page_p95']:.0f}")
    search = pages.get(SEARCH_PAGE, [])
    if search and percentile(search, 50) > TARGETS["search_p50"]:
        misses.append(f"search p50 {percentile(search, 50):.0f} ms > {TARGETS['search_p50']:.0f}")
    if search and percentile(search, 95) > TARGETS["search_p95"]:
        misses.append(f"search p95 {percentile(search, 95):.0f} ms > {TARGETS['search_p95']:.0f}")
    if signin:
        print(
            f"{'(sign in, not a page)':40} {len(signin):6d} {percentile(signin, 50):8.0f} "
            f"{percentile(signin, 95):8.0f}"
        )
    for name, count in sorted(data.get("refused", {}).items()):
        print(f"refused by the registry (409/422, a stale choice): {name}: {count}")
    everything = [ms for values in pages.values() for ms in values]
    summary = {
        "requests": len(everything),
        "rps": len(everything) / args.seconds,
        "p50": percentile(everything, 50),
        "p95": percentile(everything, 95),
        "errors": errors,
    }
    return summary, misses


SEARCH_PATH = re.compile(r"^GET /candidates/\d+/search (\d{3}) (\d+)$")


def server_times(access_log: Path) -> list[float]:
    """The search page's time inside gunicorn (request read to response written), in ms,
    from the access log: what the load adds on the client's side (Locust shares the
    machine's two cores) shows as the difference to Locust's figures."""
    if not access_log.exists():
        return []
    times = []
    for line in access_log.read_text(errors="replace").splitlines():
        match = SEARCH_PATH.match(line.strip())
        if match and match.group(1) == "200":
            times.append(int(match.group(2)) / 1000)
    return times


def main() -> int:
    args = _args()
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    url = prepare(args)
    env = _env(url, args)
    log = out / "gunicorn.log"
    log.write_text("")
    log.with_name("access.log").write_text("")
    server = start_gunicorn(env, args, log)
    try:
        alone = single_user(args)
        data = run_locust(env, args, out, server.pid)
    finally:
        stop(server)
    load = os.getloadavg()
    restarted, crashes = restarts(log, args.workers)
    ledger_ok, ledger_line, bad_slots = checks(url, env)
    print("one person alone (median of 3, ms): " + ", ".join(f"{n} {ms:.0f}" for n, ms in alone))
    summary, misses = report(data, args)
    cpu = data.get("cpu")
    if cpu:
        print(
            f"CPU seconds during the load ({os.cpu_count()} cores x {cpu['wall']:.0f} s): "
            f"app {cpu['app']:.0f}, PostgreSQL {cpu['postgresql']:.0f}, "
            f"Locust {cpu['locust']:.0f}"
        )
    inside = server_times(log.with_name("access.log"))
    if inside:
        print(
            f"search page inside gunicorn (all {len(inside)}, the sign-ins' minute too): "
            f"p50 {percentile(inside, 50):.0f} ms, p95 {percentile(inside, 95):.0f} ms"
        )
    print(
        f"gunicorn workers={args.workers} restarts={restarted}"
        + (f" ({crashes[:3]})" if crashes else "")
    )  # noqa: E501
    print(f"ledger: {ledger_line}")
    print(f"slot invariant: {'OK' if bad_slots == 0 else f'{bad_slots} places violate it'}")
    print("targets: " + ("met" if not misses else "NOT met: " + "; ".join(misses)))
    cores = os.cpu_count()
    print(f"machine: {cores} cores, load average {load[0]:.1f} (1 min), {load[1]:.1f} (5 min)")
    print(f"files: {out}")
    print(
        f"loadtest users={args.users} seconds={args.seconds} requests={summary['requests']} "
        f"rps={summary['rps']:.1f} p50_ms={summary['p50']:.0f} p95_ms={summary['p95']:.0f} "
        f"errors={summary['errors']}"
    )
    failed = summary["errors"] or restarted or not ledger_ok or bad_slots
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
