"""numpy's vectorised evaluation of the benchmark grids: what a user would write instead.

Run: python3 benches/numpy_baseline.py   (prints milliseconds per 1024×1024 grid, best of 20)
Same domain and functions as benches/engine.rs's grid_1024x1024 group.
"""
import time
import numpy as np

N = 1024
xs = np.linspace(-5.0, 5.0, N)
X, Y = np.meshgrid(xs, xs)

def rosenbrock(x, y):
    return (1 - x) ** 2 + 100 * (y - x ** 2) ** 2

def ackley(x, y):
    return (-20 * np.exp(-0.2 * np.sqrt(0.5 * (x ** 2 + y ** 2)))
            - np.exp(0.5 * (np.cos(2 * np.pi * x) + np.cos(2 * np.pi * y))) + np.e + 20)

def best_of(f, runs=20):
    times = []
    for _ in range(runs):
        t0 = time.perf_counter()
        f(X, Y)
        times.append(time.perf_counter() - t0)
    return min(times)

for name, f in [("rosenbrock", rosenbrock), ("ackley", ackley)]:
    best = best_of(f)
    print(f"grid_1024x1024/{name}/numpy: {best * 1e3:.2f} ms (numpy {np.__version__})")
