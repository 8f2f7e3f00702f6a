"""torch's side of benches/net.rs: one full-batch Adam step (zero_grad, forward, BCE loss,
backward, step) of 2-16-16-1 tanh on 256 rows and 2-64-64-1 on 10,000 rows, float64 on the
CPU, the median of repeated timings. Run: python3 benches/torch_net.py
"""
import math
import time
import torch

torch.set_default_dtype(torch.float64)


def moons(rows):
    g = torch.Generator().manual_seed(0)
    t = math.pi * torch.rand(rows, generator=g)
    k = torch.arange(rows) % 2
    x = torch.stack([torch.where(k == 0, torch.cos(t), 1 - torch.cos(t)),
                     torch.where(k == 0, torch.sin(t), 0.5 - torch.sin(t))], dim=1)
    return x + 0.1 * torch.randn(rows, 2, generator=g), k.double().unsqueeze(1)


def step_time(widths, rows, repeats):
    x, y = moons(rows)
    layers = []
    for i, (a, b) in enumerate(zip(widths, widths[1:])):
        layers.append(torch.nn.Linear(a, b))
        if i < len(widths) - 2:
            layers.append(torch.nn.Tanh())
    net = torch.nn.Sequential(*layers)
    opt = torch.optim.Adam(net.parameters(), lr=0.01)
    loss = torch.nn.BCEWithLogitsLoss()

    def step():
        opt.zero_grad()
        value = loss(net(x), y)
        value.backward()
        opt.step()

    for _ in range(20):
        step()
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        for _ in range(10):
            step()
        times.append((time.perf_counter() - start) / 10)
    times.sort()
    return times[len(times) // 2]


if __name__ == "__main__":
    print(f"torch {torch.__version__}, {torch.get_num_threads()} threads")
    print(f"2-16-16-1 tanh, 256 rows:    {step_time([2, 16, 16, 1], 256, 200) * 1e6:.1f} us")
    print(f"2-64-64-1 tanh, 10000 rows:  {step_time([2, 64, 64, 1], 10000, 30) * 1e6:.1f} us")
