"""Writes PyTorch reference trajectories (float64) that tests/torch_parity.rs compares against.

Run from the repository root with PyTorch installed:  python3 tests/torch/reference.py
Each case: Rosenbrock from (-1.5, 2), 200 steps; CSV step,x,y with repr() precision.
"""
import math
import os
import torch

torch.set_default_dtype(torch.float64)
HERE = os.path.dirname(os.path.abspath(__file__))
STEPS = 200

def rosenbrock(p):
    x, y = p[0], p[1]
    return (1 - x) ** 2 + 100 * (y - x ** 2) ** 2

CASES = {
    "gd": lambda p: (torch.optim.SGD([p], lr=2e-4), None),
    "momentum": lambda p: (torch.optim.SGD([p], lr=1e-4, momentum=0.9), None),
    "nesterov": lambda p: (torch.optim.SGD([p], lr=1e-4, momentum=0.9, nesterov=True), None),
    "sgd_dampening_wd": lambda p: (torch.optim.SGD([p], lr=1e-4, momentum=0.5, dampening=0.3, weight_decay=0.1), None),
    "adagrad": lambda p: (torch.optim.Adagrad([p], lr=0.1, lr_decay=0.01, weight_decay=0.01), None),
    "rmsprop": lambda p: (torch.optim.RMSprop([p], lr=0.01), None),
    "rmsprop_centered_momentum": lambda p: (torch.optim.RMSprop([p], lr=0.001, momentum=0.5, centered=True, weight_decay=0.01), None),
    "adam": lambda p: (torch.optim.Adam([p], lr=0.05), None),
    "adam_l2": lambda p: (torch.optim.Adam([p], lr=0.01, betas=(0.8, 0.99), eps=1e-6, weight_decay=0.1), None),
    "adamw": lambda p: (torch.optim.AdamW([p], lr=0.05, weight_decay=0.05), None),
    "amsgrad": lambda p: (torch.optim.Adam([p], lr=0.05, amsgrad=True), None),
    "adam_step_lr": lambda p: _sched(torch.optim.Adam([p], lr=0.05), lambda o: torch.optim.lr_scheduler.StepLR(o, step_size=50, gamma=0.5)),
    "adam_cosine": lambda p: _sched(torch.optim.Adam([p], lr=0.05), lambda o: torch.optim.lr_scheduler.CosineAnnealingLR(o, T_max=100, eta_min=0.001)),
    "momentum_exp": lambda p: _sched(torch.optim.SGD([p], lr=1e-4, momentum=0.9), lambda o: torch.optim.lr_scheduler.ExponentialLR(o, gamma=0.99)),
    "rmsprop_warmup": lambda p: _sched(torch.optim.RMSprop([p], lr=0.01), lambda o: torch.optim.lr_scheduler.LinearLR(o, start_factor=0.1, total_iters=20)),
}

def _sched(opt, make):
    return opt, make(opt)

def main():
    for name, make in CASES.items():
        p = torch.tensor([-1.5, 2.0], requires_grad=True)
        opt, sched = make(p)
        rows = [(0, p[0].item(), p[1].item())]
        for step in range(1, STEPS + 1):
            opt.zero_grad()
            rosenbrock(p).backward()
            opt.step()
            if sched is not None:
                sched.step()
            rows.append((step, p[0].item(), p[1].item()))
        with open(os.path.join(HERE, name + ".csv"), "w") as f:
            f.write(f"# torch {torch.__version__}\nstep,x,y\n")
            for s, x, y in rows:
                f.write(f"{s},{x!r},{y!r}\n")
        print(name, rows[-1])

if __name__ == "__main__":
    main()
