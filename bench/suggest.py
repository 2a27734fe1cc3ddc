"""Category suggestions: latency per suggestion on one core, and a web worker's memory.

    .venv/bin/python bench/suggest.py [--repeat N]

Builds the model from the corpus into a throw-away var directory and a seeded throw-away
SQLite database, pins itself to one CPU, and times over the held-out texts (each `--repeat`
times, default 5):
- baselines measured in the same run: a dict lookup of a category by code, and the text's
  features alone (normalising, romanising, n-grams: the tokenisation);
- the model's ranking (scorer.rank: features + TF-IDF + linear model + softmax);
- the whole service (services.suggest: checks, active categories, ranking, signed token).
Then, in a fresh process set up as a web worker (Django, every URL and API module imported),
its RSS before and after the first suggestion, after 1,000 more, and whether scikit-learn,
SciPy or NumPy were imported; and for comparison a process that imports the training stack.
"""

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "src"))

WORKER = r"""
import json, sys, django
def rss():
    for line in open("/proc/self/status"):
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
django.setup()
import igrs.urls  # every view and API module, as a web worker has them
from django.test import Client
Client().get("/")  # a first page: templates, middleware
from igrs.intelligence import services
texts = [line.split("\t")[0] for line in open(sys.argv[1], encoding="utf-8")]
before = rss()
services.suggest(texts[0], channel="api")
first = rss()
for i in range(1000):
    services.suggest(texts[i % len(texts)], channel="api")
after = rss()
heavy = sorted(m for m in ("sklearn", "scipy", "numpy") if m in sys.modules)
print(json.dumps({"before": before, "first": first, "after": after, "heavy": heavy}))
"""

TRAINING_STACK = r"""
def rss():
    for line in open("/proc/self/status"):
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
before = rss()
import sklearn.svm, sklearn.feature_extraction.text, scipy.optimize  # noqa
print(rss() - before)
"""


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))]


def timed(fn, inputs: list, repeat: int) -> tuple[list[float], list[float]]:
    """Wall-clock and CPU (this thread's) milliseconds per call. On a shared machine the wall
    clock also counts the time other processes held the core; the CPU time does not."""
    for item in inputs[:50]:
        fn(item)  # warm up
    wall, cpu = [], []
    for _ in range(repeat):
        for item in inputs:
            started, started_cpu = time.perf_counter_ns(), time.thread_time_ns()
            fn(item)
            cpu.append((time.thread_time_ns() - started_cpu) / 1e6)
            wall.append((time.perf_counter_ns() - started) / 1e6)
    return wall, cpu


def setup_django(var_dir: Path) -> None:
    os.environ["IGRS_VAR_DIR"] = str(var_dir)
    os.environ["IGRS_DATABASE_URL"] = f"sqlite:///{var_dir / 'bench.sqlite3'}"
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "igrs.settings")
    import django
    from django.core.management import call_command

    django.setup()
    call_command("migrate", verbosity=0)
    from igrs.directory.seed import seed_directory

    seed_directory()


def build_model() -> None:
    from igrs.intelligence import corpus, engine, training

    examples = corpus.examples("train")
    data = training.build(examples, {"corpus": corpus.fingerprint(), "corrections": 0})
    engine.model_path().parent.mkdir(parents=True, exist_ok=True)
    engine.model_path().write_bytes(data)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    os.sched_setaffinity(0, {sorted(os.sched_getaffinity(0))[0]})  # one core
    load_before = os.getloadavg()
    with tempfile.TemporaryDirectory(prefix="igrs-suggest-bench-") as tmp:
        var_dir = Path(tmp)
        setup_django(var_dir)
        started = time.perf_counter()
        build_model()
        build_seconds = time.perf_counter() - started

        from igrs.intelligence import corpus, engine, selectors, services
        from igrs.intelligence.features import analyse

        model = engine.loaded()
        categories = selectors.suggestible_categories()
        texts = [e.text for e in corpus.examples("test")]
        codes = list(categories)
        rows = [
            (
                "baseline: dict lookup of a category",
                timed(
                    lambda i: categories.get(codes[i % len(codes)]),
                    list(range(len(texts))),
                    args.repeat,
                ),
            ),
            (
                "baseline: the text's features alone (tokenisation)",
                timed(lambda t: analyse(t, model.scorer.spec), texts, args.repeat),
            ),
            (
                "model: rank (features + TF-IDF + linear + softmax)",
                timed(lambda t: model.scorer.rank(t, categories, 5), texts, args.repeat),
            ),
            (
                "service: services.suggest (checks, ranking, token)",
                timed(lambda t: services.suggest(t, channel="api"), texts, args.repeat),
            ),
        ]
        tokenise_p50 = statistics.median(rows[1][1][1])
        print(
            f"Model built from the corpus in {build_seconds:.1f} s "
            f"({len(model.scorer.index)} features, {len(model.scorer.classes)} categories, "
            f"{engine.model_path().stat().st_size / 1e6:.1f} MB file); one core; "
            f"{len(texts)} held-out texts × {args.repeat}."
        )
        print()
        print(f"Load average before: {load_before}; after: {os.getloadavg()}")
        print()
        print(
            "| what | CPU p50 ms | CPU p95 ms | CPU p99 ms | wall p50 ms | wall p95 ms | "
            "CPU p50 × tokenisation |"
        )
        print("|---|---|---|---|---|---|---|")
        for name, (wall, cpu) in rows:
            p50 = statistics.median(cpu)
            print(
                f"| {name} | {p50:.4f} | {percentile(cpu, 0.95):.4f} | "
                f"{percentile(cpu, 0.99):.4f} | {statistics.median(wall):.4f} | "
                f"{percentile(wall, 0.95):.4f} | {p50 / tokenise_p50:.2f} |"
            )

        held_out = var_dir / "held-out.tsv"
        held_out.write_text("\n".join(f"{t}\tX" for t in texts), encoding="utf-8")
        worker = subprocess.run(
            [sys.executable, "-c", WORKER, str(held_out)],
            check=True,
            capture_output=True,
            text=True,
            env=os.environ,
        )
        memory = json.loads(worker.stdout.splitlines()[-1])
        stack = float(
            subprocess.run(
                [sys.executable, "-c", TRAINING_STACK], check=True, capture_output=True, text=True
            ).stdout
        )
        print()
        print("| web worker (Django, all URLs imported) | RSS MB |")
        print("|---|---|")
        print(f"| before the first suggestion | {memory['before']:.1f} |")
        print(
            f"| after the first (model loaded) | {memory['first']:.1f} "
            f"(+{memory['first'] - memory['before']:.1f}) |"
        )
        print(
            f"| after 1,000 more | {memory['after']:.1f} "
            f"(+{memory['after'] - memory['before']:.1f}) |"
        )
        print(
            f"| scikit-learn / SciPy / NumPy imported in the worker | "
            f"{', '.join(memory['heavy']) or 'none'} |"
        )
        print(f"| for comparison: importing the training stack (sklearn, SciPy) | +{stack:.1f} |")


if __name__ == "__main__":
    main()
