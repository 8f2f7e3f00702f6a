"""Reference values for tests/derivatives.rs: f, f', f'' of every one-argument function of the
formula language (and atan2's partials) at hard arguments, computed with mpmath at 60 digits and
rounded to the nearest double. Run: python3 tests/reference/derivatives.py > tests/reference/derivatives.csv
"""
import mpmath as mp

mp.mp.dps = 60
# Keep exponents unbounded: 1e160² must not overflow here.

ARGS = {
    "sin": [1e-300, 0.5, 100.0, 1e6],
    "cos": [1e-300, 0.5, 100.0, 1e6],
    "tan": [0.5, 1.5, 1.5707963, -3.0],
    "asin": [0.0, 0.5, 0.999999, 1 - 2**-40, -(1 - 2**-30), 1e-300],
    "acos": [0.0, 0.5, 0.999999, 1 - 2**-40, -(1 - 2**-30)],
    "atan": [0.0, 0.5, 1e3, 1e100, -1e160, 1e-300],
    "sinh": [1e-300, 0.5, 20.0, 700.0, -700.0],
    "cosh": [1e-300, 0.5, 20.0, 700.0, -700.0],
    "tanh": [0.0, 0.5, 10.0, 19.0, 20.0, 50.0, -300.0, 1e-300],
    "asinh": [0.0, 0.5, 1e3, 1e100, 1e160, -1e200, 1e-300],
    "acosh": [1.5, 1 + 2**-40, 1e3, 1e100, 1e160, 1e200],
    "atanh": [0.0, 0.5, 0.999999, 1 - 2**-40, -(1 - 2**-30), 1e-300],
    "sqrt": [1e-300, 0.5, 2.0, 1e200, 1e300],
    "exp": [-700.0, -1.0, 0.5, 700.0],
    "ln": [1e-300, 1e-160, 0.5, 2.0, 1e160, 1e300],
}

# (f, f', f'') from the textbook derivatives, evaluated at 60 digits (no cancellation there).
FUNCS = {
    "sin": (mp.sin, mp.cos, lambda x: -mp.sin(x)),
    "cos": (mp.cos, lambda x: -mp.sin(x), lambda x: -mp.cos(x)),
    "tan": (mp.tan, lambda x: mp.sec(x) ** 2, lambda x: 2 * mp.sec(x) ** 2 * mp.tan(x)),
    "asin": (mp.asin, lambda x: 1 / mp.sqrt(1 - x * x), lambda x: x / (1 - x * x) ** 1.5),
    "acos": (mp.acos, lambda x: -1 / mp.sqrt(1 - x * x), lambda x: -x / (1 - x * x) ** 1.5),
    "atan": (mp.atan, lambda x: 1 / (1 + x * x), lambda x: -2 * x / (1 + x * x) ** 2),
    "sinh": (mp.sinh, mp.cosh, mp.sinh),
    "cosh": (mp.cosh, mp.sinh, mp.cosh),
    "tanh": (mp.tanh, lambda x: mp.sech(x) ** 2, lambda x: -2 * mp.tanh(x) * mp.sech(x) ** 2),
    "asinh": (mp.asinh, lambda x: 1 / mp.sqrt(x * x + 1), lambda x: -x / (x * x + 1) ** 1.5),
    "acosh": (mp.acosh, lambda x: 1 / mp.sqrt(x * x - 1), lambda x: -x / (x * x - 1) ** 1.5),
    "atanh": (mp.atanh, lambda x: 1 / (1 - x * x), lambda x: 2 * x / (1 - x * x) ** 2),
    "sqrt": (mp.sqrt, lambda x: 1 / (2 * mp.sqrt(x)), lambda x: -1 / (4 * x ** 1.5)),
    "exp": (mp.exp, mp.exp, mp.exp),
    "ln": (mp.log, lambda x: 1 / x, lambda x: -1 / (x * x)),
}


def d(v):
    """Nearest double, as repr (0 where it underflows, inf where it overflows)."""
    return repr(float(v))


print("fn,a,f,d1,d2")
for name, args in ARGS.items():
    for a in args:
        x = mp.mpf(a)
        vals = [g(x) for g in FUNCS[name]]
        print(",".join([name, repr(a)] + [d(v) for v in vals]))

# atan2(a, b): value and partials da, db, daa, dab, dbb.
print("atan2,a,b,f,da,db,daa,dab,dbb")
for a, b in [(1.0, 2.0), (1e80, 1e80), (1e200, -3e200), (1e-200, 2e-200), (-0.5, 1e-5), (3.0, -4.0)]:
    A, B = mp.mpf(a), mp.mpf(b)
    r2 = A * A + B * B
    vals = [mp.atan2(A, B), B / r2, -A / r2, -2 * A * B / r2**2, (A * A - B * B) / r2**2, 2 * A * B / r2**2]
    print(",".join(["atan2", repr(a), repr(b)] + [d(v) for v in vals]))
