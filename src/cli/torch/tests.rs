//! The exporter against hostile text: whatever a scene's strings and names hold, the script is
//! valid Python whose code is exactly the code of the same scene with harmless strings. User
//! text appears only inside string literals and comments, or as a name proven safe.

use super::script;
use crate::core::escape::is_hazard;
use crate::core::landscape::{DataSource, DataSpec, Landscape, LandscapeSpec};
use crate::core::scene::{self, Loaded};
use proptest::prelude::*;
use proptest::strategy::ValueTree;
use proptest::test_runner::TestRunner;

const KEYWORDS: [&str; 35] = [
    "False", "None", "True", "and", "as", "assert", "async", "await", "break", "class", "continue",
    "def", "del", "elif", "else", "except", "finally", "for", "from", "global", "if", "import",
    "in", "is", "lambda", "nonlocal", "not", "or", "pass", "raise", "return", "try", "while",
    "with", "yield",
];

/// A Python string literal from `chars[i]` (its opening quote) on; the index after it.
fn string_end(chars: &[char], i: usize) -> Result<usize, String> {
    let q = chars[i];
    let triple = chars[i..].starts_with(&[q, q, q]);
    let mut j = i + if triple { 3 } else { 1 };
    while j < chars.len() {
        match chars[j] {
            '\\' => j += 2,
            '\n' if !triple => return Err("a line break inside a string".into()),
            c if c == q && (!triple || chars[j..].starts_with(&[q, q, q])) => {
                return Ok(j + if triple { 3 } else { 1 });
            }
            _ => j += 1,
        }
    }
    Err("an unterminated string".into())
}

/// Python code reduced to its shape: each string literal `S`, each number `N`, each name that
/// is not a keyword `I`, comments and blank lines gone. Refuses what a generated script must
/// never hold: a character outside printable ASCII in code, or a string left open.
fn skeleton(code: &str) -> Result<Vec<String>, String> {
    let chars: Vec<char> = code.chars().collect();
    let mut out: Vec<String> = Vec::new();
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        match c {
            '#' => {
                while i < chars.len() && chars[i] != '\n' {
                    i += 1;
                }
            }
            '\n' => {
                if out.last().is_some_and(|t| t != "NL") {
                    out.push("NL".into());
                }
                i += 1;
            }
            ' ' => i += 1,
            '"' | '\'' => {
                i = string_end(&chars, i)?;
                out.push("S".into());
            }
            _ if c.is_ascii_alphabetic() || c == '_' => {
                let start = i;
                while i < chars.len() && (chars[i].is_ascii_alphanumeric() || chars[i] == '_') {
                    i += 1;
                }
                let word: String = chars[start..i].iter().collect();
                let prefix = ["f", "r", "b", "u", "rb", "br", "fr", "rf"]
                    .contains(&word.to_ascii_lowercase().as_str());
                if prefix && i < chars.len() && matches!(chars[i], '"' | '\'') {
                    i = string_end(&chars, i)?;
                    out.push("S".into());
                } else if KEYWORDS.contains(&word.as_str()) {
                    out.push(word);
                } else {
                    out.push("I".into());
                }
            }
            _ if c.is_ascii_digit() => {
                while i < chars.len()
                    && (chars[i].is_ascii_alphanumeric()
                        || chars[i] == '.'
                        || (matches!(chars[i], '+' | '-') && matches!(chars[i - 1], 'e' | 'E')))
                {
                    i += 1;
                }
                out.push("N".into());
            }
            _ if c.is_ascii_graphic() => {
                out.push(c.to_string());
                i += 1;
            }
            _ => return Err(format!("{c:?} in code, outside strings and comments")),
        }
    }
    Ok(out)
}

/// Text a hostile sender would try: any character, with the ones that end lines, close
/// strings, start escapes or drive terminals much more often than chance.
fn hostile() -> impl Strategy<Value = String> {
    let piece = prop_oneof![
        any::<char>().prop_map(String::from),
        Just("\n".to_string()),
        Just("\r".to_string()),
        Just("\"".to_string()),
        Just("'''".to_string()),
        Just("\"\"\"".to_string()),
        Just("\\".to_string()),
        Just("\\N{BEL}".to_string()),
        Just("\\U0001".to_string()),
        Just("#".to_string()),
        Just("\u{2028}".to_string()),
        Just("\u{85}".to_string()),
        Just("\u{1b}[2J".to_string()),
        Just("\u{202e}".to_string()),
        Just("\nimport os; os.system('id')\n".to_string()),
        Just("{AXES}".to_string()),
        Just("$(id)`id`".to_string()),
        Just("ｐｒｉｎｔ".to_string()),
    ];
    proptest::collection::vec(piece, 0..8).prop_map(|p| p.concat())
}

/// Names the script must keep clear of, and ordinary ones: keywords, builtins, the script's
/// own names, fullwidth letters that Python folds to ASCII, and names Python cannot read.
const NAMES: [&str; 24] = [
    "w",
    "b",
    "print",
    "slice",
    "rows",
    "torch",
    "DATA",
    "f",
    "race",
    "lambda",
    "def",
    "None",
    "STEPS",
    "ｘ",
    "x²",
    "e",
    "pi",
    "é",
    "Ⅻ",
    "math",
    "open",
    "k2",
    "ｐrint",
    "__import__",
];

/// A column's name as a CSV header may hold it: any letters and digits of any script.
fn column_name() -> impl Strategy<Value = String> {
    prop_oneof![
        proptest::sample::select(NAMES.to_vec()).prop_map(str::to_string),
        "[\\p{L}_][\\p{L}\\p{N}_]{0,5}",
    ]
}

/// A name the formula language reads (ASCII), often one Python or the script owns.
fn formula_name() -> impl Strategy<Value = String> {
    let ascii: Vec<&str> = NAMES.iter().copied().filter(|n| n.is_ascii()).collect();
    prop_oneof![
        proptest::sample::select(ascii).prop_map(str::to_string),
        "[a-z][a-z0-9_]{0,5}",
    ]
}

/// Every string field of a scene, and the names its landscape brings.
#[derive(Debug, Clone)]
struct Strings {
    name: String,
    description: String,
    labels: [String; 2],
    source: String,
    file: String,
    columns: [String; 2],
    axes: [String; 2],
    param: String,
}

fn strings() -> impl Strategy<Value = Strings> {
    (
        (hostile(), hostile(), hostile(), hostile(), hostile()),
        hostile(),
        [column_name(), column_name()],
        [formula_name(), formula_name()],
        formula_name(),
    )
        .prop_map(
            |((name, description, l1, l2, source), file, columns, axes, param)| Strings {
                name,
                description,
                labels: [l1, l2],
                source,
                file,
                columns,
                axes,
                param,
            },
        )
}

const RACERS: &str = r#"(
    version: 3,
    name: "n",
    landscape: (preset: Some("rosenbrock")),
    racers: [
        (optimizer: momentum, start: (0.5, 0.5), hyper: {"lr": 0.001, "noise": 0.1}),
        (optimizer: adam, start: (0.5, 0.5), hyper: {"lr": 0.01, "batch": 1.0}),
    ],
)"#;

/// The scene with these strings; None where the landscape refuses them (and says why).
fn scene_of(s: &Strings, dir: &std::path::Path, data: bool) -> Option<Loaded> {
    let mut loaded = scene::parse(RACERS).unwrap();
    loaded.scene.name = s.name.clone();
    loaded.scene.description = s.description.clone();
    for (r, label) in loaded.racers.iter_mut().zip(&s.labels) {
        r.label = label.clone();
    }
    let (p, [a, b]) = (&s.param, &s.axes);
    let landscape = if data {
        // Any name but '/' and NUL is a file name on Unix.
        let file = dir.join(s.file.replace(['/', '\0'], "_") + ".csv");
        let header = s.columns.join(",");
        if std::fs::write(&file, format!("{header}\n1,2\n3,4\n0.5,1\n")).is_err() {
            return None;
        }
        let loss = format!("({a} + {b} - {p})^2\n+ 0.1*{a}^2");
        Landscape::new(&LandscapeSpec {
            params: vec![(p, 1.5)],
            data: Some(DataSpec {
                source: DataSource::Csv(file),
                loss: Some(&loss),
                axes: Some([a, b]),
            }),
            ..LandscapeSpec::default()
        })
    } else {
        let formula = format!("{p}*x^2\n+ signum(y)*round(y) + min(x, y)");
        Landscape::new(&LandscapeSpec {
            formula: Some(&formula),
            ..LandscapeSpec::default()
        })
    };
    match landscape {
        // `e` and `pi` are the constants in a formula: a scene of another shape.
        Ok(l) if !data && l.formula.params().is_empty() => return None,
        Ok(l) => loaded.landscape = l,
        Err(e) => {
            assert!(!e.to_string().is_empty());
            return None;
        }
    }
    Some(loaded)
}

fn harmless() -> Strings {
    let s = |t: &str| t.to_string();
    Strings {
        name: s("a"),
        description: s("a"),
        labels: [s("a"), s("a")],
        source: s("a"),
        file: s("a"),
        columns: [s("u"), s("v")],
        axes: [s("w"), s("b")],
        param: s("k"),
    }
}

/// Python's own parser on each script: the kinds of its top-level statements, one line each
/// (None where this machine has no python3).
fn python_statements(scripts: &[String], dir: &std::path::Path) -> Option<Vec<String>> {
    let mut paths = Vec::new();
    for (i, text) in scripts.iter().enumerate() {
        let path = dir.join(format!("script{i}.py"));
        std::fs::write(&path, text).unwrap();
        paths.push(path);
    }
    let code = "import ast, sys\n\
                for p in sys.argv[1:]:\n    \
                print(' '.join(type(n).__name__ for n in ast.parse(open(p, encoding='utf-8').read()).body))";
    let out = std::process::Command::new("python3")
        .arg("-c")
        .arg(code)
        .args(&paths)
        .output()
        .ok()?;
    assert!(
        out.status.success(),
        "python3 refused a script: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    Some(
        String::from_utf8_lossy(&out.stdout)
            .lines()
            .map(str::to_string)
            .collect(),
    )
}

#[test]
fn hostile_strings_never_leave_their_literals_and_comments() {
    let dir = std::env::temp_dir().join(format!("gradscape-hostile-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let mut runner = TestRunner::deterministic();
    let strategy = strings();
    for data in [false, true] {
        let calm = harmless();
        let calm_loaded = scene_of(&calm, &dir, data).expect("the harmless scene loads");
        let calm_script = script(&calm_loaded, &calm.source);
        let shape = skeleton(&calm_script).unwrap();
        let mut scripts = vec![calm_script];
        let mut exported = 0;
        for _ in 0..96 {
            let s = strategy.new_tree(&mut runner).unwrap().current();
            let Some(loaded) = scene_of(&s, &dir, data) else {
                continue;
            };
            let text = script(&loaded, &s.source);
            let hazard = text.chars().find(|&c| c != '\n' && is_hazard(c));
            assert_eq!(hazard, None, "{s:?}\n{text}");
            assert_eq!(skeleton(&text).as_ref(), Ok(&shape), "{s:?}\n{text}");
            scripts.push(text);
            exported += 1;
        }
        assert!(exported >= 40, "only {exported} of 96 scenes loaded");
        match python_statements(&scripts, &dir) {
            Some(kinds) => {
                assert_eq!(kinds.len(), scripts.len());
                assert!(kinds.iter().all(|k| *k == kinds[0]), "{kinds:?}");
            }
            None => {
                eprintln!("no python3 here: the scripts were checked by the Rust tokenizer only")
            }
        }
    }
    std::fs::remove_dir_all(&dir).ok();
}

#[test]
fn the_tokenizer_sees_code_that_escaped() {
    let calm = skeleton("x = \"a\"  # note\nprint(x)\n").unwrap();
    assert_ne!(skeleton("x = \"a\"\nimport os\nprint(x)\n").unwrap(), calm);
    assert_ne!(
        skeleton("x = \"a\" + os.system(\"id\")  # \nprint(x)\n").unwrap(),
        calm
    );
    assert!(skeleton("x = \"a\nb\"\n").is_err());
    assert!(skeleton("x = \"a\\\"\n").is_err());
    assert!(skeleton("ｘ = 1\n").is_err());
    assert_eq!(
        skeleton("s = f\"{a!r}\" + r'\\d' + \"\"\"q\"\"\"\n").unwrap(),
        ["I", "=", "S", "+", "S", "+", "S", "NL"]
    );
}

#[test]
fn renamed_names_keep_their_meaning_in_a_string() {
    let s = Strings {
        columns: ["rows".into(), "ｘ".into()],
        axes: ["torch".into(), "lambda".into()],
        param: "print".into(),
        ..harmless()
    };
    let dir = std::env::temp_dir().join(format!("gradscape-renamed-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let text = script(&scene_of(&s, &dir, true).unwrap(), "scene.ron");
    for want in [
        "# _1 stands for the name \"torch\"",
        "# _2 stands for the name \"lambda\"",
        "# _3 stands for the name \"rows\"",
        "# _4 stands for the name \"\\uff58\"",
        "# _5 stands for the name \"print\"",
        "_5 = torch.tensor(1.5)",
        "def f(_1, _2, rows=slice(None)):",
        "_3, _4, = DATA[\"rows\"][rows], DATA[\"\\uff58\"][rows],",
        "return torch.mean((_1 + _2 - _5)**2 + 0.1*_1**2)",
    ] {
        assert!(text.contains(want), "missing {want:?} in\n{text}");
    }
    std::fs::remove_dir_all(&dir).ok();
}
