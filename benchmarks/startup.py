"""Start-up of the command line: what ``verify list`` or an exit-2 message waits for.

Usage: python benchmarks/startup.py [--repeats N] [--json out.json]

Times, in fresh interpreters (best of ``repeats``), ``import verify.cli.main`` as the CLI does
it against the same import preceded by the heavy dependencies verify now imports on first use
(cvxpy, matplotlib's figure and Agg canvas, scipy.stats: the imports of the code before
:mod:`verify.lazy`), and ``verify list`` itself.  The ratio is the start-up the lazy imports
save; nothing here asserts.
"""
from __future__ import annotations

import argparse
import subprocess
import sys
import time

from common import write_json

EAGER = "import cvxpy, matplotlib.figure, matplotlib.backends.backend_agg, scipy.stats; "


def best(args: list[str], repeats: int) -> float:
    """Best wall seconds of ``python args`` over ``repeats`` fresh processes."""
    times = []
    for _ in range(repeats):
        t0 = time.perf_counter()
        subprocess.run([sys.executable, *args], check=True, stdout=subprocess.DEVNULL)
        times.append(time.perf_counter() - t0)
    return min(times)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--repeats", type=int, default=5)
    ap.add_argument("--json")
    args = ap.parse_args()
    bare = best(["-c", "pass"], args.repeats)
    lazy = best(["-c", "import verify.cli.main"], args.repeats)
    eager = best(["-c", EAGER + "import verify.cli.main"], args.repeats)
    listing = best(["-m", "verify", "list"], args.repeats)
    print(f"python itself {bare:.2f} s; import verify.cli.main {lazy:.2f} s, with the heavy "
          f"dependencies imported first (as before) {eager:.2f} s: x{eager / lazy:.2f}; "
          f"verify list {listing:.2f} s")
    write_json(args.json, {"python_s": bare, "import_s": lazy, "eager_import_s": eager,
                           "ratio": eager / lazy, "list_s": listing})


if __name__ == "__main__":
    main()
