"""Reference generations of CMA-ES for src/core/optim's parity test (cmaes.csv).

pycma's `cma.purecma` (Hansen's reference code of "The CMA Evolution Strategy: A Tutorial")
samples each generation with numpy's seeded generator; its `tell` then updates the mean,
step size and covariance. The CSV records, for each generation, the samples and their values
(rows `sample`) and the state after `tell` (row `state`: m₁, m₂, σ, C₁₁, C₁₂, C₂₂). The Rust
test tells its CMA-ES the same samples and compares the states. The eigensystem is refreshed
every generation (`lazy_gap_evals = 0`), as the Rust code does; purecma would otherwise reuse
an older one for a generation or two.

    pip install cma numpy && python3 tests/reference/cmaes.py > tests/reference/cmaes.csv

With `nd`, the same for the n-dimensional strategy (5 and 8 dimensions) into cmaes-nd.csv:
rows `sample` hold x₁…xₙ and f, rows `state` hold m₁…mₙ, σ and C's upper triangle row by row.

    python3 tests/reference/cmaes.py nd > tests/reference/cmaes-nd.csv
"""

import sys

import warnings

import numpy as np

warnings.filterwarnings("ignore")
from cma.more_algorithms import purecma  # noqa: E402


def rosenbrock(p):
    x, y = p
    return (1 - x) ** 2 + 100 * (y - x * x) ** 2


def rastrigin(p):
    return 20 + sum(v * v - 10 * np.cos(2 * np.pi * v) for v in p)


CASES = [
    # name, function, start, sigma0, population, generations
    ("rosenbrock", rosenbrock, [-1.5, 2.0], 0.5, 6, 80),
    ("rastrigin", rastrigin, [4.0, 4.0], 2.0, 10, 60),
]

ND_CASES = [
    ("ellipsoid", lambda p: sum(10 ** (3 * i / (len(p) - 1)) * v * v for i, v in enumerate(p)),
     [1.0, -0.5, 2.0, 0.3, -1.2], 0.8, 8, 60),
    ("rosenbrock8", lambda p: sum(100 * (p[i + 1] - p[i] ** 2) ** 2 + (1 - p[i]) ** 2
                                  for i in range(len(p) - 1)),
     [0.0] * 8, 0.3, 12, 60),
]


def nd():
    print("case,gen,what,values")
    for name, fun, start, sigma0, lam, gens in ND_CASES:
        np.random.seed(2)
        es = purecma.CMAES(start, sigma0, popsize=lam)
        es.params.lazy_gap_evals = 0
        n = len(start)
        for g in range(gens):
            xs = es.ask()
            fs = [float(fun(x)) for x in xs]
            for x, fx in zip(xs, fs):
                print(f"{name},{g},sample," + ",".join(repr(float(v)) for v in list(x) + [fx]))
            es.tell(xs, fs)
            c = es.C.data if hasattr(es.C, "data") else es.C
            upper = [c[i][j] for i in range(n) for j in range(i, n)]
            state = list(es.xmean) + [es.sigma] + upper
            print(f"{name},{g},state," + ",".join(repr(float(v)) for v in state))


if len(sys.argv) > 1 and sys.argv[1] == "nd":
    nd()
    sys.exit()

print("case,gen,what,a,b,c,d,e,f")
for name, fun, start, sigma0, lam, gens in CASES:
    np.random.seed(1)
    es = purecma.CMAES(start, sigma0, popsize=lam)
    es.params.lazy_gap_evals = 0
    for g in range(gens):
        xs = es.ask()
        fs = [float(fun(x)) for x in xs]
        for x, fx in zip(xs, fs):
            print(f"{name},{g},sample,{x[0]!r},{x[1]!r},{fx!r},,,")
        es.tell(xs, fs)
        c = es.C.data if hasattr(es.C, "data") else es.C
        m = es.xmean
        print(
            f"{name},{g},state,{m[0]!r},{m[1]!r},{es.sigma!r},"
            f"{c[0][0]!r},{c[0][1]!r},{c[1][1]!r}"
        )
