//! What a step did, for the inspector: the update and its named terms with this step's
//! numbers.

/// One named quantity of an update, per coordinate, for display.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Term {
    pub name: &'static str,
    pub value: [f64; 2],
    /// One number, not a pair (a temperature, a step size σ): `value[0]`.
    pub scalar: bool,
}

/// A named quantity of an update.
pub const fn term(name: &'static str, value: [f64; 2]) -> Term {
    Term {
        name,
        value,
        scalar: false,
    }
}

/// A named number of an update.
pub const fn scalar(name: &'static str, value: f64) -> Term {
    Term {
        name,
        value: [value, value],
        scalar: true,
    }
}

/// Most terms one update reports.
const MAX_TERMS: usize = 8;

/// The named quantities of one update, kept inline: stepping allocates nothing.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Terms {
    items: [Term; MAX_TERMS],
    len: usize,
}

impl Terms {
    pub fn of(terms: &[Term]) -> Terms {
        let mut t = Terms {
            items: [term("", [0.0; 2]); MAX_TERMS],
            len: 0,
        };
        t.extend(terms);
        t
    }

    /// Replaces the list in place: a step's terms are set every step, and building a new
    /// list (eight slots written, then copied) cost a GD step a fifth of its time.
    pub fn set(&mut self, terms: &[Term]) {
        self.len = 0;
        self.extend(terms);
    }

    pub fn push(&mut self, term: Term) {
        // Every optimizer reports at most MAX_TERMS; a longer list keeps its first ones.
        if self.len < MAX_TERMS {
            self.items[self.len] = term;
            self.len += 1;
        }
    }

    pub fn extend(&mut self, terms: &[Term]) {
        for t in terms {
            self.push(*t);
        }
    }
}

impl std::ops::Deref for Terms {
    type Target = [Term];

    fn deref(&self) -> &[Term] {
        &self.items[..self.len]
    }
}

/// Something the learner should know about a step: which of Newton's fallbacks it took.
/// A fieldless enum, so an update is a plain copy (a `String` here stalled every step's
/// copy on a store forward: None wrote one word and the copy read two).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Note {
    /// H had a non-finite entry: a gradient step.
    HessianNotFinite,
    /// H was zero (flat): a gradient step.
    HessianFlat,
    /// H was not positive definite: |λ| in place of λ.
    SaddleFree,
}

impl std::fmt::Display for Note {
    fn fmt(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
        f.write_str(match self {
            Note::HessianNotFinite => "Hessian is not finite here: took a gradient step",
            Note::HessianFlat => "Hessian is zero here (flat): took a gradient step",
            Note::SaddleFree => "H is not positive definite: used |λ| (saddle-free Newton)",
        })
    }
}

/// What one step did and why.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Update {
    pub from: [f64; 2],
    pub to: [f64; 2],
    /// The gradient the optimizer saw (noisy for SGD; `[NaN; 2]` for Nelder–Mead).
    pub grad: [f64; 2],
    /// The learning rate after the schedule.
    pub lr: f64,
    /// The rule in symbols, e.g. `x ← x − α·m̂/(√v̂+ε)`.
    pub rule: &'static str,
    /// Something the learner should know about this step (Newton's fallback, say).
    pub note: Option<Note>,
    /// The loss the step saw at `from`: its mini-batch's mean, or f itself on a full batch.
    pub seen_loss: f64,
}

impl Update {
    /// A step with nothing more to say than its rule and terms.
    pub fn new(
        from: [f64; 2],
        to: [f64; 2],
        grad: [f64; 2],
        lr: f64,
        rule: &'static str,
        seen_loss: f64,
    ) -> Update {
        Update {
            from,
            to,
            grad,
            lr,
            rule,
            note: None,
            seen_loss,
        }
    }

    pub fn delta(&self) -> [f64; 2] {
        [self.to[0] - self.from[0], self.to[1] - self.from[1]]
    }
}
