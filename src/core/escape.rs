//! Text from files and people on its way out, one escaping function per target: a Python
//! string literal, a Python comment, a Python name, a shell word, a terminal line and a short
//! quote of a file's text in a message. Nothing a person or a file wrote becomes code, a line
//! break or a terminal control sequence on the way.

use std::collections::{HashMap, HashSet};
use std::fmt::Write;

/// Characters that must never pass through raw: controls (C0, DEL, C1: escape sequences,
/// carriage returns, bells), Unicode line and paragraph separators, the byte-order mark and
/// the bidirectional overrides and isolates that make text read differently than it runs.
pub fn is_hazard(c: char) -> bool {
    c.is_control()
        || matches!(
            c,
            '\u{2028}' | '\u{2029}' | '\u{feff}' | '\u{200e}' | '\u{200f}' | '\u{61c}'
        )
        || ('\u{202a}'..='\u{202e}').contains(&c)
        || ('\u{2066}'..='\u{2069}').contains(&c)
}

/// `c` as a backslash escape Python, bash's `$'…'` and a reader all understand: `\x1b`,
/// `\u2028`, `\U0001f600`.
fn hex_escape(out: &mut String, c: char) {
    let code = c as u32;
    // Writing to a String cannot fail.
    let _ = match code {
        0..=0xff => write!(out, "\\x{code:02x}"),
        0x100..=0xffff => write!(out, "\\u{code:04x}"),
        _ => write!(out, "\\U{code:08x}"),
    };
}

/// Text with every hazard written as its escape: for a terminal, a log line, a comment.
pub fn shown(text: &str) -> String {
    escaped(text, |_| false)
}

/// [`shown`], keeping line breaks and tabs: a whole multi-line message for a terminal.
pub fn terminal(text: &str) -> String {
    escaped(text, |c| c == '\n' || c == '\t')
}

/// Every hazard but those `keep` lets through, as its escape.
fn escaped(text: &str, keep: fn(char) -> bool) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        if is_hazard(c) && !keep(c) {
            hex_escape(&mut out, c);
        } else {
            out.push(c);
        }
    }
    out
}

/// Most characters of a file's text a message quotes.
pub const QUOTE_CHARS: usize = 40;

/// A short piece of a file's text for a message: at most [`QUOTE_CHARS`] characters, hazards
/// escaped, in single quotes, with `…` where it was cut.
pub fn quote(text: &str) -> String {
    let cut = text.char_indices().nth(QUOTE_CHARS).map(|(i, _)| i);
    let piece = &text[..cut.unwrap_or(text.len())];
    format!("'{}{}'", shown(piece), if cut.is_some() { "…" } else { "" })
}

/// A Python string literal that reads back as `text`, whatever it holds: double-quoted, pure
/// ASCII, every quote, backslash and character outside printable ASCII escaped.
pub fn python_str(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + 2);
    out.push('"');
    for c in text.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            ' '..='~' => out.push(c),
            _ => hex_escape(&mut out, c),
        }
    }
    out.push('"');
    out
}

/// A Python comment line holding `text`: `# ` and the text, hazards escaped, so it ends where
/// this line ends.
pub fn python_comment(text: &str) -> String {
    format!("# {}", shown(text))
}

/// Python's keywords (soft ones included) and builtins: a user's name equal to one would
/// shadow it or not parse.
const PYTHON_TAKEN: &[&str] = &[
    "False",
    "None",
    "True",
    "and",
    "as",
    "assert",
    "async",
    "await",
    "break",
    "class",
    "continue",
    "def",
    "del",
    "elif",
    "else",
    "except",
    "finally",
    "for",
    "from",
    "global",
    "if",
    "import",
    "in",
    "is",
    "lambda",
    "nonlocal",
    "not",
    "or",
    "pass",
    "raise",
    "return",
    "try",
    "while",
    "with",
    "yield",
    "case",
    "match",
    "type",
    "_",
    "ArithmeticError",
    "AssertionError",
    "AttributeError",
    "BaseException",
    "BaseExceptionGroup",
    "BlockingIOError",
    "BrokenPipeError",
    "BufferError",
    "BytesWarning",
    "ChildProcessError",
    "ConnectionAbortedError",
    "ConnectionError",
    "ConnectionRefusedError",
    "ConnectionResetError",
    "DeprecationWarning",
    "EOFError",
    "Ellipsis",
    "EncodingWarning",
    "EnvironmentError",
    "Exception",
    "ExceptionGroup",
    "FileExistsError",
    "FileNotFoundError",
    "FloatingPointError",
    "FutureWarning",
    "GeneratorExit",
    "IOError",
    "ImportError",
    "ImportWarning",
    "IndentationError",
    "IndexError",
    "InterruptedError",
    "IsADirectoryError",
    "KeyError",
    "KeyboardInterrupt",
    "LookupError",
    "MemoryError",
    "ModuleNotFoundError",
    "NameError",
    "NotADirectoryError",
    "NotImplemented",
    "NotImplementedError",
    "OSError",
    "OverflowError",
    "PendingDeprecationWarning",
    "PermissionError",
    "ProcessLookupError",
    "PythonFinalizationError",
    "RecursionError",
    "ReferenceError",
    "ResourceWarning",
    "RuntimeError",
    "RuntimeWarning",
    "StopAsyncIteration",
    "StopIteration",
    "SyntaxError",
    "SyntaxWarning",
    "SystemError",
    "SystemExit",
    "TabError",
    "TimeoutError",
    "TypeError",
    "UnboundLocalError",
    "UnicodeDecodeError",
    "UnicodeEncodeError",
    "UnicodeError",
    "UnicodeTranslateError",
    "UnicodeWarning",
    "UserWarning",
    "ValueError",
    "Warning",
    "ZeroDivisionError",
    "abs",
    "aiter",
    "all",
    "anext",
    "any",
    "ascii",
    "bin",
    "bool",
    "breakpoint",
    "bytearray",
    "bytes",
    "callable",
    "chr",
    "classmethod",
    "compile",
    "complex",
    "copyright",
    "credits",
    "delattr",
    "dict",
    "dir",
    "divmod",
    "enumerate",
    "eval",
    "exec",
    "exit",
    "filter",
    "float",
    "format",
    "frozenset",
    "getattr",
    "globals",
    "hasattr",
    "hash",
    "help",
    "hex",
    "id",
    "input",
    "int",
    "isinstance",
    "issubclass",
    "iter",
    "len",
    "license",
    "list",
    "locals",
    "map",
    "max",
    "memoryview",
    "min",
    "next",
    "object",
    "oct",
    "open",
    "ord",
    "pow",
    "print",
    "property",
    "quit",
    "range",
    "repr",
    "reversed",
    "round",
    "set",
    "setattr",
    "slice",
    "sorted",
    "staticmethod",
    "str",
    "sum",
    "super",
    "tuple",
    "vars",
    "zip",
    "IncompleteInputError",
    "reveal_type",
    "reveal_locals",
    "WindowsError",
    "unicode",
    "long",
    "basestring",
    "xrange",
    "raw_input",
    "reduce",
    "file",
    "execfile",
    "cmp",
    "apply",
    "buffer",
    "coerce",
    "intern",
    "unichr",
];

/// Whether `name` can stand in a script as it is: an ASCII identifier (so Unicode folding
/// cannot turn it into another name) not starting with `_` (the renamed names' prefix, and
/// Python's private and magic names), and not one of Python's own.
fn plain_python_name(name: &str) -> bool {
    let mut chars = name.chars();
    chars.next().is_some_and(|c| c.is_ascii_alphabetic())
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_')
        && !PYTHON_TAKEN.contains(&name)
}

/// Names for a generated Python script: a user's name stays as written where it is proven safe
/// (see [`plain_python_name`]) and is not one the script itself uses; any other becomes `_1`,
/// `_2`, … (never a user's name, which cannot start with `_`). The same name always gets the
/// same identifier.
#[derive(Debug, Clone)]
pub struct PythonNames {
    reserved: HashSet<String>,
    given: HashMap<String, String>,
    renamed: usize,
}

impl PythonNames {
    /// Keeps clear of every identifier-like word in `templates`, the code the script writes
    /// itself (words in its strings and comments too: a needless rename is harmless, a
    /// missed one is not).
    pub fn new(templates: &[&str]) -> PythonNames {
        let mut reserved = HashSet::new();
        for text in templates {
            reserved.extend(identifiers(text).map(str::to_string));
        }
        PythonNames {
            reserved,
            given: HashMap::new(),
            renamed: 0,
        }
    }

    /// The identifier standing for `name`.
    pub fn name(&mut self, name: &str) -> String {
        if let Some(id) = self.given.get(name) {
            return id.clone();
        }
        let id = if plain_python_name(name) && !self.reserved.contains(name) {
            name.to_string()
        } else {
            self.renamed += 1;
            format!("_{}", self.renamed)
        };
        self.given.insert(name.to_string(), id.clone());
        id
    }

    /// Every name that was renamed, with its identifier, in the order they were met.
    pub fn renamed(&self) -> Vec<(&str, &str)> {
        let mut all: Vec<(&str, &str)> = self
            .given
            .iter()
            .filter(|(name, id)| name != id)
            .map(|(name, id)| (name.as_str(), id.as_str()))
            .collect();
        all.sort_by_key(|(_, id)| id[1..].parse::<usize>().unwrap_or(0));
        all
    }
}

/// The identifier-like words of a piece of code (strings and comments included: reserving a
/// few extra words costs nothing).
fn identifiers(text: &str) -> impl Iterator<Item = &str> {
    text.split(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
        .filter(|w| w.chars().next().is_some_and(|c| !c.is_ascii_digit()))
}

/// A word bash reads back as `text`: bare when it is plain, in single quotes when it has no
/// hazards, else ANSI-C quoted (`$'…'`, hazards as escapes) so it stays on one line.
pub fn shell_word(text: &str) -> String {
    let plain = |c: char| c.is_ascii_alphanumeric() || "_@%+=:,./-".contains(c);
    if !text.is_empty() && text.chars().all(plain) {
        return text.to_string();
    }
    if !text.chars().any(is_hazard) {
        return format!("'{}'", text.replace('\'', "'\\''"));
    }
    let mut out = String::from("$'");
    for c in text.chars() {
        match c {
            '\'' => out.push_str("\\'"),
            '\\' => out.push_str("\\\\"),
            _ if is_hazard(c) => hex_escape(&mut out, c),
            _ => out.push(c),
        }
    }
    out.push('\'');
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hazards_are_escaped_and_nothing_else() {
        assert_eq!(shown("a\u{1b}[31mb\r\n"), "a\\x1b[31mb\\x0d\\x0a");
        assert_eq!(shown("ünïcode ok"), "ünïcode ok");
        assert_eq!(shown("\u{202e}evil\u{2028}"), "\\u202eevil\\u2028");
        assert_eq!(terminal("one\ttwo\nthree\u{7}"), "one\ttwo\nthree\\x07");
    }

    #[test]
    fn a_quote_is_short() {
        let long = "x".repeat(1000);
        let q = quote(&long);
        assert_eq!(q.chars().count(), QUOTE_CHARS + 3);
        assert!(q.ends_with("…'"));
        assert_eq!(quote("a\nb"), "'a\\x0ab'");
    }

    #[test]
    fn python_literals_are_ascii_and_escaped() {
        assert_eq!(python_str(r#"a"b\c"#), r#""a\"b\\c""#);
        assert_eq!(
            python_str("\u{1f600}\n\u{85}é"),
            r#""\U0001f600\x0a\x85\xe9""#
        );
        assert_eq!(python_str(r"\N{BEL}"), r#""\\N{BEL}""#);
        assert!(!python_comment("x\ry\nz").contains(['\n', '\r']));
    }

    #[test]
    fn python_names_are_kept_only_when_safe() {
        let mut n = PythonNames::new(&["def f(a, rows=slice(None)): return torch.mean(a)"]);
        assert_eq!(n.name("kappa"), "kappa");
        for taken in [
            "rows", "torch", "print", "lambda", "_x", "x²", "ｘ", "", "a b", "f",
        ] {
            assert!(n.name(taken).starts_with('_'), "{taken:?}");
        }
        assert_eq!(n.name("rows"), "_1", "the same name, the same identifier");
        assert_eq!(n.renamed()[1], ("torch", "_2"));
    }

    #[test]
    fn shell_words_stay_one_word_on_one_line() {
        assert_eq!(shell_word("x^2"), "'x^2'");
        assert_eq!(shell_word("it's"), r"'it'\''s'");
        assert_eq!(shell_word("a\nb'"), r"$'a\x0ab\''");
        assert_eq!(shell_word("plain-1.5"), "plain-1.5");
        assert_eq!(shell_word(""), "''");
    }
}
