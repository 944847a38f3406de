"""RESULTS.md and chart.png for one run, from its results.json.

Everything said about the run's conditions (how busy the machine was, what was pinned
where) is computed from what the run measured; hand-written notes are added only when
given for this run (``--notes FILE``).
"""

from __future__ import annotations

import datetime as dt
import json
import platform
import statistics
import subprocess
from pathlib import Path
from typing import Any

from servers import NODE, PG5_DIR, PY, ROOT
from workloads import WORKLOADS

BUSY_PCT = 20  # other load above this, in % of one core, marks a cell as disturbed


def machine() -> dict[str, str]:
    def sh(cmd: list[str]) -> str:
        try:
            return subprocess.run(cmd, capture_output=True, text=True, check=False).stdout.strip()
        except OSError:
            return "?"

    cpu = "?"
    for line in Path("/proc/cpuinfo").read_text().splitlines():
        if line.startswith("model name"):
            cpu = line.split(":", 1)[1].strip()
            break
    mem_kb = int(Path("/proc/meminfo").read_text().split()[1])
    pkgs = sh(
        [
            str(PY),
            "-c",
            "import importlib.metadata as m; print(', '.join(p + ' ' + m.version(p) for p in "
            "('strawberry-graphql', 'fastapi', 'uvicorn', 'asyncpg', 'graphql-core')))",
        ]
    )

    def version(pkg: str) -> str:
        path = PG5_DIR / "node_modules" / pkg / "package.json"
        return json.loads(path.read_text())["version"] if path.exists() else "?"

    return {
        "date": dt.datetime.now(dt.UTC).strftime("%Y-%m-%d %H:%M UTC"),
        "nproc": sh(["nproc"]),
        "cpu": cpu,
        "memory": f"{mem_kb / 1024 / 1024:.0f} GiB",
        "kernel": platform.release(),
        "python": platform.python_version(),
        "sitrep_packages": pkgs,
        "node": sh([str(NODE), "--version"]),
        "postgraphile": version("postgraphile"),
        "connection_filter": version("postgraphile-plugin-connection-filter"),
        "wrk": sh(["sh", "-c", "wrk -v 2>&1 | head -1"]),
        "git": sh(["git", "-C", str(ROOT), "rev-parse", "--short", "HEAD"]),
        "dirty": "yes" if sh(["git", "-C", str(ROOT), "status", "--porcelain"]) else "",
    }


def fmt(v: Any, digits: int = 1) -> str:
    if v is None:
        return "–"  # noqa: RUF001
    if isinstance(v, float):
        return f"{v:,.{digits}f}"
    return str(v)


def ratio(a: float | None, b: float | None) -> str:
    return f"{a / b:.2f}×" if a and b else "–"  # noqa: RUF001


def conditions(res: dict[str, Any]) -> list[str]:
    """What the machine was doing besides the benchmark, from the run's own measurements."""
    cells = [
        r
        for w in res["closed"].values()
        for t in w.values()
        if isinstance(t, dict)
        for c, r in t.items()
        if c in ("1", "10") and r.get("other_cpu_pct") is not None
    ]
    if not cells:
        return []
    other = [r["other_cpu_pct"] for r in cells]
    unattributed = [r.get("unattributed_cpu_pct") or 0 for r in cells]
    busy = sum(o > BUSY_PCT for o in other)
    names: dict[str, float] = {}
    for r in cells:
        for name, pct in r.get("other_top") or []:
            names[name] = names.get(name, 0) + pct / len(cells)
    top = ", ".join(f"{n} {p:.0f}%" for n, p in sorted(names.items(), key=lambda kv: -kv[1])[:3])
    load0, load1 = res.get("loadavg_start"), res.get("loadavg_end")
    lines = [
        f"- **Other load.** Processes outside the benchmark used a median of "
        f"{statistics.median(other):.0f}% and at most {max(other):.0f}% of one core during "
        f"the {len(cells)} closed-loop measurements (column *other load %*"
        + (f"; on average mostly {top}" if top and max(other) > 5 else "")
        + ")."
    ]
    if busy:
        lines.append(
            f"- **This run was disturbed:** {busy} of {len(cells)} measurements had more than "
            f"{BUSY_PCT}% of a core of other load (marked †). Compare the ratios within this "
            "run rather than its absolute numbers, and do not quote them as this machine's."
        )
    else:
        lines.append(
            f"- **This run was quiet:** no measurement had more than {BUSY_PCT}% of a core of "
            "other load."
        )
    lines.append(
        f"- CPU the machine spent that no live process accounts for (processes that started "
        f"and ended within a measurement, such as PostgreSQL's parallel workers, and the "
        f"kernel): median {statistics.median(unattributed):.0f}%, at most "
        f"{max(unattributed):.0f}% of one core."
    )
    if load0 and load1:
        lines.append(
            f"- Load average (1, 5, 15 min): {' '.join(map(str, load0))} at the start, "
            f"{' '.join(map(str, load1))} at the end."
        )
    return lines


def _pool_note(res: dict[str, Any], labels: dict[str, str]) -> str:
    """Where the multi-worker server's pools were made smaller to fit max_connections."""
    pool = res.get("connections", {}).get("multi_worker_pool", 10)
    multi = [t["name"] for t in res["targets"] if t["workers"] > 1]
    if not multi or pool == 10:
        return ""
    return (
        f" ({labels[multi[0]]}: up to {pool} per pool, so that the run fits in the "
        f"{res['connections']['free']} connections PostgreSQL accepted)"
    )


def write_report(res: dict[str, Any], run_dir: Path) -> None:
    m = res["machine"]
    targets = res["targets"]  # [{name, label, cores, workers}], servers only
    labels = {t["name"]: t["label"] for t in targets}
    if res.get("thin"):
        labels["thin"] = res["thin"]["label"]
    if res.get("hop"):
        labels["hop"] = res["hop"]["label"]
    labels["floor"] = "SQL floor"
    labels["statement"] = "Sitrep's statement alone"
    labels["paced"] = "Sitrep's statement alone, paced like HTTP"
    names = [*labels]
    multi = [t["name"] for t in targets if t["workers"] > 1]
    thin = bool(res.get("thin"))
    hop = bool(res.get("hop"))
    client, server, pg = res["cores"]["client"], res["cores"]["server"], res["cores"]["postgres"]
    pinned = "; ".join(
        f"{t['label']}: " + (f"pinned to core {t['cores']}" if t["cores"] else "not pinned")
        for t in targets
    )
    src = (
        f"Sitrep at commit `{res['commit']}`"
        if res.get("commit")
        else f"Sitrep's working tree at `{m['git']}`" + (" with changes" if m["dirty"] else "")
    )
    fx = res["fixture"]
    lines = [
        "# Sitrep benchmark results",
        "",
        f"Run {m['date']} with `bench/run.sh {' '.join(res['argv'])}` ({src}).",
        "",
        "## Conditions",
        "",
        *conditions(res),
        "",
        "## Machine and versions",
        "",
        f"- {m['nproc']} cores ({m['cpu']}), {m['memory']} RAM, Linux {m['kernel']}",
        f"- {res['postgres_server']} (system server, default configuration; not pinned "
        "during the measurements"
        + (
            f", pinned to core {pg} during the profile)"
            if res.get("profile", {}).get("postgres_pinned")
            else ")"
        ),
        f"- Sitrep: Python {m['python']}; {m['sitrep_packages']}; `sitrep serve`, two asyncpg "
        "pools (custom and generic plans) of up to 10 per worker" + _pool_note(res, labels),
        f"- PostGraphile {m['postgraphile']} + postgraphile-plugin-connection-filter "
        f"{m['connection_filter']} on Node {m['node']} (amber preset, production mode, "
        "pg pool of 10)",
        f"- Servers: {pinned}.",
        f"- Load: {m['wrk']} (closed loop), bench/openloop.py (open loop), bench/floor.py "
        f"(asyncpg, the SQL floor), all pinned to core {client}; the server core is {server}.",
        "",
        "## Data",
        "",
        f"`sitrep demo generate --incidents {res['incidents']:,} --seed {res['seed']}`"
        + (":" if res.get("load_summary") else " (reused from an earlier run of this harness)."),
        "",
    ]
    if res.get("load_summary"):
        lines += ["```", *res["load_summary"], "```", ""]
    lines += [
        "Workload parameters (`fixture.json`): "
        f"headline actor *{fx['headline']['actor']}*, week "
        f"{fx['headline']['from']}..{fx['headline']['to']}; page "
        f"country {fx['page']['country']} in {fx['page']['year']} "
        f"({fx['page']['incidents']:,} incidents); deep actor "
        f"*{fx['deep']['actor']}*; node incident {fx['node']['incident_id']}.",
        "",
        "## Verification",
        "",
        "| workload | rows | " + " | ".join(f"{labels[t['name']]} = floor" for t in targets) + " |",
        "|---|---:|" + "---|" * len(targets),
    ]
    for w in res["workloads"]:
        v = res["verify"][w]
        cells = ["yes" if v[t["name"]]["ok"] else "NO: " + v[t["name"]]["diff"] for t in targets]
        lines.append(f"| {w} | {fmt(v['rows'])} | " + " | ".join(cells) + " |")
    closed = res["closed"]
    lines += [
        "",
        "## Ratios (the headline)",
        "",
        "Throughput ratios from the closed loop; latency ratios at 1 client (no queueing). "
        "Sitrep is the 1-worker server, pinned like PostGraphile."
        + (
            f" {labels[multi[0]]}, not pinned, is compared separately in the last column."
            if multi
            else ""
        ),
        "",
        "| workload | Sitrep ÷ PostGraphile req/s (10 clients) | (1 client) "
        "| Sitrep ÷ floor req/s (10) | Sitrep p50 ÷ floor p50 (1 client) "
        "| Sitrep p50 ÷ PostGraphile p50 (1) | Sitrep p50 ÷ its statement's p50 (1) "
        "| Sitrep CPU ms/req"
        + (f" | {labels[multi[0]]} ÷ PostGraphile req/s (10)" if multi else "")
        + (" | thin route p50 ÷ statement p50 (1) | Sitrep p50 ÷ thin p50 (1)" if thin else "")
        + (" | Sitrep p50 ÷ paced statement p50 (1) | HTTP hop alone p50 ms (1)" if hop else "")
        + " |",
        "|---|---:|---:|---:|---:|---:|---:|---:|"
        + ("---:|" if multi else "")
        + ("---:|---:|" if thin else "")
        + ("---:|---:|" if hop else ""),
    ]
    for w in res["workloads"]:
        s10, p10, f10 = (closed[w][t].get("10") for t in ("sitrep", "postgraphile", "floor"))
        s1, p1, f1 = (closed[w][t].get("1") for t in ("sitrep", "postgraphile", "floor"))
        st1 = closed[w].get("statement", {}).get("1")
        row = (
            f"| {w} | {ratio(s10 and s10['rps'], p10 and p10['rps'])} | "
            f"{ratio(s1 and s1['rps'], p1 and p1['rps'])} | "
            f"{ratio(s10 and s10['rps'], f10 and f10['rps'])} | "
            f"{ratio(s1 and s1['p50'], f1 and f1['p50'])} | "
            f"{ratio(s1 and s1['p50'], p1 and p1['p50'])} | "
            f"{ratio(s1 and s1['p50'], st1 and st1['p50'])} | "
            f"{fmt(s10 and s10['server_cpu_ms'], 2)} |"
        )
        if multi:
            n10 = closed[w][multi[0]].get("10")
            row += f" {ratio(n10 and n10['rps'], p10 and p10['rps'])} |"
        if thin:
            t1 = closed[w].get("thin", {}).get("1")
            row += (
                f" {ratio(t1 and t1['p50'], st1 and st1['p50'])} |"
                f" {ratio(s1 and s1['p50'], t1 and t1['p50'])} |"
            )
        if hop:
            h1 = closed[w].get("hop", {}).get("1")
            pc1 = closed[w].get("paced", {}).get("1")
            row += f" {ratio(s1 and s1['p50'], pc1 and pc1['p50'])} | {fmt(h1 and h1['p50'], 2)} |"
        lines.append(row)
    if hop:
        lines += [
            "",
            "*Paced*: the statement alone at 1 client with the client idle, after each "
            "statement, for the HTTP hop's p50 (a do-nothing server's round trip, measured "
            "just before). A server answering one client waits that long for each next "
            "request, and on a virtual machine an idle core makes the next statement slower "
            "(wake-up, cold caches); the tight loop of *statement alone* never idles.",
        ]
    lines += [
        "",
        "## Closed loop",
        "",
        f"{res['repeats']} repeat(s) of {res['duration']} s after {res['warmup']} s of warm-up; "
        "medians. Latencies in ms. CPU = CPU time per request (user + system, from /proc) of "
        "the server's processes (all its workers) and of the PostgreSQL processes serving "
        "the benchmark database. Peak RSS = the server's VmHWM during the workload (summed "
        "over its workers). Other load = CPU used by processes outside the benchmark during "
        f"the measurement, in % of one core († above {BUSY_PCT}%).",
        "",
        "| workload | server | clients | req/s | p50 | p90 | p99 | server CPU ms/req | "
        "PG CPU ms/req | peak RSS MB | errors | other load % |",
        "|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for w in res["workloads"]:
        for t in names:
            for c in ("1", "10"):
                r = closed[w].get(t, {}).get(c)
                if r is None:
                    continue
                other = r.get("other_cpu_pct")
                mark = " †" if other is not None and other > BUSY_PCT else ""
                lines.append(
                    f"| {w} | {labels[t]} | {c} | {fmt(r['rps'])} | {fmt(r['p50'], 2)} | "
                    f"{fmt(r['p90'], 2)} | {fmt(r['p99'], 2)} | {fmt(r['server_cpu_ms'], 2)} | "
                    f"{fmt(r['pg_cpu_ms'], 2)} | {fmt(closed[w][t].get('rss_mb'))} | "
                    f"{r['errors']} | {fmt(other, 0)}{mark} |"
                )
    if res.get("open"):
        lines += [
            "",
            "## Open loop",
            "",
            f"Fixed arrival rate for {res['open_duration']} s at 50% and 80% of the slower "
            "pinned server's closed-loop maximum (10 clients) for that workload; latency from "
            "the scheduled send time (no coordinated omission); up to 64 connections; a "
            "request that finds all 64 busy is dropped.",
            "",
            "| workload | server | target req/s | achieved | p50 | p90 | p99 | dropped | errors |",
            "|---|---|---:|---:|---:|---:|---:|---:|---:|",
        ]
        for w in res["workloads"]:
            for key, r in res["open"].get(w, {}).items():
                t, pct = key.split("@")
                lines.append(
                    f"| {w} | {labels[t]} ({pct}) | {fmt(r['rate'])} | {fmt(r['achieved'])} | "
                    f"{fmt(r['p50'], 2)} | {fmt(r['p90'], 2)} | {fmt(r['p99'], 2)} | "
                    f"{r['dropped']} | {r['errors']} |"
                )
    if res.get("profile"):
        p = res["profile"]
        where = (
            f"PostgreSQL pinned to core {pg}, the server alone on core {server}"
            if p["postgres_pinned"]
            else f"PostgreSQL **not** pinned ({p['postgres_pin_error']}): it shared the "
            "server's core, so waiting-to-run time counts as work"
        )
        lines += [
            "",
            f"## Where Sitrep's time goes ({p['workload']})",
            "",
            f"py-spy, {p['samples']:,} samples at 200 Hz of the 1-worker Sitrep process under "
            f"10 clients on `{p['workload']}` (the workload furthest from the floor), {where}. "
            "Collapsed stacks: `profile-sitrep.txt.gz`.",
            "",
            "Leaf-most layer of each sample:",
            "",
            "| layer | % of samples |",
            "|---|---:|",
            *[f"| {g} | {pct:.1f} |" for g, pct in p["groups"]],
            "",
            "Top functions by self time:",
            "",
            "| function | self % |",
            "|---|---:|",
            *[f"| `{f}` | {pct:.1f} |" for f, pct in p["self"]],
            "",
            "Top functions by inclusive time:",
            "",
            "| function | inclusive % |",
            "|---|---:|",
            *[f"| `{f}` | {pct:.1f} |" for f, pct in p["inclusive"]],
        ]
    lines += ["", "![chart](chart.png)", ""]
    if res.get("notes"):
        lines += ["## Notes", "", *res["notes"], ""]
    (run_dir / "RESULTS.md").write_text("\n".join(lines))


def chart(res: dict[str, Any], run_dir: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    colors = {"sitrep": "#1f77b4", "postgraphile": "#ff7f0e", "floor": "#7f7f7f"}
    series = [(t["name"], t["label"]) for t in res["targets"]]
    series.sort(key=lambda s: s[0] == "postgraphile")  # Sitrep variants first
    series.append(("floor", "SQL floor (asyncpg)"))
    workloads = [w for w in WORKLOADS if w in res["closed"]]
    fig, axes = plt.subplots(1, 2, figsize=(13, 4.8))
    width = 0.8 / len(series)
    xs = range(len(workloads))
    for ax, (metric, clients, title, ylabel) in zip(
        axes,
        [
            ("rps", "10", "Throughput, 10 clients (closed loop)", "requests/s (log)"),
            ("p50", "1", "Median latency, 1 client", "ms (log)"),
        ],
        strict=True,
    ):
        for k, (key, label) in enumerate(series):
            vals = [
                (res["closed"][w].get(key, {}).get(clients) or {}).get(metric) or 0
                for w in workloads
            ]
            offset = (k - (len(series) - 1) / 2) * width
            color = colors.get(key, "#17becf")  # sitrep-Nw: a lighter blue
            ax.bar([x + offset for x in xs], vals, width, label=label, color=color)
        ax.set_yscale("log")
        ax.set_xticks(list(xs), workloads)
        ax.set_title(title)
        ax.set_ylabel(ylabel)
        ax.grid(axis="y", alpha=0.3)
    axes[0].legend()
    fig.suptitle(
        f"Sitrep benchmark — {res['incidents']:,} incidents, "
        f"{res['machine']['nproc']} cores, {res['machine']['date']}"
    )
    fig.tight_layout()
    fig.savefig(run_dir / "chart.png", dpi=110)
