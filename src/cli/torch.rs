//! `gradscape export-torch SCENE`: the race on screen as a short PyTorch script — the
//! landscape as a torch function, each racer's torch.optim optimizer with its
//! hyperparameters and schedule, the loop, and each trajectory printed as `gradscape trace`
//! prints it (`step,x,y,loss,evals`), under the `gradscape trace` command that gives the same
//! rows. A data landscape brings its rows and loss.

use crate::core::landscape::DataSource;
use crate::core::number::exact;
use crate::core::optim::schedule::Schedule;
use crate::core::optim::{Field, Hyper, Kind};
use crate::core::race::RacerSpec;
use crate::core::scene::Loaded;
use std::fmt::Write;

/// Steps a scene without a duration is exported for.
pub const DEFAULT_STEPS: u64 = 300;

/// Names the script defines itself, and Python's keywords: a formula name equal to one gets
/// a trailing underscore.
const TAKEN: [&str; 44] = [
    "False", "None", "True", "and", "as", "assert", "async", "await", "break", "class", "continue",
    "def", "del", "elif", "else", "except", "finally", "for", "from", "global", "if", "import",
    "in", "is", "lambda", "nonlocal", "not", "or", "pass", "raise", "return", "try", "while",
    "with", "yield", "torch", "math", "csv", "f", "race", "STEPS", "EVALS", "DATA", "AXES",
];

fn py_name(name: &str) -> String {
    if TAKEN.contains(&name) {
        format!("{name}_")
    } else {
        name.to_string()
    }
}

/// A number as Python reads it back exactly.
fn py(v: f64) -> String {
    format!("{v:?}")
}

/// The script for a loaded scene; `source` is how the scene was named (for the header).
pub fn script(loaded: &Loaded, source: &str) -> String {
    let scene = &loaded.scene;
    let f = &loaded.landscape.formula;
    let steps = scene
        .duration
        .map_or(DEFAULT_STEPS, |d| (d * scene.speed).round().max(1.0) as u64);
    let mut s = String::new();
    let _ = writeln!(s, "\"\"\"{}", scene.name.replace('"', "'"));
    if !scene.description.is_empty() {
        let _ = writeln!(s, "\n{}", wrap(&scene.description.replace('"', "'"), 88));
    }
    let _ = writeln!(
        s,
        "\nWritten by `gradscape export-torch {source}`. Each racer is trained with torch.optim\n\
         and its path printed as `gradscape trace` prints it: step,x,y,loss,evals (evals counts\n\
         evaluations of f the way gradscape does: a gradient costs 4). Run: python3 race.py\n\"\"\"\n"
    );
    s.push_str("import math\n");
    if matches!(loaded.landscape.data, Some(DataSource::Csv(_))) {
        s.push_str("import csv\n");
    }
    s.push_str("import torch\n\ntorch.set_default_dtype(torch.float64)\n\n");
    let _ = writeln!(
        s,
        "STEPS = {steps}  # the scene's {} s at {} steps/s",
        scene.duration.unwrap_or(steps as f64 / scene.speed),
        scene.speed
    );
    s.push_str("EVALS = 4  # evaluations of f a gradient costs, in gradscape's count\n");
    let [a, b] = f.axes();
    let _ = writeln!(s, "AXES = \"{a},{b}\"  # the landscape's coordinates\n");
    landscape(&mut s, loaded);
    s.push_str(RACE);
    let data = f.data().is_some();
    for (i, r) in loaded.racers.iter().enumerate() {
        s.push('\n');
        racer(&mut s, loaded, i, r, steps, data);
    }
    s
}

/// The parameters, the data, and f.
fn landscape(s: &mut String, loaded: &Loaded) {
    let f = &loaded.landscape.formula;
    let [a, b] = f.axes().map(py_name);
    for (name, v) in f.named_values() {
        let _ = writeln!(s, "{} = torch.tensor({})", py_name(name), py(v));
    }
    let expr = f.torch(py_name);
    let Some(data) = f.data() else {
        let _ = writeln!(s, "\ndef f({a}, {b}):\n    return {expr}\n");
        return;
    };
    let _ = writeln!(s, "\n# The dataset: {} rows.", data.rows());
    match &loaded.landscape.data {
        Some(DataSource::Csv(path)) => {
            let _ = writeln!(
                s,
                "with open({:?}, newline=\"\") as file:\n    rows = list(csv.DictReader(file))\n\
                 DATA = {{name: torch.tensor([float(r[name]) for r in rows]) for name in {:?}}}",
                path.display().to_string(),
                data.columns
            );
        }
        _ => {
            s.push_str("DATA = {\n");
            for (i, c) in data.columns.iter().enumerate() {
                let values: Vec<String> = data.column_at(i).iter().map(|v| py(*v)).collect();
                let lines: Vec<String> = values.chunks(4).map(|c| c.join(", ")).collect();
                let _ = writeln!(
                    s,
                    "    {c:?}: torch.tensor([\n        {},\n    ]),",
                    lines.join(",\n        ")
                );
            }
            s.push_str("}\n");
        }
    }
    let columns: Vec<String> = data.columns.iter().map(|c| py_name(c)).collect();
    let rows: Vec<String> = data
        .columns
        .iter()
        .map(|c| format!("DATA[{c:?}][rows]"))
        .collect();
    let _ = writeln!(
        s,
        "\n\ndef f({a}, {b}, rows=slice(None)):\n    \"\"\"The mean loss over the rows (all of them, or a mini-batch's).\"\"\"\n    \
         {} = {}\n    return torch.mean({expr})\n",
        columns.join(", "),
        rows.join(", ")
    );
}

/// The loop every racer runs.
const RACE: &str = r##"
def race(make_optimizer, start, schedule=None, data=False, batch=0, seed=0, noise=0.0):
    """Trains the point p = (x, y) from `start` and prints its path as `gradscape trace`;
    on data, also the loss each step saw (its mini-batch's, or all rows')."""
    p = torch.tensor(start, requires_grad=True)
    opt = make_optimizer([p])
    sched = schedule(opt) if schedule else None
    g = torch.Generator().manual_seed(seed)
    rows = len(next(iter(DATA.values()))) if batch else 0
    order, at = torch.arange(0), 0
    print(f"step,{AXES},loss,evals" + (",batch_loss" if data else ""))
    print(f"0,{p[0].item()!r},{p[1].item()!r},{f(p[0], p[1]).item()!r},0" + ("," if data else ""))
    for step in range(1, STEPS + 1):
        opt.zero_grad()
        if batch:
            if at >= rows:  # a new epoch: a fresh shuffle, cut into batches
                order, at = torch.randperm(rows, generator=g), 0
            seen = f(p[0], p[1], order[at:at + batch])
            at += batch
        else:
            seen = f(p[0], p[1])
        seen.backward()
        if noise:
            p.grad += noise * torch.randn(2, generator=g)
        opt.step()
        if sched:
            sched.step()
        with torch.no_grad():
            loss = f(p[0], p[1])
        if not torch.isfinite(p).all() or not torch.isfinite(loss):
            print("# diverged")
            break
        tail = f",{seen.item()!r}" if data else ""
        print(f"{step},{p[0].item()!r},{p[1].item()!r},{loss.item()!r},{EVALS * step}{tail}")
"##;

/// One racer: its trace command, its optimizer and its race call.
fn racer(s: &mut String, loaded: &Loaded, i: usize, r: &RacerSpec, steps: u64, data: bool) {
    let h = &r.hyper;
    let _ = writeln!(
        s,
        "# Racer {}: {} from ({}, {})",
        i + 1,
        r.label,
        py(r.start[0]),
        py(r.start[1])
    );
    let Some(optimizer) = optimizer(r.kind, h) else {
        let _ = writeln!(
            s,
            "# {} has no torch.optim counterpart: see `gradscape trace --optimizer {}`.\nprint(\"# racer {}: {} (not in torch.optim)\")",
            r.kind.label(),
            r.kind.name(),
            i + 1,
            r.kind.name()
        );
        return;
    };
    let _ = writeln!(s, "# The same rows: {}", trace_command(loaded, r, steps));
    let mut notes = Vec::new();
    if h.noise > 0.0 {
        notes.push("its gradient noise is drawn by torch's generator, not gradscape's: the same σ, other draws");
    }
    let rows = loaded
        .landscape
        .formula
        .data()
        .map_or(0, |d| d.rows() as u64);
    // A batch of every row is the full batch (gradscape sums it in row order).
    let batch = if h.batch < rows { h.batch } else { 0 };
    if batch > 0 {
        notes.push("its mini-batches are torch.randperm's shuffles, not gradscape's: the same method, other batches");
    }
    if h.fd > 0.0 {
        notes.push("gradscape used central differences here; autograd gives the exact gradient");
    }
    for n in notes {
        let _ = writeln!(s, "# Note: {n}.");
    }
    let mut args = vec![
        format!("lambda ps: {optimizer}"),
        format!("[{}, {}]", py(r.start[0]), py(r.start[1])),
    ];
    if let Some(sched) = scheduler(&h.schedule) {
        args.push(format!("schedule=lambda opt: {sched}"));
    }
    if data {
        args.push("data=True".into());
    }
    if batch > 0 {
        args.push(format!("batch={batch}"));
    }
    if h.noise > 0.0 || batch > 0 {
        args.push(format!("seed={}", h.seed));
    }
    if h.noise > 0.0 {
        args.push(format!("noise={}", py(h.noise)));
    }
    let _ = writeln!(s, "print(\"# racer {}: {}\")", i + 1, r.kind.name());
    let _ = writeln!(s, "race({})", args.join(", "));
}

/// The torch.optim constructor for a racer, with every hyperparameter its kind reads.
fn optimizer(kind: Kind, h: &Hyper) -> Option<String> {
    let lr = py(h.lr);
    let wd = py(h.weight_decay);
    Some(match kind {
        Kind::Gd | Kind::Sgd => format!("torch.optim.SGD(ps, lr={lr}, weight_decay={wd})"),
        Kind::Momentum | Kind::Nesterov => format!(
            "torch.optim.SGD(ps, lr={lr}, momentum={}, dampening={}, weight_decay={wd}, nesterov={})",
            py(h.momentum),
            py(h.dampening),
            if kind == Kind::Nesterov {
                "True"
            } else {
                "False"
            }
        ),
        Kind::Adagrad => format!(
            "torch.optim.Adagrad(ps, lr={lr}, lr_decay={}, weight_decay={wd}, eps={})",
            py(h.lr_decay),
            py(h.eps)
        ),
        Kind::RmsProp => format!(
            "torch.optim.RMSprop(ps, lr={lr}, alpha={}, eps={}, weight_decay={wd}, momentum={}, centered={})",
            py(h.alpha),
            py(h.eps),
            py(h.momentum),
            if h.centered { "True" } else { "False" }
        ),
        Kind::Adam | Kind::AdamW | Kind::AmsGrad => format!(
            "torch.optim.{}(ps, lr={lr}, betas=({}, {}), eps={}, weight_decay={wd}, amsgrad={})",
            if kind == Kind::AdamW { "AdamW" } else { "Adam" },
            py(h.beta1),
            py(h.beta2),
            py(h.eps),
            if kind == Kind::AmsGrad {
                "True"
            } else {
                "False"
            }
        ),
        Kind::Newton | Kind::NelderMead | Kind::Annealing | Kind::CmaEs | Kind::Pso => return None,
    })
}

/// torch.optim.lr_scheduler's counterpart of a schedule.
fn scheduler(s: &Schedule) -> Option<String> {
    let sched = "torch.optim.lr_scheduler";
    Some(match *s {
        Schedule::Constant => return None,
        Schedule::Step { every, gamma } => {
            format!(
                "{sched}.StepLR(opt, step_size={every}, gamma={})",
                py(gamma)
            )
        }
        Schedule::Exponential { gamma } => {
            format!("{sched}.ExponentialLR(opt, gamma={})", py(gamma))
        }
        Schedule::Cosine { period, min_lr } => format!(
            "{sched}.CosineAnnealingLR(opt, T_max={period}, eta_min={})",
            py(min_lr)
        ),
        Schedule::Warmup {
            steps,
            start_factor,
        } => format!(
            "{sched}.LinearLR(opt, start_factor={}, end_factor=1.0, total_iters={steps})",
            py(start_factor)
        ),
    })
}

/// The `gradscape trace` command that runs this racer on this landscape.
pub fn trace_command(loaded: &Loaded, r: &RacerSpec, steps: u64) -> String {
    let land = &loaded.landscape;
    let f = &land.formula;
    let d = land.domain;
    let mut cmd = String::from("gradscape trace");
    let quote = |t: &str| format!("'{}'", t.replace('\'', "'\\''"));
    match &land.data {
        Some(source) => {
            let (name, seed) = match source {
                DataSource::Builtin { name, seed } => (name.clone(), *seed),
                DataSource::Csv(p) => (p.display().to_string(), 0),
            };
            let [a, b] = f.axes();
            let _ = write!(
                cmd,
                " --data {} --data-seed {seed} --loss {} --axes {a},{b}",
                quote(&name),
                quote(f.source())
            );
        }
        None => {
            let _ = write!(cmd, " --formula {}", quote(f.source()));
        }
    }
    let _ = write!(
        cmd,
        " --domain={},{},{},{}",
        exact(d.x[0]),
        exact(d.x[1]),
        exact(d.y[0]),
        exact(d.y[1])
    );
    for (name, v) in f.named_values() {
        let _ = write!(cmd, " --param {name}={}", exact(v));
    }
    let _ = write!(
        cmd,
        " --optimizer {} --start={},{} --steps {steps}",
        r.kind.name(),
        exact(r.start[0]),
        exact(r.start[1])
    );
    let defaults = Hyper::defaults(r.kind);
    for field in Field::NUMERIC {
        let (v, d) = (field.get(&r.hyper), field.get(&defaults));
        if v == d {
            continue;
        }
        let flag = field.name().replace('_', "-");
        match field {
            Field::Centered => cmd.push_str(" --centered"),
            Field::Fd => {
                let _ = write!(cmd, " --gradient fd:{}", exact(v));
            }
            // `exact` writes whole numbers as integers: the counts' flags (seed, batch,
            // population) take them so.
            _ => {
                let _ = write!(cmd, " --{flag} {}", exact(v));
            }
        }
    }
    if r.hyper.schedule != Schedule::Constant {
        let _ = write!(
            cmd,
            " --schedule {}",
            crate::core::optim::schedule::text(&r.hyper.schedule)
        );
    }
    cmd
}

/// Wraps text at `width` columns.
fn wrap(text: &str, width: usize) -> String {
    let mut out = String::new();
    let mut line = 0;
    for word in text.split_whitespace() {
        if line > 0 && line + 1 + word.chars().count() > width {
            out.push('\n');
            line = 0;
        } else if line > 0 {
            out.push(' ');
            line += 1;
        }
        out.push_str(word);
        line += word.chars().count();
    }
    out
}
