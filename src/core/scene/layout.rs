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

/// Splits the text into structural tokens.
fn outline(text: &str) -> Vec<Tok> {
    let cs: Vec<char> = text.chars().collect();
    let (mut out, mut line, mut depth, mut i) = (Vec::new(), 1, 0usize, 0);
    let at = |i: usize| cs.get(i).copied();
    while let Some(c) = at(i) {
        let start_line = line;
        let mut push = |kind, depth| {
            out.push(Tok {
                kind,
                line: start_line,
                depth,
            })
        };
        match c {
            '\n' => {
                line += 1;
                i += 1;
            }
            c if c.is_whitespace() => i += 1,
            '/' if at(i + 1) == Some('/') => {
                while at(i).is_some_and(|c| c != '\n') {
                    i += 1;
                }
            }
            '/' if at(i + 1) == Some('*') => {
                // RON block comments nest.
                let mut level = 0;
                while let Some(c) = at(i) {
                    if c == '/' && at(i + 1) == Some('*') {
                        level += 1;
                        i += 2;
                    } else if c == '*' && at(i + 1) == Some('/') {
                        level -= 1;
                        i += 2;
                        if level == 0 {
                            break;
                        }
                    } else {
                        line += usize::from(c == '\n');
                        i += 1;
                    }
                }
            }
            '"' | '\'' => {
                i += 1;
                while let Some(d) = at(i) {
                    i += 1;
                    match d {
                        '\\' => i += 1,
                        '\n' => line += 1,
                        _ if d == c => break,
                        _ => {}
                    }
                }
                push(Kind::Value, depth);
            }
            'r' if matches!(at(i + 1), Some('"' | '#')) => {
                // A raw string: r"…" or r#"…"#, no escapes.
                let hashes = cs[i + 1..].iter().take_while(|&&h| h == '#').count();
                i += 1 + hashes + 1;
                let close: Vec<char> = std::iter::once('"')
                    .chain(std::iter::repeat_n('#', hashes))
                    .collect();
                while i < cs.len() && !cs[i..].starts_with(&close) {
                    line += usize::from(cs[i] == '\n');
                    i += 1;
                }
                i += close.len();
                push(Kind::Value, depth);
            }
            '(' | '[' | '{' => {
                push(Kind::Open, depth);
                depth += 1;
                i += 1;
            }
            ')' | ']' | '}' => {
                depth = depth.saturating_sub(1);
                push(Kind::Close, depth);
                i += 1;
            }
            ',' => {
                push(Kind::Comma, depth);
                i += 1;
            }
            ':' => {
                push(Kind::Colon, depth);
                i += 1;
            }
            c if c.is_alphabetic() || c == '_' => {
                let s = i;
                while at(i).is_some_and(|c| c.is_alphanumeric() || c == '_') {
                    i += 1;
                }
                push(Kind::Ident(cs[s..i].iter().collect()), depth);
            }
            _ => {
                let s = i;
                while at(i).is_some_and(|c| !c.is_whitespace() && !"()[]{},:/\"'".contains(c)) {
                    i += 1;
                }
                // A lone '/' is not a comment: step over it.
                i += usize::from(i == s);
                push(Kind::Value, depth);
            }
        }
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
