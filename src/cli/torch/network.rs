//! `export-torch` for a network scene: the rows, the network as an `nn.Sequential` started
//! from the same weights, each racer's torch.optim optimizer and schedule on the same
//! mini-batches in the same order, and each racer's loss and accuracy over every row printed
//! as `gradscape train` prints its first three columns (`step,loss,accuracy`).

use super::{line, optimizer, py, scheduler};
use crate::core::data::Batches;
use crate::core::escape::{python_comment, python_str};
use crate::core::net::stage::Stage;
use crate::core::net::{Activation, Loss};
use crate::core::race::RacerSpec;
use crate::core::scene::Loaded;

/// The loop every racer runs: the loss over every row before each step, then a step on its
/// batch (every row when it has none).
const TRAIN: &str = r#"
def network():
    """The network, started from INIT (torch's nn.Linear layout, layer by layer)."""
    model = torch.nn.Sequential(*LAYERS())
    linears = [m for m in model if isinstance(m, torch.nn.Linear)]
    with torch.no_grad():
        for layer, (weight, bias) in zip(linears, INIT):
            layer.weight.copy_(torch.tensor(weight))
            layer.bias.copy_(torch.tensor(bias))
    return model


def standing(model):
    """The loss over every row, and the share of rows classified right ('' for mse)."""
    with torch.no_grad():
        out = model(X)
        loss = LOSS(OUT(out), Y).item()
        if KIND == "bce":
            right = ((out[:, 0] > 0).double() == Y).double().sum().item()
        elif KIND == "ce":
            right = (out.argmax(dim=1) == Y).double().sum().item()
        else:
            return loss, ""
        return loss, repr(right / len(Y))


def train(make_optimizer, make_scheduler, batches):
    model = network()
    opt = make_optimizer(model.parameters())
    sched = make_scheduler(opt)
    print("step,loss,accuracy")
    for step in range(STEPS + 1):
        loss, accuracy = standing(model)
        print(f"{step},{loss!r},{accuracy}")
        if step == STEPS:
            break
        rows = slice(None) if batches is None else torch.tensor(batches[step])
        opt.zero_grad()
        LOSS(OUT(model(X[rows])), Y[rows]).backward()
        opt.step()
        if sched is not None:
            sched.step()
"#;

/// The script for a network scene; a racer torch has no optimizer for (Newton, the
/// derivative-free methods) or with added noise is refused by name.
pub fn script(loaded: &Loaded, stage: &Stage, source: &str, steps: u64) -> Result<String, String> {
    let mut s = String::new();
    super::title(&mut s, loaded, source);
    s.push_str(
        "# Each racer trains its own copy of the network with torch.optim, from the same\n\
         # weights on the same mini-batches in the same order, and prints its loss and\n\
         # accuracy over every row before each step, as the first columns of `gradscape\n\
         # train` print them. Run: python3 race.py\n\n",
    );
    s.push_str("import torch\n\ntorch.set_default_dtype(torch.float64)\n\n");
    line(&mut s, format_args!("STEPS = {steps}"));
    data(&mut s, stage);
    model(&mut s, stage);
    s.push_str(TRAIN);
    for (i, r) in loaded.racers.iter().enumerate() {
        racer(&mut s, stage, i, r, steps)?;
    }
    Ok(s)
}

/// The rows, the targets and the loss.
fn data(s: &mut String, stage: &Stage) {
    let rows = &stage.rows;
    let points: Vec<String> = rows
        .x
        .chunks(rows.features)
        .map(|p| {
            format!(
                "[{}]",
                p.iter().map(|v| py(*v)).collect::<Vec<_>>().join(", ")
            )
        })
        .collect();
    let spec = &stage.spec;
    let origin = match crate::core::net::classes::find(&spec.data) {
        Some(_) => format!(
            "(data seed {}, noise {}), as gradscape generates them",
            spec.data_seed, spec.noise
        ),
        None => "as gradscape read them".into(),
    };
    line(
        s,
        python_comment(&format!(
            "The {} rows of {} {origin}.",
            rows.len(),
            spec.data
        )),
    );
    line(s, format_args!("X = torch.tensor([{}])", points.join(", ")));
    let (kind, out, y) = match stage.net.loss {
        Loss::Bce => ("bce", "lambda out: out[:, 0]", "torch.float64"),
        Loss::Ce => ("ce", "lambda out: out", "torch.long"),
        Loss::Mse => ("mse", "lambda out: out[:, 0]", "torch.float64"),
    };
    let ys: Vec<String> = rows.y.iter().map(|v| py(*v)).collect();
    line(
        s,
        format_args!("Y = torch.tensor([{}]).to({y})", ys.join(", ")),
    );
    line(s, format_args!("KIND = {}", python_str(kind)));
    let loss = match stage.net.loss {
        Loss::Bce => "torch.nn.BCEWithLogitsLoss()",
        Loss::Ce => "torch.nn.CrossEntropyLoss()",
        Loss::Mse => "torch.nn.MSELoss()",
    };
    line(s, format_args!("LOSS = {loss}"));
    line(s, format_args!("OUT = {out}"));
}

/// The layers and the shared initial weights.
fn model(s: &mut String, stage: &Stage) {
    let net = &stage.net;
    let act = match net.activation {
        Activation::Tanh => "torch.nn.Tanh()",
        Activation::Relu => "torch.nn.ReLU()",
        Activation::Sigmoid => "torch.nn.Sigmoid()",
        Activation::Linear => "torch.nn.Identity()",
    };
    let mut layers = Vec::new();
    for (k, w) in net.widths.windows(2).enumerate() {
        if k > 0 {
            layers.push(act.to_string());
        }
        layers.push(format!("torch.nn.Linear({}, {})", w[0], w[1]));
    }
    line(
        s,
        python_comment(&format!(
            "The network {} ({} hidden), from init seed {}.",
            net.text(),
            net.activation.name(),
            stage.spec.init_seed
        )),
    );
    line(s, format_args!("LAYERS = lambda: [{}]", layers.join(", ")));
    let file = net.to_file(&stage.init);
    let list = |v: &[f64]| {
        format!(
            "[{}]",
            v.iter().map(|x| py(*x)).collect::<Vec<_>>().join(", ")
        )
    };
    let init: Vec<String> = file
        .layers
        .iter()
        .map(|l| {
            let rows: Vec<String> = l.weight.iter().map(|r| list(r)).collect();
            format!("([{}], {})", rows.join(", "), list(&l.bias))
        })
        .collect();
    line(s, format_args!("INIT = [{}]", init.join(", ")));
}

/// One racer: its optimizer, schedule and batches, and its rows under a `# racer` line.
fn racer(s: &mut String, stage: &Stage, i: usize, r: &RacerSpec, steps: u64) -> Result<(), String> {
    let h = &r.hyper;
    let refuse = |why: &str| Err(format!("racer {} ({}): {why}", i + 1, r.kind.name()));
    let Some(opt) = optimizer(r.kind, h) else {
        return refuse("torch.optim has no such optimizer");
    };
    if h.noise > 0.0 {
        return refuse("its added gradient noise has no torch.optim counterpart (set noise 0)");
    }
    let rows = stage.rows.len();
    let batches = match usize::try_from(h.batch).unwrap_or(usize::MAX) {
        0 => "None".to_string(),
        b if b >= rows => "None".to_string(),
        b => {
            let mut sampler = Batches::new(rows, h.seed);
            let all: Vec<String> = (0..steps)
                .map(|_| {
                    let batch = sampler.next_batch(b);
                    format!(
                        "[{}]",
                        batch
                            .iter()
                            .map(u32::to_string)
                            .collect::<Vec<_>>()
                            .join(", ")
                    )
                })
                .collect();
            format!("[{}]", all.join(", "))
        }
    };
    let sched = scheduler(&h.schedule).unwrap_or_else(|| "None".into());
    s.push('\n');
    line(
        s,
        format_args!(
            "print({})",
            python_str(&format!("# racer {}: {}", i + 1, r.label))
        ),
    );
    line(
        s,
        format_args!("train(lambda ps: {opt}, lambda opt: {sched}, {batches})"),
    );
    Ok(())
}
