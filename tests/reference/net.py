"""Writes PyTorch's loss and gradient (float64) for small networks, which src/core/net/tests.rs
compares against without torch.

Run from the repository root with PyTorch installed:  python3 tests/reference/net.py
The parameters, inputs and targets are closed forms both sides compute (no random draws):
theta_i = 0.5 sin(1.3 i + 0.7) in torch's parameter order, x[r][j] = 1.5 cos(0.9 r + 1.7 j + 0.3),
targets: bce 1 where x0 x1 > 0, ce r mod 3, mse sin(2 x0) + x1. CSV: case,rows,loss,gradient
(the gradient space-separated, repr precision). hessian.csv: case,lambda_min,lambda_max,hv:
the extreme eigenvalues of the Hessian over all rows, and H v for v_i = cos(0.3 i).
sharpness.csv: case,rows,lambda_min,lambda_max for networks beyond 1,000 parameters on 64 rows
of the same closed forms (what Lanczos is checked against).
"""
import math
import os
import torch

torch.set_default_dtype(torch.float64)
HERE = os.path.dirname(os.path.abspath(__file__))
ROWS = 12
SUBSET = [1, 3, 4, 7, 10]
ACTIVATIONS = {"tanh": torch.nn.Tanh, "relu": torch.nn.ReLU, "sigmoid": torch.nn.Sigmoid, "linear": torch.nn.Identity}


def network(widths, activation):
    layers = []
    for i, (a, b) in enumerate(zip(widths, widths[1:])):
        layers.append(torch.nn.Linear(a, b))
        if i < len(widths) - 2:
            layers.append(ACTIVATIONS[activation]())
    net = torch.nn.Sequential(*layers)
    with torch.no_grad():
        k = 0
        for p in net.parameters():
            flat = p.view(-1)
            for i in range(flat.numel()):
                flat[i] = 0.5 * math.sin(1.3 * k + 0.7)
                k += 1
    return net


def data(loss, rows=ROWS):
    x = torch.tensor([[1.5 * math.cos(0.9 * r + 1.7 * j + 0.3) for j in range(2)] for r in range(rows)])
    if loss == "bce":
        y = torch.tensor([1.0 if x[r, 0] * x[r, 1] > 0 else 0.0 for r in range(rows)]).unsqueeze(1)
    elif loss == "ce":
        y = torch.tensor([r % 3 for r in range(rows)])
    else:
        y = torch.tensor([math.sin(2 * x[r, 0].item()) + x[r, 1].item() for r in range(rows)]).unsqueeze(1)
    return x, y


def main():
    losses = {"bce": torch.nn.BCEWithLogitsLoss(), "ce": torch.nn.CrossEntropyLoss(), "mse": torch.nn.MSELoss()}
    lines = ["case,rows,loss,gradient"]
    for loss_name, loss in losses.items():
        widths = [2, 5, 4, 3] if loss_name == "ce" else [2, 5, 4, 1]
        for activation in ACTIVATIONS:
            x, y = data(loss_name)
            for rows_name, rows in (("all", list(range(ROWS))), ("subset", SUBSET)):
                net = network(widths, activation)
                value = loss(net(x[rows]), y[rows])
                value.backward()
                grad = torch.cat([p.grad.view(-1) for p in net.parameters()])
                case = f"{'-'.join(map(str, widths))} {activation} {loss_name}"
                lines.append(f"{case},{rows_name},{value.item()!r},{' '.join(repr(g) for g in grad.tolist())}")
    with open(os.path.join(HERE, "net.csv"), "w") as f:
        f.write("\n".join(lines) + "\n")
    hessians(losses)
    sharpness(losses)


def full_hessian(net, loss, x, y):
    names = [name for name, _ in net.named_parameters()]
    shapes = [p.shape for p in net.parameters()]
    flat = torch.cat([p.detach().view(-1) for p in net.parameters()])

    def value(theta):
        params, at = {}, 0
        for name, shape in zip(names, shapes):
            size = shape.numel()
            params[name] = theta[at:at + size].view(shape)
            at += size
        return loss(torch.func.functional_call(net, params, (x,)), y)

    return torch.autograd.functional.hessian(value, flat)


def sharpness(losses):
    lines = ["case,rows,lambda_min,lambda_max"]
    for widths, activation, loss_name in (([2, 40, 30, 1], "tanh", "bce"), ([2, 32, 32, 3], "relu", "ce")):
        rows = 64
        x, y = data(loss_name, rows)
        h = full_hessian(network(widths, activation), losses[loss_name], x, y)
        eig = torch.linalg.eigvalsh(h)
        case = f"{'-'.join(map(str, widths))} {activation} {loss_name}"
        lines.append(f"{case},{rows},{eig.min().item()!r},{eig.max().item()!r}")
    with open(os.path.join(HERE, "sharpness.csv"), "w") as f:
        f.write("\n".join(lines) + "\n")


def hessians(losses):
    lines = ["case,lambda_min,lambda_max,hv"]
    for loss_name, loss in losses.items():
        widths = [2, 5, 4, 3] if loss_name == "ce" else [2, 5, 4, 1]
        for activation in ACTIVATIONS:
            x, y = data(loss_name)
            net = network(widths, activation)
            h = full_hessian(net, loss, x, y)
            flat = torch.cat([p.detach().view(-1) for p in net.parameters()])
            eig = torch.linalg.eigvalsh(h)
            v = torch.tensor([math.cos(0.3 * i) for i in range(flat.numel())])
            hv = h @ v
            case = f"{'-'.join(map(str, widths))} {activation} {loss_name}"
            lines.append(f"{case},{eig.min().item()!r},{eig.max().item()!r},{' '.join(repr(g) for g in hv.tolist())}")
    with open(os.path.join(HERE, "hessian.csv"), "w") as f:
        f.write("\n".join(lines) + "\n")


if __name__ == "__main__":
    main()
