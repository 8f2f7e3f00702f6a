//! `gradscape export-torch SCENE`: the race on screen as a short PyTorch script — the
//! landscape as a torch function, each racer's torch.optim optimizer with its
//! hyperparameters and schedule, the loop, and each trajectory printed as `gradscape trace`
//! prints it (`step,x,y,loss,evals`), under the `gradscape trace` command that gives the same
//! rows. A data landscape brings its rows and loss.

use crate::core::escape::{PythonNames, python_comment, python_str, shell_word};
use crate::core::landscape::DataSource;
use crate::core::number::exact;
use crate::core::optim::run::StopRules;
use crate::core::optim::schedule::Schedule;
use crate::core::optim::{Field, Hyper, Kind};
use crate::core::race::RacerSpec;
use crate::core::scene::Loaded;
use std::fmt::Write;

/// Steps a scene without a duration is exported for.
pub const DEFAULT_STEPS: u64 = 300;

/// A number as Python reads it back exactly.
fn py(v: f64) -> String {
    format!("{v:?}")
}

/// Appends one line of generated code (writing to a String cannot fail).
fn line(s: &mut String, text: impl std::fmt::Display) {
    let _ = writeln!(s, "{text}");
}

/// The script for a loaded scene; `source` is how the scene was named (for the header).
/// Every piece of text from the scene reaches the script through `core::escape`: as a
/// string literal, a comment, or a name proven safe (else renamed).
pub fn script(loaded: &Loaded, source: &str) -> String {
    let scene = &loaded.scene;
    let steps = steps_of(scene);
    let mut names = PythonNames::new(&[RACE, DATA_CSV, CONSTANTS, SCRIPT_NAMES]);
    let mut s = String::new();
    header(&mut s, loaded, source);
    s.push_str("import math\n");
    if matches!(loaded.landscape.data, Some(DataSource::Csv(_))) {
        s.push_str("import csv\n");
    }
    s.push_str("import torch\n\ntorch.set_default_dtype(torch.float64)\n\n");
    line(
        &mut s,
        format_args!(
            "STEPS = {steps}  # the scene's {} s at {} steps/s",
            scene.duration.unwrap_or(steps as f64 / scene.speed),
            scene.speed
        ),
    );
    let [a, b] = loaded.landscape.formula.axes();
    line(
        &mut s,
        format_args!(
            "AXES = {}  # the landscape's coordinates",
            python_str(&format!("{a},{b}"))
        ),
    );
    let rules = StopRules::default();
    s.push_str(CONSTANTS);
    line(
        &mut s,
        format_args!(
            "BOUND, GRAD_TOL, STALL_WINDOW, STALL_TOL = {}, {}, {}, {}\n",
            py(rules.bound),
            py(rules.grad_tol),
            rules.stall_window,
            py(rules.stall_tol)
        ),
    );
    landscape(&mut s, loaded, &mut names);
    s.push_str(RACE);
    let data = loaded.landscape.formula.data().is_some();
    for (i, r) in loaded.racers.iter().enumerate() {
        s.push('\n');
        racer(&mut s, loaded, i, r, steps, data);
    }
    s
}

/// The scene's name and description and how the script came to be, as comments.
fn header(s: &mut String, loaded: &Loaded, source: &str) {
    title(s, loaded, source);
    s.push_str(
        "# Each racer is trained with torch.optim and its path printed as `gradscape trace`\n\
         # prints it: step,x,y,loss,evals (evals counts evaluations of f the way gradscape\n\
         # does: a gradient costs 4), stopped where trace stops it. Run: python3 race.py\n\n",
    );
}

/// The scene's name and description, and the command that wrote the script, as comments.
fn title(s: &mut String, loaded: &Loaded, source: &str) {
    let scene = &loaded.scene;
    line(s, python_comment(&scene.name));
    if !scene.description.is_empty() {
        line(s, "#");
        for text in wrap(&scene.description, 86).lines() {
            line(s, python_comment(text));
        }
    }
    line(s, "#");
    line(
        s,
        python_comment(&format!(
            "Written by `gradscape export-torch {}`.",
            shell_word(source)
        )),
    );
}

/// Every other name the script's own code uses: a user's name never takes one of them.
const SCRIPT_NAMES: &str = "import math csv torch tensor def f rows slice None mean DATA";

/// The constants every racer's loop reads (their values follow on one line).
const CONSTANTS: &str = "EVALS = 4  # evaluations of f a gradient costs, in gradscape's count\n\
# How `gradscape trace` stops a racer: diverged when a coordinate's size passes BOUND;\n\
# done when |grad f| <= GRAD_TOL; stalled when the loss moved less than\n\
# STALL_TOL * (1 + |loss|) over STALL_WINDOW steps.\n";

/// A CSV dataset read where it lies (its absolute path, so the script runs from anywhere),
/// header names trimmed and blank lines skipped as gradscape reads it.
const DATA_CSV: &str = "with open(PATH, newline=\"\", encoding=\"utf-8\") as file:
    table = [row for row in csv.reader(file) if row]
DATA = {name.strip(): torch.tensor([float(row[i]) for row in table[1:]]) for i, name in enumerate(table[0])}
";

/// The parameters, the data, and f.
fn landscape(s: &mut String, loaded: &Loaded, names: &mut PythonNames) {
    let f = &loaded.landscape.formula;
    let [a, b] = f.axes().map(|n| names.name(n));
    let columns: Vec<(String, &str)> = f
        .data()
        .map(|d| {
            d.columns
                .iter()
                .map(|c| (names.name(c), c.as_str()))
                .collect()
        })
        .unwrap_or_default();
    let params: Vec<(String, f64)> = f.named_values().map(|(n, v)| (names.name(n), v)).collect();
    let expr = f.torch(|n| names.name(n));
    for (name, id) in names.renamed() {
        line(
            s,
            python_comment(&format!("{id} stands for the name {}", python_str(name))),
        );
    }
    for (id, v) in &params {
        line(s, format_args!("{id} = torch.tensor({})", py(*v)));
    }
    let Some(data) = f.data() else {
        line(s, format_args!("\n\ndef f({a}, {b}):\n    return {expr}\n"));
        return;
    };
    line(s, format_args!("\n# The dataset: {} rows.", data.rows()));
    match &loaded.landscape.data {
        Some(DataSource::Csv(path)) => {
            let at = absolute(path).to_string_lossy().into_owned();
            s.push_str(&DATA_CSV.replace("PATH", &python_str(&at)));
        }
        _ => {
            s.push_str("DATA = {\n");
            for (i, c) in data.columns.iter().enumerate() {
                let values: Vec<String> = data.column_at(i).iter().map(|v| py(*v)).collect();
                let rows: Vec<String> = values.chunks(4).map(|c| c.join(", ")).collect();
                line(
                    s,
                    format_args!(
                        "    {}: torch.tensor([\n        {},\n    ]),",
                        python_str(c),
                        rows.join(",\n        ")
                    ),
                );
            }
            s.push_str("}\n");
        }
    }
    // `a, b, = x, y,`: a tuple on both sides, however many columns.
    let (mut ids, mut values) = (String::new(), String::new());
    for (id, c) in &columns {
        let _ = write!(ids, "{id}, ");
        let _ = write!(values, "DATA[{}][rows], ", python_str(c));
    }
    line(
        s,
        format_args!(
            "\n\ndef f({a}, {b}, rows=slice(None)):\n    \
             \"\"\"The mean loss over the rows (all of them, or a mini-batch's).\"\"\"\n    \
             {} = {}\n    return torch.mean({expr})\n",
            ids.trim_end(),
            values.trim_end()
        ),
    );
}

/// The loop every racer runs: gradscape's step, row and stop rules, in torch.
const RACE: &str = r##"
def race(make_optimizer, start, schedule=None, data=False, batch=0, seed=0, noise=0.0):
    """Trains the point p from `start` and prints its path as `gradscape trace` does;
    on data, also the loss each step saw (its mini-batch's, or all rows')."""
    p = torch.tensor(start, requires_grad=True)
    opt = make_optimizer([p])
    sched = schedule(opt) if schedule else None
    g = torch.Generator().manual_seed(seed)
    rows = len(next(iter(DATA.values()))) if batch else 0
    order, at = torch.arange(0), 0
    with torch.no_grad():
        window = f(p[0], p[1]).item()
    print(f"step,{AXES},loss,evals" + (",batch_loss" if data else ""))
    print(f"0,{p[0].item()!r},{p[1].item()!r},{window!r},0" + ("," if data else ""))
    if not math.isfinite(window):
        print("# diverged: f is not defined at the start")
        return
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
        if not torch.isfinite(p).all() or not torch.isfinite(loss) or p.abs().max() > BOUND:
            print("# diverged")
            return
        tail = f",{seen.item()!r}" if data else ""
        print(f"{step},{p[0].item()!r},{p[1].item()!r},{loss.item()!r},{EVALS * step}{tail}")
        q = p.detach().requires_grad_()
        (grad,) = torch.autograd.grad(f(q[0], q[1]), q)
        if grad[0].item() ** 2 + grad[1].item() ** 2 <= GRAD_TOL * GRAD_TOL:
            print("# stopped: |grad f| <= GRAD_TOL")
            return
        if step % STALL_WINDOW == 0:
            gained, window = window - loss.item(), loss.item()
            if abs(gained) < STALL_TOL * (1 + abs(loss.item())):
                print("# stalled")
                return
"##;

/// One racer: its trace command, its optimizer and its race call.
fn racer(s: &mut String, loaded: &Loaded, i: usize, r: &RacerSpec, steps: u64, data: bool) {
    let h = &r.hyper;
    let k = i + 1;
    line(
        s,
        python_comment(&format!(
            "Racer {k}: {} from ({}, {})",
            r.label,
            py(r.start[0]),
            py(r.start[1])
        )),
    );
    let Some(optimizer) = optimizer(r.kind, h) else {
        line(
            s,
            format_args!(
                "# {} has no torch.optim counterpart: see `gradscape trace --optimizer {}`.\n\
                 print(\"# racer {k}: {} (not in torch.optim)\")",
                r.kind.label(),
                r.kind.name(),
                r.kind.name()
            ),
        );
        return;
    };
    line(
        s,
        python_comment(&format!(
            "The same rows: {}",
            trace_command(loaded, r, steps)
        )),
    );
    // Noise is part of torch.optim.SGD's family here, as in gradscape's step.
    let noise = if is_sgd(r.kind) { h.noise } else { 0.0 };
    let mut notes = Vec::new();
    if noise > 0.0 {
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
        line(s, format_args!("# Note: {n}."));
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
    if noise > 0.0 || batch > 0 {
        args.push(format!("seed={}", h.seed));
    }
    if noise > 0.0 {
        args.push(format!("noise={}", py(noise)));
    }
    line(s, format_args!("print(\"# racer {k}: {}\")", r.kind.name()));
    line(s, format_args!("race({})", args.join(", ")));
}

/// GD, SGD, Momentum and Nesterov: one step in gradscape, torch.optim.SGD in torch.
fn is_sgd(kind: Kind) -> bool {
    matches!(kind, Kind::Gd | Kind::Sgd | Kind::Momentum | Kind::Nesterov)
}

/// The torch.optim constructor for a racer, with every hyperparameter its step reads (GD
/// with a momentum set runs with it, so it is written too).
fn optimizer(kind: Kind, h: &Hyper) -> Option<String> {
    let lr = py(h.lr);
    let wd = py(h.weight_decay);
    let flag = |on: bool| if on { "True" } else { "False" };
    Some(match kind {
        Kind::Gd | Kind::Sgd | Kind::Momentum | Kind::Nesterov => format!(
            "torch.optim.SGD(ps, lr={lr}, momentum={}, dampening={}, weight_decay={wd}, nesterov={})",
            py(h.momentum),
            py(h.dampening),
            flag(kind == Kind::Nesterov)
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
            flag(h.centered)
        ),
        Kind::Adam | Kind::AdamW | Kind::AmsGrad => format!(
            "torch.optim.{}(ps, lr={lr}, betas=({}, {}), eps={}, weight_decay={wd}, amsgrad={})",
            if kind == Kind::AdamW { "AdamW" } else { "Adam" },
            py(h.beta1),
            py(h.beta2),
            py(h.eps),
            flag(kind == Kind::AmsGrad)
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
    match &land.data {
        Some(source) => {
            let (name, seed) = match source {
                DataSource::Builtin { name, seed } => (name.clone(), *seed),
                DataSource::Csv(p) => (absolute(p).to_string_lossy().into_owned(), 0),
            };
            let [a, b] = f.axes();
            let _ = write!(
                cmd,
                " --data {} --data-seed {seed} --loss {} --axes {}",
                shell_word(&name),
                shell_word(f.source()),
                shell_word(&format!("{a},{b}"))
            );
        }
        None => {
            let _ = write!(cmd, " --formula {}", shell_word(f.source()));
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
        let _ = write!(
            cmd,
            " --param {}",
            shell_word(&format!("{name}={}", exact(v)))
        );
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

/// Where a CSV file lies, whatever folder the script or command is run from.
fn absolute(path: &std::path::Path) -> std::path::PathBuf {
    std::fs::canonicalize(path)
        .or_else(|_| std::path::absolute(path))
        .unwrap_or_else(|_| path.to_path_buf())
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

mod network;

/// The script for a network scene (see `network`): refused where torch has no counterpart.
pub fn network_script(loaded: &Loaded, source: &str) -> Option<Result<String, String>> {
    let stage = loaded.landscape.formula.stage()?;
    let steps = steps_of(&loaded.scene);
    Some(network::script(loaded, stage, source, steps))
}

/// Steps a scene is exported for: its duration at its speed.
fn steps_of(scene: &crate::core::scene::Scene) -> u64 {
    scene
        .duration
        .map_or(DEFAULT_STEPS, |d| (d * scene.speed).round().max(1.0) as u64)
}

#[cfg(test)]
mod tests;
