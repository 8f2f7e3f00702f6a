//! Where things stand in a RON scene file: the line of a field (`landscape.formula`) and of each
//! element of a list (`racers`), found by walking the file's structure with comments, strings
//! and character literals skipped, so a comment or a label that happens to contain
//! `version: 3` or `optimizer:` cannot move them.

/// One token of the outline: what it is, its line, and how deeply it is nested.
#[derive(Debug, Clone, PartialEq)]
struct Tok {
    kind: Kind,
    line: usize,
    depth: usize,
}

#[derive(Debug, Clone, PartialEq)]
enum Kind {
    Ident(String),
    Open,
    Close,
    Comma,
    Colon,
    /// A number, string or anything else that is a value, not structure.
    Value,
}

/// The outline of a RON text.
pub struct Layout {
    toks: Vec<Tok>,
}

impl Layout {
    pub fn new(text: &str) -> Layout {
        Layout {
            toks: outline(text),
        }
    }

    /// The line of a field by its path from the top-level struct: `["landscape", "formula"]`.
    pub fn field_line(&self, path: &[&str]) -> Option<usize> {
        self.field(path).map(|i| self.toks[i].line)
    }

    /// The line where each element of the list at `path` begins.
    pub fn element_lines(&self, path: &[&str]) -> Vec<usize> {
        let Some(i) = self.field(path) else {
            return Vec::new();
        };
        let depth = path.len() + 1;
        let mut lines = Vec::new();
        let mut expect = true;
        // Skip the name, the colon and the opening bracket.
        for t in self.toks.iter().skip(i + 3) {
            if t.depth < depth {
                break;
            }
            if t.depth == depth {
                match t.kind {
                    Kind::Comma => expect = true,
                    Kind::Close => {}
                    _ if expect => {
                        lines.push(t.line);
                        expect = false;
                    }
                    _ => {}
                }
            }
        }
        lines
    }

    /// Index of the token naming the field at `path`.
    fn field(&self, path: &[&str]) -> Option<usize> {
        let mut from = 0;
        let mut found = None;
        for (level, name) in path.iter().enumerate() {
            let depth = level + 1;
            let start = (from..self.toks.len()).find(|&i| self.toks[i].depth >= depth)?;
            let i = (start..self.toks.len())
                .take_while(|&i| self.toks[i].depth >= depth)
                .find(|&i| {
                    let t = &self.toks[i];
                    t.depth == depth
                        && t.kind == Kind::Ident((*name).to_string())
                        && self.toks.get(i + 1).is_some_and(|c| c.kind == Kind::Colon)
                })?;
            found = Some(i);
            from = i + 1;
        }
        found
    }
}

/// A cursor over the text that counts lines as it goes.
struct Scan {
    cs: Vec<char>,
    i: usize,
    line: usize,
}

impl Scan {
    fn at(&self, k: usize) -> Option<char> {
        self.cs.get(self.i + k).copied()
    }

    /// Moves one character on, counting a newline.
    fn bump(&mut self) {
        self.line += usize::from(self.at(0) == Some('\n'));
        self.i += 1;
    }

    /// Past the end of the line (a `//` comment).
    fn line_comment(&mut self) {
        while self.at(0).is_some_and(|c| c != '\n') {
            self.i += 1;
        }
    }

    /// Past a block comment; RON block comments nest.
    fn block_comment(&mut self) {
        let mut level = 0;
        while let Some(c) = self.at(0) {
            if c == '/' && self.at(1) == Some('*') {
                level += 1;
                self.i += 2;
            } else if c == '*' && self.at(1) == Some('/') {
                level -= 1;
                self.i += 2;
                if level == 0 {
                    return;
                }
            } else {
                self.bump();
            }
        }
    }

    /// Past a quoted string or character, escapes included.
    fn quoted(&mut self, quote: char) {
        self.i += 1;
        while let Some(d) = self.at(0) {
            self.bump();
            match d {
                '\\' => self.bump(),
                _ if d == quote => return,
                _ => {}
            }
        }
    }

    /// Past a raw string, r"…" or r#"…"#, which has no escapes.
    fn raw_string(&mut self) {
        let hashes = self.cs[self.i + 1..]
            .iter()
            .take_while(|&&h| h == '#')
            .count();
        self.i += 1 + hashes + 1;
        let close: Vec<char> = std::iter::once('"')
            .chain(std::iter::repeat_n('#', hashes))
            .collect();
        while self.i < self.cs.len() && !self.cs[self.i..].starts_with(&close) {
            self.bump();
        }
        self.i += close.len();
    }

    /// Past a run of characters that satisfy `keep`; at least one character.
    fn word(&mut self, keep: impl Fn(char) -> bool) -> String {
        let s = self.i;
        while self.at(0).is_some_and(&keep) {
            self.i += 1;
        }
        // A lone '/' is not a comment: step over it.
        self.i += usize::from(self.i == s);
        self.cs[s..self.i.min(self.cs.len())].iter().collect()
    }
}

/// Splits the text into structural tokens.
fn outline(text: &str) -> Vec<Tok> {
    let mut scan = Scan {
        cs: text.chars().collect(),
        i: 0,
        line: 1,
    };
    let (mut out, mut depth) = (Vec::new(), 0usize);
    while let Some(c) = scan.at(0) {
        let line = scan.line;
        let kind = match c {
            c if c.is_whitespace() => {
                scan.bump();
                None
            }
            '/' if scan.at(1) == Some('/') => {
                scan.line_comment();
                None
            }
            '/' if scan.at(1) == Some('*') => {
                scan.block_comment();
                None
            }
            '"' | '\'' => {
                scan.quoted(c);
                Some(Kind::Value)
            }
            'r' if matches!(scan.at(1), Some('"' | '#')) => {
                scan.raw_string();
                Some(Kind::Value)
            }
            c if c.is_alphabetic() || c == '_' => {
                Some(Kind::Ident(scan.word(|c| c.is_alphanumeric() || c == '_')))
            }
            '(' | '[' | '{' | ')' | ']' | '}' | ',' | ':' => {
                scan.i += 1;
                Some(match c {
                    '(' | '[' | '{' => Kind::Open,
                    ',' => Kind::Comma,
                    ':' => Kind::Colon,
                    _ => Kind::Close,
                })
            }
            _ => {
                scan.word(|c| !c.is_whitespace() && !"()[]{},:/\"'".contains(c));
                Some(Kind::Value)
            }
        };
        let Some(kind) = kind else { continue };
        // An opening bracket sits at the depth outside it, a closing one likewise.
        if kind == Kind::Close {
            depth = depth.saturating_sub(1);
        }
        let opens = kind == Kind::Open;
        out.push(Tok { kind, line, depth });
        depth += usize::from(opens);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    const TEXT: &str = r#"// version: 9 in a comment
Scene(
    version: 1, /* optimizer: (nested /* comment */) */
    name: "optimizer: in a string",
    landscape: (preset: Some("bowl"), formula: None),
    racers: [
        (optimizer: gd, label: Some("optimizer: x"), start: (1, 2)),
        SceneRacer(
            optimizer: adam, start: (0, 0)),
        (optimizer: sgd, start: (-1.5e-3, 2)),
    ],
)"#;

    #[test]
    fn fields_and_elements_are_found_by_structure() {
        let l = Layout::new(TEXT);
        assert_eq!(l.field_line(&["version"]), Some(3));
        assert_eq!(l.field_line(&["landscape", "formula"]), Some(5));
        assert_eq!(l.field_line(&["formula"]), None);
        assert_eq!(l.element_lines(&["racers"]), vec![7, 8, 10]);
        assert_eq!(l.field_line(&["duration"]), None);
    }
}
