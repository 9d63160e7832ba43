"""Loopback load test of the real server: throughput, latency, errors and peak RSS per scenario.

1. **setup** (untimed, reusable with ``--data-dir``): a fresh data folder (SQLite) or a recreated PostgreSQL
   database; the schema, the built-in sample with its demo accounts, and ``--demands`` extra public demands
   bulk-inserted with SQLAlchemy Core (texts from ``bench_matching.Material`` when the shared data is there,
   else recombined from the sample's demands); then ``kechuang index`` builds the matching indexes.
2. **server**: ``uvicorn kechuang.app:create_app --factory --workers N`` on a free loopback port, configured
   only through KECHUANG_* variables, as a deployment would run it; its log goes to ``server.log``.
3. **scenarios**, each for ``--duration`` seconds: the issue's single-client baselines (``/api/health`` and
   ``/api/achievements?limit=20`` at one client), then at ``--clients`` concurrent clients (asyncio + httpx):
   lists, detail, search, matches, writes (bearer token of ``enterprise_a``, taken once) and a mix of all of
   them while ``kechuang import`` loads a file of demands in parallel.
4. **profile** (``--profile N``): ``GET /api/achievements?limit=20`` N times in-process over the ASGI app
   with cProfile; the endpoint runs inline instead of in the thread pool so that the profiler sees it.

    python bench/bench_load.py --demands 1000 --duration 5            # a quick check
    python bench/bench_load.py --workers 2                            # the target run: 100k demands
    python bench/bench_load.py --database-url postgresql+psycopg://postgres@127.0.0.1:5432/kechuang_load
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import re
import shlex
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import httpx
from bench_import import RESULTS_DIR, _record_defaults, shared_data_dir
from sqlalchemy import create_engine, make_url, select, text

from kechuang.store import tables as t
from kechuang.store.db import UnitOfWork, make_engine
from kechuang.store.schema import upgrade_database

BENCH_DIR = Path(__file__).resolve().parent
READY = "load-ready.json"
CLI = [sys.executable, "-c", "from kechuang.cli.main import main; main()"]  # the `kechuang` command
TOKEN_USER = {"username": "enterprise_a", "password": "kechuang-demo"}
SEARCH_TERMS = ("检测", "电池", "芯片", "算法", "材料", "储能", "机器人", "传感器", "模型 优化", "hydrogen")
ERROR_SAMPLES = 5
# one connection per client: a shared httpx pool of 50 costs the client about 5x more CPU per request
ONE_CONNECTION = httpx.Limits(max_connections=1, max_keepalive_connections=1)
KIB_PER_MIB = 1024  # /proc reports KiB


# ---- setup ----------------------------------------------------------------------------------------


@dataclass
class Installation:
    """The data folder and database the server runs on, and what the clients may ask for."""

    data_dir: Path
    database_url: str
    embedder: str
    demand_ids: list[int] = field(default_factory=list)
    achievement_ids: list[int] = field(default_factory=list)
    setup_s: dict[str, float] = field(default_factory=dict)

    @property
    def env(self) -> dict[str, str]:
        env = dict(os.environ)
        env.update(
            KECHUANG_DATA_DIR=str(self.data_dir),
            KECHUANG_DATABASE_URL=self.database_url,
            KECHUANG_EMBEDDER=self.embedder,
            KECHUANG_DEMO_MODE="true",
            KECHUANG_INDEX_SYNC="worker",
        )
        return env


def demand_texts(n: int, seed: int) -> Iterator[tuple[str, str, list[str]]]:
    """(title, description, keywords) of n synthetic demands: recombined CSL papers, else sample demands."""
    data = shared_data_dir()
    if (data / "csl" / "csl_2000.jsonl").exists():
        from bench_matching import Material, demand_record

        material = Material(data, demands=0, seed=seed)
        for position in range(n):
            demand = demand_record(material.synthetic(position))
            yield demand.title_zh, demand.abstract_zh, list(demand.keywords_zh)
        return
    from importlib.resources import files

    rows = [
        json.loads(line) for line in (files("kechuang.sample") / "demands.jsonl").read_text().splitlines()
    ]
    sentences = [s for r in rows for s in re.split("[，。；]", r.get("description_zh", "")) if s]
    titles = [r["title_zh"] for r in rows if r.get("title_zh")]
    keywords = [k for r in rows for k in r.get("keywords_zh", [])]
    for position in range(n):
        rng = random.Random(seed * 10_000_019 + position)
        description = "，".join(rng.sample(sentences, min(4, len(sentences)))) + "。"
        yield rng.choice(titles), description, rng.sample(keywords, min(3, len(keywords)))


def bulk_insert_demands(engine: Any, n: int, seed: int, chunk: int = 5000, prefix: str = "load") -> None:
    """N public demands in one transaction of Core executemany; the change-feed triggers record them."""
    stamp = datetime.now(UTC).replace(tzinfo=None)
    with engine.connect() as connection:
        owners = list(connection.scalars(select(t.organizations.c.id).order_by(t.organizations.c.id)))
    rng = random.Random(seed)
    rows: list[dict[str, Any]] = []
    with engine.begin() as connection:
        for number, (title, description, keywords) in enumerate(demand_texts(n, seed)):
            rows.append(
                {
                    **_record_defaults(stamp),
                    "source": "bench-load",
                    "external_id": f"{prefix}-{number}",
                    "owner_org_id": rng.choice(owners),
                    "title_zh": title[:500],
                    "title_en": "",
                    "description_zh": description,
                    "description_en": "",
                    "keywords_zh": keywords,
                    "keywords_en": [],
                    "cooperation_modes": [],
                    "preferred_regions": [],
                    "discipline_codes": [],
                    "industry_codes": [],
                    "status": "open",
                }
            )
            if len(rows) == chunk:
                connection.execute(t.demands.insert(), rows)
                rows = []
        if rows:
            connection.execute(t.demands.insert(), rows)


def write_import_file(path: Path, n: int, seed: int) -> None:
    """A JSONL file of n new demands for `kechuang import` (run once, during the mixed scenario)."""
    with path.open("w", encoding="utf-8") as out:
        for number, (title, description, keywords) in enumerate(demand_texts(n, seed + 1)):
            row = {
                "external_id": f"load-import-{number}",
                "title_zh": title[:500],
                "description_zh": description,
                "keywords_zh": keywords,
                "visibility": "public",
            }
            out.write(json.dumps(row, ensure_ascii=False) + "\n")


def recreate_postgres(url: str, drop_only: bool = False) -> None:
    """Drop and (unless drop_only) create the database the URL names, through the `postgres` database."""
    parsed = make_url(url)
    admin = create_engine(parsed.set(database="postgres"), isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as connection:
            quoted = admin.dialect.identifier_preparer.quote(parsed.database or "")
            connection.execute(text(f"DROP DATABASE IF EXISTS {quoted} WITH (FORCE)"))
            if not drop_only:
                connection.execute(text(f"CREATE DATABASE {quoted}"))
    finally:
        admin.dispose()


def prepare(install: Installation, demands: int, seed: int) -> None:
    """Schema, sample, extra demands and matching indexes; skipped when the folder is ready for them."""
    ready = install.data_dir / READY
    wanted = {"demands": demands, "database_url": install.database_url, "embedder": install.embedder}
    if ready.exists() and json.loads(ready.read_text())["wanted"] == wanted:
        log(f"reusing the prepared installation in {install.data_dir}")
        install.setup_s = json.loads(ready.read_text())["setup_s"]
        return
    if install.database_url.startswith("postgresql"):
        recreate_postgres(install.database_url)
    from kechuang.services.sample import load_sample_if_empty

    engine = make_engine(install.database_url)
    try:
        start = time.perf_counter()
        upgrade_database(engine)
        load_sample_if_empty(UnitOfWork(engine), demo=True)
        install.setup_s["schema_and_sample"] = round(time.perf_counter() - start, 1)
        start = time.perf_counter()
        bulk_insert_demands(engine, demands, seed)
        if engine.dialect.name == "postgresql":
            with engine.begin() as connection:
                connection.execute(text("ANALYZE"))
        install.setup_s["bulk_demands"] = round(time.perf_counter() - start, 1)
        log(f"inserted {demands} demands in {install.setup_s['bulk_demands']} s; building the indexes")
    finally:
        engine.dispose()
    start = time.perf_counter()
    subprocess.run([*CLI, "index"], env=install.env, check=True, stdout=subprocess.DEVNULL)
    install.setup_s["index"] = round(time.perf_counter() - start, 1)
    ready.write_text(json.dumps({"wanted": wanted, "setup_s": install.setup_s}))


def read_targets(install: Installation) -> None:
    """Ids of public demands and achievements: what anonymous clients may open and match."""
    engine = make_engine(install.database_url)
    try:
        with engine.connect() as connection:
            for table, out in ((t.demands, install.demand_ids), (t.achievements, install.achievement_ids)):
                out.extend(connection.scalars(select(table.c.id).where(table.c.visibility == "public")))
    finally:
        engine.dispose()


# ---- the server -----------------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@contextmanager
def running_server(
    install: Installation, workers: int, port: int, extra: list[str], app: str = "kechuang.app:create_app"
) -> Iterator[subprocess.Popen[bytes]]:
    """uvicorn with the app factory, in its own process group so that all its workers stop together."""
    command = [
        sys.executable,
        "-m",
        "uvicorn",
        app,
        "--factory",
        "--host",
        "127.0.0.1",
        "--port",
        str(port),
        "--workers",
        str(workers),
        "--no-access-log",
        "--log-level",
        "warning",
        *extra,
    ]
    with (install.data_dir / "server.log").open("ab") as server_log:
        server = subprocess.Popen(
            command, env=install.env, stdout=server_log, stderr=subprocess.STDOUT, start_new_session=True
        )
    try:
        deadline = time.monotonic() + 180
        while time.monotonic() < deadline:
            if server.poll() is not None:
                raise SystemExit(f"the server exited with {server.returncode}; see server.log")
            try:
                if httpx.get(f"http://127.0.0.1:{port}/api/health", timeout=2).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            time.sleep(0.3)
        else:
            raise SystemExit("the server did not answer /api/health within 180 s")
        while workers > 1 and len(process_tree(server.pid)) < workers + 1 and time.monotonic() < deadline:
            time.sleep(0.3)
        yield server
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        try:
            server.wait(30)
        except subprocess.TimeoutExpired:
            os.killpg(server.pid, signal.SIGKILL)
            server.wait()


def process_tree(pid: int) -> list[int]:
    """The process and its descendants (Linux /proc)."""
    found, queue = [], [pid]
    while queue:
        current = queue.pop()
        found.append(current)
        for task in Path(f"/proc/{current}/task").glob("*"):
            try:
                queue.extend(int(c) for c in (task / "children").read_text().split())
            except OSError:
                continue
    return found


def memory_kib(pid: int) -> dict[str, int]:
    """VmRSS and VmHWM (peak RSS) of one process, in KiB."""
    try:
        lines = Path(f"/proc/{pid}/status").read_text().splitlines()
    except OSError:
        return {}
    return {
        k: int(v.split()[0]) for k, v in (line.split(":", 1) for line in lines) if k in ("VmRSS", "VmHWM")
    }


def reset_peaks(pids: list[int]) -> None:
    for pid in pids:
        with suppress(OSError):
            Path(f"/proc/{pid}/clear_refs").write_text("5")  # resets VmHWM to the current RSS


# ---- the clients ----------------------------------------------------------------------------------

Request = tuple[str, str, str, Any, int]  # label, method, path, json body, expected status


@dataclass
class Tally:
    latencies: list[float] = field(default_factory=list)
    errors: int = 0
    samples: list[str] = field(default_factory=list)


@dataclass
class ImportJob:
    """`kechuang import` of a file of demands, started with a scenario and awaited after it."""

    path: Path
    rows: int
    env: dict[str, str]

    async def start(self) -> tuple[asyncio.subprocess.Process, float]:
        command = [*CLI, "import", str(self.path), "--entity", "demand"]
        process = await asyncio.create_subprocess_exec(
            *command, env=self.env, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.STDOUT
        )
        return process, time.perf_counter()

    async def finish(self, started: tuple[asyncio.subprocess.Process, float]) -> dict[str, Any]:
        process, start = started
        output, _ = await process.communicate()
        return {
            "rows": self.rows,
            "rc": process.returncode,
            "seconds": round(time.perf_counter() - start, 1),
            "output_tail": output.decode(errors="replace").strip().splitlines()[-3:],
        }


@dataclass
class Scenario:
    """A named request generator run by `clients` concurrent clients for a fixed time."""

    name: str
    clients: int
    pick: Callable[[random.Random], Request]
    job: ImportJob | None = None


async def drive(
    base: str, scenario: Scenario, duration: float, headers: dict[str, str], server_pid: int, seed: int
) -> dict[str, Any]:
    """Run the scenario; every answer other than the expected status, and every exception, is an error."""
    tallies: dict[str, Tally] = {}
    pids = process_tree(server_pid)
    reset_peaks(pids)
    peak_total = [0]
    stop = asyncio.Event()

    async def sample_memory() -> None:
        while not stop.is_set():
            total = sum(memory_kib(p).get("VmRSS", 0) for p in process_tree(server_pid))
            peak_total[0] = max(peak_total[0], total)
            await asyncio.sleep(0.25)

    async def client(number: int, deadline: float) -> None:
        async with httpx.AsyncClient(base_url=base, limits=ONE_CONNECTION, timeout=120) as http:
            await client_loop(number, http, deadline)

    async def client_loop(number: int, http: httpx.AsyncClient, deadline: float) -> None:
        rng = random.Random(seed * 1000 + number)
        while time.perf_counter() < deadline:
            label, method, path, body, expected = scenario.pick(rng)
            tally = tallies.setdefault(label, Tally())
            start = time.perf_counter()
            try:
                answer = await http.request(method, path, json=body, headers=headers if body else None)
                status, detail = answer.status_code, answer.text[:300]
            except Exception as exc:  # timeouts, resets: counted, never fatal
                status, detail = -1, f"{type(exc).__name__}: {exc}"
            tally.latencies.append(time.perf_counter() - start)
            if status != expected:
                tally.errors += 1
                if len(tally.samples) < ERROR_SAMPLES:
                    tally.samples.append(f"{method} {path} -> {status} {detail}")

    importer = await scenario.job.start() if scenario.job else None
    memory_task = asyncio.create_task(sample_memory())
    cpu_start, wall_start = time.process_time(), time.perf_counter()
    deadline = wall_start + duration
    await asyncio.gather(*(client(i, deadline) for i in range(scenario.clients)))
    wall = time.perf_counter() - wall_start
    client_cpu = time.process_time() - cpu_start
    stop.set()
    await memory_task
    peaks = [memory_kib(p).get("VmHWM", 0) for p in process_tree(server_pid)]
    result = summarize(tallies, wall)
    result.update(
        clients=scenario.clients,
        wall_s=round(wall, 2),
        client_cpu_s=round(client_cpu, 2),
        client_cpu_ms_per_request=round(client_cpu / max(1, result["requests"]) * 1000, 2),
        server_processes=len(pids),
        peak_rss_mib_sum=round(peak_total[0] / KIB_PER_MIB, 1),
        peak_rss_mib_max_process=round(max(peaks, default=0) / KIB_PER_MIB, 1),
        loadavg=round(os.getloadavg()[0], 2),
    )
    if scenario.job and importer:
        result["import"] = await scenario.job.finish(importer)
    return result


def percentile(sorted_values: list[float], q: float) -> float:
    if not sorted_values:
        return float("nan")
    return sorted_values[min(len(sorted_values) - 1, int(q * len(sorted_values)))]


def summarize(tallies: dict[str, Tally], wall: float) -> dict[str, Any]:
    def stats(latencies: list[float], errors: int) -> dict[str, Any]:
        ordered = sorted(latencies)
        return {
            "requests": len(ordered),
            "rps": round(len(ordered) / wall, 1),
            "errors": errors,
            "p50_ms": round(percentile(ordered, 0.50) * 1000, 1),
            "p99_ms": round(percentile(ordered, 0.99) * 1000, 1),
            "max_ms": round((ordered[-1] if ordered else float("nan")) * 1000, 1),
        }

    everything = [x for tally in tallies.values() for x in tally.latencies]
    result = stats(everything, sum(tally.errors for tally in tallies.values()))
    result["error_samples"] = [s for tally in tallies.values() for s in tally.samples][: ERROR_SAMPLES * 2]
    if len(tallies) > 1:
        result["by_request"] = {
            label: stats(tally.latencies, tally.errors) for label, tally in tallies.items()
        }
    return result


def scenarios(install: Installation, clients: int, job: ImportJob | None = None) -> list[Scenario]:
    """The issue's baselines at one client, then each kind of request and a mix at `clients`."""
    demands, achievements = install.demand_ids, install.achievement_ids

    def achievements_list(rng: random.Random) -> Request:
        return "achievements list", "GET", "/api/achievements?limit=20", None, 200

    def demands_list(rng: random.Random) -> Request:
        return "demands list", "GET", "/api/demands?limit=20", None, 200

    def lists(rng: random.Random) -> Request:
        return achievements_list(rng) if rng.random() < 0.5 else demands_list(rng)

    def detail(rng: random.Random) -> Request:
        if rng.random() < 0.5:
            return "demand detail", "GET", f"/api/demands/{rng.choice(demands)}", None, 200
        return "achievement detail", "GET", f"/api/achievements/{rng.choice(achievements)}", None, 200

    def search(rng: random.Random) -> Request:
        entity = rng.choice(("demands", "achievements"))
        return f"{entity} search", "GET", f"/api/{entity}?q={rng.choice(SEARCH_TERMS)}&limit=20", None, 200

    def matches(rng: random.Random) -> Request:
        return "demand matches", "GET", f"/api/demands/{rng.choice(demands)}/matches", None, 200

    def write(rng: random.Random) -> Request:
        body = {
            "title": f"负载测试需求 {rng.randrange(10**9)}",
            "description": "寻求小样本缺陷检测算法与边缘部署方案",
            "visibility": "public",
        }
        return "demand create", "POST", "/api/demands", body, 201

    mix = [(lists, 0.35), (detail, 0.25), (search, 0.15), (matches, 0.15), (write, 0.10)]

    def mixed(rng: random.Random) -> Request:
        return rng.choices([f for f, _ in mix], weights=[w for _, w in mix])[0](rng)

    def health(rng: random.Random) -> Request:
        return "health", "GET", "/api/health", None, 200

    return [
        Scenario("health-c1", 1, health),
        Scenario("achievements-list-c1", 1, achievements_list),
        Scenario(f"health-c{clients}", clients, health),
        Scenario(f"achievements-list-c{clients}", clients, achievements_list),
        Scenario(f"lists-c{clients}", clients, lists),
        Scenario(f"detail-c{clients}", clients, detail),
        Scenario(f"search-c{clients}", clients, search),
        Scenario(f"matches-c{clients}", clients, matches),
        Scenario(f"writes-c{clients}", clients, write),
        Scenario(f"mixed-import-c{clients}", clients, mixed, job),
    ]


async def sign_in(base: str) -> dict[str, str]:
    """One token for all writes: sign-in is rate-limited per account and address."""
    async with httpx.AsyncClient(base_url=base, timeout=60) as http:
        answer = await http.post("/api/auth/token", json=TOKEN_USER)
        answer.raise_for_status()
        return {"Authorization": f"Bearer {answer.json()['access_token']}"}


async def warm_up(base: str, install: Installation, clients: int, seconds: float, server_pid: int) -> None:
    """Every kind of read on many connections, so that each worker has loaded its models and caches."""
    picks = [
        s for s in scenarios(install, clients) if s.name.startswith(("lists", "detail", "search", "matches"))
    ]
    for scenario in picks:
        await drive(base, scenario, seconds, {}, server_pid, seed=99)


async def index_check(base: str, install: Installation, wait: float, probes: int = 10) -> dict[str, Any]:
    """How far behind the demand index each answering process is after the writes and the import.

    Adopter matches (`/api/achievements/{id}/matches`) report the demand index's pending changes as the
    answering process sees them; probes use new connections so that every worker gets asked."""
    path = f"/api/achievements/{install.achievement_ids[0]}/matches"
    start = time.perf_counter()
    while True:
        pending: list[Any] = []
        for _ in range(probes):
            async with httpx.AsyncClient(base_url=base, timeout=60) as http:
                answer = await http.get(path)
            ok = answer.status_code == 200
            pending.append(
                answer.json()["index"]["pending"] if ok else f"{answer.status_code} {answer.text[:200]}"
            )
        waited = time.perf_counter() - start
        if all(p == 0 for p in pending) or waited > wait:
            return {
                "pending_per_probe": pending,
                "current": all(p == 0 for p in pending),
                "waited_s": round(waited, 1),
            }
        await asyncio.sleep(1.0)


async def run_scenarios(
    install: Installation, args: argparse.Namespace, server_pid: int, port: int
) -> dict[str, Any]:
    base = f"http://127.0.0.1:{port}"
    headers = await sign_in(base)
    await warm_up(base, install, min(args.clients, 8), args.warmup, server_pid)
    results: dict[str, Any] = {}
    wanted = set(args.scenarios.split(",")) if args.scenarios else None
    job = ImportJob(install.data_dir / "import.jsonl", args.import_rows, install.env)
    write_import_file(job.path, job.rows, args.seed)
    for scenario in scenarios(install, args.clients, job):
        if wanted and not any(scenario.name.startswith(w) for w in wanted):
            continue
        load = os.getloadavg()[0]
        log(f"{scenario.name}: {args.duration:.0f} s, {scenario.clients} client(s), load {load:.1f}")
        results[scenario.name] = await drive(base, scenario, args.duration, headers, server_pid, args.seed)
        r = results[scenario.name]
        log(f"  {r['rps']} req/s, p50 {r['p50_ms']} ms, p99 {r['p99_ms']} ms, errors {r['errors']}")
    results["index_check"] = await index_check(base, install, args.index_wait)
    return results


# ---- in-process profile ---------------------------------------------------------------------------


def profile_list(install: Installation, requests: int, path: str, top: int = 25) -> dict[str, Any]:
    """Per-request time of one GET over the ASGI app in-process, and a cProfile of it (endpoint inline)."""
    import cProfile
    import io
    import pstats

    import fastapi.dependencies.utils as dependency_utils
    import fastapi.routing as routing

    from kechuang.app import create_app
    from kechuang.config import Settings

    settings = Settings(
        data_dir=install.data_dir,
        database_url=install.database_url,
        embedder=install.embedder,
        index_sync="inline",
    )
    app = create_app(settings)

    async def inline(function: Callable[..., Any], /, *args: Any, **kwargs: Any) -> Any:
        return function(*args, **kwargs)

    async def run(count: int) -> tuple[float, float]:
        """Wall and CPU (all threads) milliseconds per request, client included."""
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://bench") as http:
            start, cpu = time.perf_counter(), time.process_time()
            for _ in range(count):
                answer = await http.get(path)
                if answer.status_code != 200:
                    raise SystemExit(f"{path} answered {answer.status_code}: {answer.text[:300]}")
            return (time.perf_counter() - start) / count * 1000, (time.process_time() - cpu) / count * 1000

    asyncio.run(run(50))
    threadpool_ms = asyncio.run(run(requests))
    saved = routing.run_in_threadpool, dependency_utils.run_in_threadpool
    routing.run_in_threadpool = dependency_utils.run_in_threadpool = inline  # type: ignore[assignment]
    try:
        inline_ms = asyncio.run(run(requests))
        profiler = cProfile.Profile()
        profiler.enable()
        asyncio.run(run(requests))
        profiler.disable()
    finally:
        routing.run_in_threadpool, dependency_utils.run_in_threadpool = saved  # type: ignore[assignment]
    app.state.uow.engine.dispose()
    report: dict[str, Any] = {
        "path": path,
        "requests": requests,
        "ms_per_request": round(threadpool_ms[0], 3),
        "cpu_ms_per_request": round(threadpool_ms[1], 3),
        "ms_per_request_inline": round(inline_ms[0], 3),
        "cpu_ms_per_request_inline": round(inline_ms[1], 3),
    }
    stats = pstats.Stats(profiler)
    report["own_time_by_package"] = own_time_by_package(stats, requests)
    for order in ("cumulative", "tottime"):
        out = io.StringIO()
        pstats.Stats(profiler, stream=out).strip_dirs().sort_stats(order).print_stats(top)
        report[f"top_{order}"] = out.getvalue().splitlines()
    return report


def own_time_by_package(stats: Any, requests: int) -> dict[str, float]:
    """Profiled own time per request (ms) by top-level package: which layer the time is spent in."""
    totals: dict[str, float] = {}
    for (filename, _, name), (_, _, own, _, _) in stats.stats.items():  # type: ignore[attr-defined]
        parts = Path(filename).parts
        if "site-packages" in parts:
            package = parts[parts.index("site-packages") + 1].split(".")[0].removeprefix("_")
        elif "kechuang" in parts:
            package = "kechuang." + parts[parts.index("kechuang") + 1]
        elif filename == "~":
            package = f"builtin {name.split(' of ')[-1].strip('<>{}')[:40]}"
        else:
            package = "stdlib " + Path(filename).stem
        totals[package] = totals.get(package, 0.0) + own
    ranked = sorted(totals.items(), key=lambda item: -item[1])
    return {package: round(seconds / requests * 1000, 3) for package, seconds in ranked[:25]}


# ---- driver ---------------------------------------------------------------------------------------


def log(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def server_log_problems(install: Installation, limit: int = 20) -> list[str]:
    path = install.data_dir / "server.log"
    if not path.exists():
        return []
    lines = path.read_text(errors="replace").splitlines()
    marks = ("Traceback", "ERROR", "Error", "locked", "Exception")
    return [line[:300] for line in lines if any(m in line for m in marks)][:limit]


def print_table(results: dict[str, Any]) -> None:
    header = (
        f"{'scenario':<24} {'clients':>7} {'req/s':>8} {'p50 ms':>8} {'p99 ms':>8} {'errors':>6} "
        f"{'RSS MiB':>8} {'client cpu':>10} {'load':>5}"
    )
    print(header)
    print("-" * len(header))
    for name, r in results.items():
        if "rps" not in r:
            continue
        print(
            f"{name:<24} {r['clients']:>7} {r['rps']:>8} {r['p50_ms']:>8} {r['p99_ms']:>8} {r['errors']:>6} "
            f"{r['peak_rss_mib_sum']:>8} {r['client_cpu_s']:>9}s {r['loadavg']:>5}"
        )
        for label, s in r.get("by_request", {}).items():
            print(f"  {label:<22} {'':>7} {s['rps']:>8} {s['p50_ms']:>8} {s['p99_ms']:>8} {s['errors']:>6}")
        for sample in r["error_samples"]:
            print(f"    ! {sample}")
        if "import" in r:
            print(
                f"  import of {r['import']['rows']} rows: rc {r['import']['rc']}, {r['import']['seconds']} s"
            )


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description="Loopback load test of the real server (see bench/README.md)."
    )
    parser.add_argument("--demands", type=int, default=100_000, help="extra demands (default: 100000)")
    parser.add_argument("--clients", type=int, default=50, help="concurrent clients (default: 50)")
    parser.add_argument("--duration", type=float, default=20.0, help="seconds per scenario (default: 20)")
    parser.add_argument("--workers", type=int, default=1, help="server worker processes (default: 1)")
    parser.add_argument(
        "--database-url",
        default="",
        help="PostgreSQL URL of a database to drop and recreate (default: SQLite in the data dir)",
    )
    parser.add_argument(
        "--uvicorn-args", default="", help="more uvicorn options, e.g. '--http httptools --loop uvloop'"
    )
    parser.add_argument(
        "--app", default="kechuang.app:create_app", help="the app factory uvicorn serves (default: ours)"
    )
    parser.add_argument("--embedder", default="use", help="KECHUANG_EMBEDDER of the server (default: use)")
    parser.add_argument(
        "--data-dir",
        type=Path,
        default=None,
        help="keep the installation here and reuse it when it was prepared with the same options",
    )
    parser.add_argument("--scenarios", default="", help="comma-separated name prefixes to run (default: all)")
    parser.add_argument(
        "--import-rows", type=int, default=5000, help="rows of the parallel import (default: 5000)"
    )
    parser.add_argument(
        "--warmup", type=float, default=2.0, help="warm-up seconds per request kind (default: 2)"
    )
    parser.add_argument(
        "--index-wait",
        type=float,
        default=60.0,
        help="seconds the index check waits for every process's demand index to catch up (default: 60)",
    )
    parser.add_argument(
        "--profile",
        type=int,
        default=2000,
        metavar="N",
        help="in-process cProfile of N list requests after the load (0: none; default: 2000)",
    )
    parser.add_argument(
        "--profile-path", default="/api/achievements?limit=20", help="what to profile (default: the list)"
    )
    parser.add_argument("--profile-only", action="store_true", help="prepare and profile; start no server")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument(
        "--output",
        type=Path,
        default=None,
        help="JSON result file (default: bench/results/load-<date>-<backend>.json)",
    )
    parser.add_argument("--no-output", action="store_true", help="print only; write no JSON file")
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    backend = "postgresql" if args.database_url.startswith("postgresql") else "sqlite"
    folder = args.data_dir or Path(tempfile.mkdtemp(prefix="kechuang-load-"))
    folder.mkdir(parents=True, exist_ok=True)
    url = args.database_url or f"sqlite:///{folder / 'kechuang.db'}"
    install = Installation(folder, url, args.embedder)
    load_start = os.getloadavg()
    print(
        f"load average {load_start[0]:.2f} {load_start[1]:.2f} {load_start[2]:.2f}; CPUs {os.cpu_count()}; "
        f"backend {backend}; {args.demands} extra demands; {args.workers} worker(s); embedder {args.embedder}"
    )
    report: dict[str, Any] = {
        "date": datetime.now().astimezone().isoformat(timespec="seconds"),
        "backend": backend,
        "demands": args.demands,
        "clients": args.clients,
        "duration_s": args.duration,
        "workers": args.workers,
        "uvicorn_args": args.uvicorn_args,
        "embedder": args.embedder,
        "cpu_count": os.cpu_count(),
        "loadavg_start": [round(x, 2) for x in load_start],
    }
    try:
        prepare(install, args.demands, args.seed)
        read_targets(install)
        report["setup_s"] = install.setup_s
        if not args.profile_only:
            port = free_port()
            with running_server(
                install, args.workers, port, shlex.split(args.uvicorn_args), args.app
            ) as server:
                report["scenarios"] = asyncio.run(run_scenarios(install, args, server.pid, port))
            report["server_log_problems"] = server_log_problems(install)
        if args.profile:
            log(f"profiling {args.profile} requests in-process")
            report["profile"] = profile_list(install, args.profile, args.profile_path)
    finally:
        if args.data_dir is None:
            if backend == "postgresql":
                recreate_postgres(url, drop_only=True)
            shutil.rmtree(folder, ignore_errors=True)
    report["loadavg_end"] = [round(x, 2) for x in os.getloadavg()]
    print()
    if "scenarios" in report:
        print_table(report["scenarios"])
        print(f"\nindex check: {report['scenarios']['index_check']}")
        for line in report["server_log_problems"]:
            print(f"server log: {line}")
    if "profile" in report:
        p = report["profile"]
        print(
            f"\nin-process {p['path']}: {p['ms_per_request']} ms/request "
            f"({p['ms_per_request_inline']} ms with the endpoint inline)"
        )
        print("profiled own time per request (ms) by package:")
        for package, ms in p["own_time_by_package"].items():
            print(f"  {package:<50} {ms:>7.3f}")
        print("\n".join(p["top_tottime"][:40]))
    print(f"\nload average at the end {' '.join(map(str, report['loadavg_end']))}")
    if not args.no_output:
        output = args.output or RESULTS_DIR / f"load-{date.today().isoformat()}-{backend}.json"
        output.parent.mkdir(parents=True, exist_ok=True)
        output.write_text(json.dumps(report, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
        inside = output.is_relative_to(BENCH_DIR.parent)
        print(f"wrote {output.relative_to(BENCH_DIR.parent) if inside else output}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
