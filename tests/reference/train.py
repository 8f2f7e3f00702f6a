"""Writes PyTorch's training of small networks (float64), which src/core/net/tests.rs
compares against without torch: 6 optimizers x (tanh, relu) x (bce, ce, mse), 50 full-batch
steps then 50 mini-batch steps.

Run from the repository root with PyTorch installed:  python3 tests/reference/train.py
The networks, rows and targets are net.py's closed forms; the mini-batch of step k (from 0)
is rows (5k + 3j) mod 12 for j = 0..3. CSV: case,losses,theta (each space-separated: the loss
each step saw, then the parameters after the last step, repr precision).
"""
import os
import sys
import torch

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
from net import ROWS, data, network  # noqa: E402

torch.set_default_dtype(torch.float64)
STEPS = 50
OPTIMIZERS = {
    "gd": lambda p: torch.optim.SGD(p, lr=0.1),
    "momentum": lambda p: torch.optim.SGD(p, lr=0.05, momentum=0.9),
    "nesterov": lambda p: torch.optim.SGD(p, lr=0.05, momentum=0.9, nesterov=True),
    "rmsprop": lambda p: torch.optim.RMSprop(p, lr=0.01),
    "adam": lambda p: torch.optim.Adam(p, lr=0.01),
    "adamw": lambda p: torch.optim.AdamW(p, lr=0.01, weight_decay=0.1),
}


def main():
    losses = {"bce": torch.nn.BCEWithLogitsLoss(), "ce": torch.nn.CrossEntropyLoss(), "mse": torch.nn.MSELoss()}
    lines = ["case,losses,theta"]
    for loss_name, loss in losses.items():
        widths = [2, 5, 4, 3] if loss_name == "ce" else [2, 5, 4, 1]
        for activation in ("tanh", "relu"):
            for opt_name, make in OPTIMIZERS.items():
                x, y = data(loss_name)
                net = network(widths, activation)
                opt = make(list(net.parameters()))
                seen = []
                for step in range(2 * STEPS):
                    rows = list(range(ROWS)) if step < STEPS else [(5 * (step - STEPS) + 3 * j) % ROWS for j in range(4)]
                    opt.zero_grad()
                    value = loss(net(x[rows]), y[rows])
                    value.backward()
                    opt.step()
                    seen.append(value.item())
                theta = torch.cat([p.detach().view(-1) for p in net.parameters()])
                case = f"{'-'.join(map(str, widths))} {activation} {loss_name} {opt_name}"
                lines.append(f"{case},{' '.join(repr(v) for v in seen)},{' '.join(repr(v) for v in theta.tolist())}")
    with open(os.path.join(HERE, "train.csv"), "w") as f:
        f.write("\n".join(lines) + "\n")


if __name__ == "__main__":
    main()
