//! Turns formula text into a tree: meval tokenizes and orders (RPN), we attach columns and meaning.

use super::node::{self, Fn1, Fn2, N, Node, Var, exact};
use meval::shunting_yard::{RPNError, to_rpn};
use meval::tokenizer::{Operation, ParseError, Token, tokenize};
use std::rc::Rc;

/// Why a formula could not be read. Every variant but `Empty` names a 1-based column.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum FormulaError {
    #[error("the formula is empty")]
    Empty,
    #[error("unexpected {found} at column {column}")]
    Unexpected { found: String, column: usize },
    #[error("missing {count} closing ')' at column {column}")]
    MissingParen { count: usize, column: usize },
    #[error("unclosed '(' at column {column}")]
    UnclosedParen { column: usize },
    #[error("the formula ends early: an operand is missing at column {column}")]
    MissingOperand { column: usize },
    #[error("unknown function '{name}' at column {column}")]
    UnknownFunction { name: String, column: usize },
    #[error("'{name}' takes {expected} but got {got} at column {column}")]
    ArgumentCount {
        name: String,
        expected: &'static str,
        got: usize,
        column: usize,
    },
    #[error("'{name}' is a function: write {name}(…) at column {column}")]
    FunctionWithoutCall { name: String, column: usize },
    #[error("the formula is too long ({len} characters, at most {max})")]
    TooLong { len: usize, max: usize },
}

impl FormulaError {
    /// 1-based character column of the problem, for the editor's underline.
    pub fn column(&self) -> Option<usize> {
        match self {
            FormulaError::Empty | FormulaError::TooLong { .. } => None,
            FormulaError::Unexpected { column, .. }
            | FormulaError::MissingParen { column, .. }
            | FormulaError::UnclosedParen { column }
            | FormulaError::MissingOperand { column }
            | FormulaError::UnknownFunction { column, .. }
            | FormulaError::ArgumentCount { column, .. }
            | FormulaError::FunctionWithoutCall { column, .. } => Some(*column),
        }
    }
}

/// Longer inputs are refused before parsing: keeps recursion and the tape bounded.
pub const MAX_LEN: usize = 1000;

/// The parsed formula: its tree and the names of its parameters, in order of appearance.
pub struct Parsed {
    pub tree: N,
    pub params: Vec<String>,
}

/// The names a formula's two variables go by, and names known to be parameters already
/// (a dataset's columns), which take the first parameter slots in this order.
#[derive(Debug, Clone, Copy)]
pub struct Names<'a> {
    pub axes: [&'a str; 2],
    pub known: &'a [String],
}

/// f(x, y) with every other name a parameter.
pub const XY: Names<'static> = Names {
    axes: ["x", "y"],
    known: &[],
};

pub fn parse(source: &str, names: Names) -> Result<Parsed, FormulaError> {
    // meval's tokenizer panics on trailing blanks where an operand is expected; blanks at the
    // end never change meaning, so trim them (columns stay valid: only the end moves).
    let text = source.trim_end();
    if text.trim().is_empty() {
        return Err(FormulaError::Empty);
    }
    let len = text.chars().count();
    if len > MAX_LEN {
        return Err(FormulaError::TooLong { len, max: MAX_LEN });
    }
    let tokens = tokenize(text).map_err(|e| tokenize_error(text, e))?;
    let spans = token_columns(text, &tokens);
    let rpn = to_rpn(&tokens).map_err(|e| rpn_error(text, &tokens, &spans, e))?;
    build_tree(text, &tokens, &spans, &rpn, names)
}

/// A character as a person can recognise it, naming the invisible and look-alike ones that
/// arrive by copy and paste.
fn describe_char(c: char) -> String {
    let code = c as u32;
    let (name, hint) = match c {
        '\u{a0}' => ("non-breaking space", "; type a plain space"),
        '\u{feff}' => ("byte-order mark", ""),
        '\u{200b}' => ("zero-width space", ""),
        '\u{2212}' => ("minus sign '−'", "; type '-'"),
        '\u{d7}' => ("multiplication sign '×'", "; type '*'"),
        '\u{b2}' => ("superscript '²'", "; type '^2'"),
        _ if c.is_ascii_graphic() => return format!("'{c}'"),
        _ if c.is_whitespace() => ("special space", "; type a plain space"),
        _ if c.is_control() => ("control character", ""),
        _ => return format!("'{c}'"),
    };
    format!("{name} (U+{code:04X}{hint})")
}

fn column_of_byte(text: &str, byte: usize) -> usize {
    text[..byte.min(text.len())].chars().count() + 1
}

fn tokenize_error(text: &str, e: ParseError) -> FormulaError {
    let end = text.chars().count() + 1;
    match e {
        ParseError::UnexpectedToken(byte) => {
            // meval points at the blank before a token; point at the token itself.
            // Only ASCII blanks: a non-breaking space is what went wrong, not something to skip.
            let rest = &text[byte.min(text.len())..];
            let skipped = rest.len() - rest.trim_start_matches([' ', '\t', '\n', '\r']).len();
            let at = byte + skipped;
            let found = match text[at..].chars().next() {
                Some(c) => describe_char(c),
                None => "end of formula".to_string(),
            };
            FormulaError::Unexpected {
                found,
                column: column_of_byte(text, at),
            }
        }
        ParseError::MissingRParen(n) => FormulaError::MissingParen {
            count: n.max(1) as usize,
            column: end,
        },
        ParseError::MissingArgument => FormulaError::MissingOperand { column: end },
    }
}

/// Column of each token's first character. Tokens come from a successful meval tokenization,
/// so a small scanner that splits the same way finds them.
fn token_columns(text: &str, tokens: &[Token]) -> Vec<usize> {
    let bytes = text.as_bytes();
    let mut i = 0;
    let mut out = Vec::with_capacity(tokens.len());
    for token in tokens {
        while i < bytes.len() && bytes[i].is_ascii_whitespace() {
            i += 1;
        }
        out.push(column_of_byte(text, i));
        match token {
            Token::Number(_) => {
                while i < bytes.len() && (bytes[i].is_ascii_digit() || bytes[i] == b'.') {
                    i += 1;
                }
                if i < bytes.len() && (bytes[i] == b'e' || bytes[i] == b'E') {
                    i += 1;
                    if i < bytes.len() && (bytes[i] == b'+' || bytes[i] == b'-') {
                        i += 1;
                    }
                    while i < bytes.len() && bytes[i].is_ascii_digit() {
                        i += 1;
                    }
                }
            }
            Token::Var(name) => i += name.len(),
            Token::Func(name, _) => {
                // `name` then optional blanks then '('.
                i += name.len();
                while i < bytes.len() && bytes[i] != b'(' {
                    i += 1;
                }
                i += 1;
            }
            _ => i += 1,
        }
    }
    out
}

fn token_text(token: &Token) -> String {
    match token {
        Token::Binary(op) | Token::Unary(op) => format!("'{}'", op_char(*op)),
        Token::LParen => "'('".into(),
        Token::RParen => "')'".into(),
        Token::Comma => "','".into(),
        Token::Number(v) => format!("number {v}"),
        Token::Var(name) => format!("'{name}'"),
        Token::Func(name, _) => format!("'{name}('"),
    }
}

fn op_char(op: Operation) -> char {
    match op {
        Operation::Plus => '+',
        Operation::Minus => '-',
        Operation::Times => '*',
        Operation::Div => '/',
        Operation::Rem => '%',
        Operation::Pow => '^',
    }
}

fn rpn_error(text: &str, tokens: &[Token], spans: &[usize], e: RPNError) -> FormulaError {
    let end = text.chars().count() + 1;
    let at = |i: usize| spans.get(i).copied().unwrap_or(end);
    match e {
        RPNError::MismatchedLParen(i) => FormulaError::UnclosedParen { column: at(i) },
        RPNError::MismatchedRParen(i) | RPNError::UnexpectedComma(i) => FormulaError::Unexpected {
            found: tokens
                .get(i)
                .map_or_else(|| "end of formula".into(), token_text),
            column: at(i),
        },
        RPNError::NotEnoughOperands(_) => FormulaError::MissingOperand { column: end },
        RPNError::TooManyOperands => FormulaError::Unexpected {
            found: "extra operand".into(),
            column: 1,
        },
    }
}

/// Columns of the RPN's operands and functions. Shunting-yard keeps operands in input order
/// and emits each function at its closing parenthesis, so both orders can be rebuilt.
fn rpn_columns(tokens: &[Token], spans: &[usize]) -> (Vec<usize>, Vec<usize>) {
    let operands = tokens
        .iter()
        .zip(spans)
        .filter(|(t, _)| matches!(t, Token::Number(_) | Token::Var(_)))
        .map(|(_, &c)| c)
        .collect();
    let mut open: Vec<Option<usize>> = Vec::new();
    let mut funcs = Vec::new();
    for (t, &c) in tokens.iter().zip(spans) {
        match t {
            Token::Func(..) => open.push(Some(c)),
            Token::LParen => open.push(None),
            Token::RParen => {
                if let Some(Some(col)) = open.pop() {
                    funcs.push(col);
                }
            }
            _ => {}
        }
    }
    (operands, funcs)
}

fn function(name: &str) -> Option<Result<Fn1, Fn2>> {
    if let Some(f) = Fn1::ALL.iter().find(|f| f.name() == name) {
        return Some(Ok(*f));
    }
    if name == "log" {
        return Some(Ok(Fn1::Ln));
    }
    match name {
        "min" => Some(Err(Fn2::Min)),
        "max" => Some(Err(Fn2::Max)),
        "atan2" => Some(Err(Fn2::Atan2)),
        _ => None,
    }
}

fn build_tree(
    text: &str,
    tokens: &[Token],
    spans: &[usize],
    rpn: &[Token],
    names: Names,
) -> Result<Parsed, FormulaError> {
    let end = text.chars().count() + 1;
    let (operand_cols, func_cols) = rpn_columns(tokens, spans);
    let (mut next_operand, mut next_func) = (0, 0);
    let mut params: Vec<String> = names.known.to_vec();
    let mut stack: Vec<N> = Vec::with_capacity(rpn.len());
    let missing = FormulaError::MissingOperand { column: end };
    for token in rpn {
        match token {
            Token::Number(v) => {
                next_operand += 1;
                stack.push(node::num(*v));
            }
            Token::Var(name) => {
                let column = operand_cols.get(next_operand).copied().unwrap_or(end);
                next_operand += 1;
                stack.push(variable(name, column, names, &mut params)?);
            }
            Token::Unary(op) => {
                let a = stack.pop().ok_or(missing.clone())?;
                stack.push(if *op == Operation::Minus {
                    exact::neg(a)
                } else {
                    a
                });
            }
            Token::Binary(op) => {
                let b = stack.pop().ok_or(missing.clone())?;
                let a = stack.pop().ok_or(missing.clone())?;
                stack.push(match op {
                    Operation::Plus => exact::add(a, b),
                    Operation::Minus => exact::sub(a, b),
                    Operation::Times => exact::mul(a, b),
                    Operation::Div => exact::div(a, b),
                    Operation::Rem => exact::rem(a, b),
                    Operation::Pow => exact::pow(a, b),
                });
            }
            Token::Func(name, nargs) => {
                let column = func_cols.get(next_func).copied().unwrap_or(1);
                next_func += 1;
                let n = nargs.unwrap_or(0);
                if n > stack.len() {
                    return Err(missing);
                }
                let args = stack.split_off(stack.len() - n);
                stack.push(call(name, args, column)?);
            }
            Token::LParen | Token::RParen | Token::Comma => {
                return Err(FormulaError::Unexpected {
                    found: token_text(token),
                    column: 1,
                });
            }
        }
    }
    match (stack.pop(), stack.is_empty()) {
        (Some(tree), true) => Ok(Parsed { tree, params }),
        _ => Err(FormulaError::MissingOperand { column: end }),
    }
}

/// What a name in the formula is: an axis, a dataset's column (a column named `e` or `pi` is
/// the column: the data's own names win over the constants), a constant, or a parameter.
fn variable(
    name: &str,
    column: usize,
    names: Names,
    params: &mut Vec<String>,
) -> Result<N, FormulaError> {
    let axes = names.axes;
    // The known names take the first parameter slots, in order.
    if let Some(index) = names.known.iter().position(|k| k == name)
        && !axes.contains(&name)
    {
        return Ok(Rc::new(Node::Var(Var::Param(index))));
    }
    Ok(match name {
        _ if name == axes[0] => Rc::new(Node::Var(Var::X)),
        _ if name == axes[1] => Rc::new(Node::Var(Var::Y)),
        "pi" => node::num(std::f64::consts::PI),
        "e" => node::num(std::f64::consts::E),
        _ if function(name).is_some() => {
            return Err(FormulaError::FunctionWithoutCall {
                name: name.into(),
                column,
            });
        }
        _ => {
            let index = params.iter().position(|p| p == name).unwrap_or_else(|| {
                params.push(name.into());
                params.len() - 1
            });
            Rc::new(Node::Var(Var::Param(index)))
        }
    })
}

fn call(name: &str, args: Vec<N>, column: usize) -> Result<N, FormulaError> {
    let count_error = |expected| FormulaError::ArgumentCount {
        name: name.into(),
        expected,
        got: args.len(),
        column,
    };
    match function(name) {
        None => Err(FormulaError::UnknownFunction {
            name: name.into(),
            column,
        }),
        Some(Ok(f)) => match <[N; 1]>::try_from(args.clone()) {
            Ok([a]) => Ok(exact::call1(f, a)),
            Err(_) => Err(count_error("1 argument")),
        },
        Some(Err(Fn2::Atan2)) => match <[N; 2]>::try_from(args.clone()) {
            Ok([a, b]) => Ok(exact::call2(Fn2::Atan2, a, b)),
            Err(_) => Err(count_error("2 arguments")),
        },
        Some(Err(f)) => {
            if args.len() < 2 {
                return Err(count_error("at least 2 arguments"));
            }
            let mut it = args.into_iter();
            let first = it.next().ok_or(FormulaError::MissingOperand { column })?;
            Ok(it.fold(first, |acc, b| exact::call2(f, acc, b)))
        }
    }
}
