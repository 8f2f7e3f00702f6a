"""numpy's version of benches/atlas.rs: gradient descent (lr 0.01, 1,000 steps) from every
start of a 256 x 256 grid over Himmelblau's [-5, 5]², vectorised over all starts, then each
end given its nearest minimum, as a user would write it instead of `gradscape basins`.

Run: python3 benches/numpy_basins.py   (the whole process, start-up included, is what
benches/atlas.rs times; alone it also prints the loop's time)
"""
import time

import numpy as np

t0 = time.perf_counter()
g = np.linspace(-5.0, 5.0, 256)
x, y = np.meshgrid(g, g)
x, y = x.ravel().copy(), y.ravel().copy()
for _ in range(1000):
    a = x * x + y - 11.0
    b = x + y * y - 7.0
    gx = 4.0 * x * a + 2.0 * b
    gy = 2.0 * a + 4.0 * y * b
    x -= 0.01 * gx
    y -= 0.01 * gy
minima = np.array([[3.0, 2.0], [-2.805118, 3.131312], [-3.779310, -3.283186], [3.584428, -1.848126]])
d = np.hypot(x[:, None] - minima[None, :, 0], y[:, None] - minima[None, :, 1])
basin = np.where(d.min(axis=1) < 0.01, d.argmin(axis=1), -1)
print(f"basins 256x256 x 1000 GD steps, numpy {np.__version__}: "
      f"{(time.perf_counter() - t0) * 1e3:.0f} ms; per basin {np.bincount(basin + 1)}")
