"""numpy's version of benches/data.rs's surface: the mean squared error of w*x + b over
10,000 rows on a 256 x 256 grid of (w, b), as a user would write it (broadcast, chunked by
grid rows to bound memory).

Run: python3 benches/numpy_data.py   (prints milliseconds, best of 5)
"""
import time
import numpy as np

rng = np.random.default_rng(0)
x = rng.uniform(-2, 2, 10_000)
y = 2 * x + 1 + rng.uniform(-0.5, 0.5, 10_000)
ws = np.linspace(-1.0, 3.0, 256)
bs = np.linspace(-1.0, 2.0, 256)


def surface():
    out = np.empty((256, 256))
    for j, b in enumerate(bs):
        r = ws[:, None] * x[None, :] + b - y[None, :]
        out[j] = (r * r).mean(axis=1)
    return out


best = min(
    (lambda t0: (surface(), time.perf_counter() - t0)[1])(time.perf_counter())
    for _ in range(5)
)
print(f"data_10k_rows/surface_256x256/numpy: {best * 1e3:.1f} ms (numpy {np.__version__})")
