//! Files dropped on the window, sent as the message bevy_winit writes for a drop.

use super::*;
use crate::app::racers::Racer;
use crate::app::scene::SceneName;
use crate::core::landscape::{Landscape as Launched, LandscapeSpec};
use crate::core::scene;

fn app() -> App {
    let default = Launched::new(&LandscapeSpec::default()).unwrap();
    let mut app = crate::app::headless(default);
    app.init_resource::<PanelState>()
        .insert_resource(FormulaEdit::new("x"))
        .add_plugins(plugin);
    app.update();
    app
}

/// A file of this name and text in a folder of the test's own.
fn file(name: &str, text: &str) -> std::path::PathBuf {
    let dir = std::env::temp_dir().join(format!("gradscape-drop-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join(name);
    std::fs::write(&path, text).unwrap();
    path
}

fn drop_on(app: &mut App, path: &Path) {
    app.world_mut().write_message(FileDragAndDrop::DroppedFile {
        window: Entity::PLACEHOLDER,
        path_buf: path.to_path_buf(),
    });
    app.update();
    app.update();
}

fn starts(app: &mut App) -> Vec<[f64; 2]> {
    let mut q = app.world_mut().query::<&Racer>();
    let mut racers: Vec<&Racer> = q.iter(app.world()).collect();
    racers.sort_by_key(|r| r.slot);
    racers.iter().map(|r| r.run.start).collect()
}

#[test]
fn a_dropped_csv_opens_as_data_with_the_boxs_loss_and_a_fresh_race() {
    let mut app = app();
    let path = file("points.csv", "x,y\n0,1\n1,3\n2,5\n3,7\n4,9\n");
    drop_on(&mut app, &path);
    let land = app.world().resource::<Landscape>();
    let data = land.formula.data().expect("a data landscape");
    assert_eq!(data.rows(), 5);
    // y = 2x + 1 exactly: the mean squared error is 0 at (w, b) = (2, 1).
    assert_eq!(land.formula.value([2.0, 1.0]), 0.0);
    assert_eq!(
        land.formula.value([0.0, 0.0]),
        (1.0 + 9.0 + 25.0 + 49.0 + 81.0) / 5.0
    );
    let state = app.world().resource::<PanelState>();
    assert_eq!(state.csv.path, path.display().to_string());
    assert_eq!(state.csv.error, None);
    assert!(state.csv.reveal, "the data box opens to show it");
    let source = land.formula.source().to_string();
    assert_eq!(app.world().resource::<FormulaEdit>().text, source);
    let want: Vec<[f64; 2]> = crate::app::racers::default_race(app.world().resource())
        .iter()
        .map(|s| s.start)
        .collect();
    assert_eq!(starts(&mut app), want, "the data landscape's own race");
}

#[test]
fn a_bad_csv_is_refused_with_its_line_and_column_and_changes_nothing() {
    let mut app = app();
    let before = app
        .world()
        .resource::<Landscape>()
        .formula
        .source()
        .to_string();
    let path = file("bad.csv", "x,y\n1,2\n3,abc\n");
    drop_on(&mut app, &path);
    let land = app.world().resource::<Landscape>();
    assert_eq!(land.formula.source(), before);
    assert!(land.formula.data().is_none());
    let error = app
        .world()
        .resource::<PanelState>()
        .csv
        .error
        .clone()
        .unwrap();
    let want = "bad.csv:3: column 2 ('y'): 'abc' is not a number";
    assert!(error.ends_with(want), "{error}");
}

#[test]
fn a_dropped_scene_opens_and_anything_else_is_refused_by_name() {
    let mut app = app();
    let (name, text) = scene::SHIPPED
        .iter()
        .find(|(n, _)| *n == "momentum-escapes")
        .unwrap();
    let path = file(&format!("{name}.RON"), text);
    drop_on(&mut app, &path);
    let want = scene::parse(text).unwrap().scene.name;
    assert_eq!(
        app.world().resource::<SceneName>().name.as_deref(),
        Some(&*want)
    );
    let desk = app.world().resource::<SceneDesk>();
    assert_eq!(desk.message, Some(Ok(format!("opened “{want}”"))));
    drop_on(&mut app, &file("notes.txt", "hello"));
    let desk = app.world().resource::<SceneDesk>();
    let said = desk.message.clone().unwrap().unwrap_err();
    assert!(
        said.ends_with("notes.txt: not a scene (.ron) or a data file (.csv)"),
        "{said}"
    );
    assert_eq!(
        app.world().resource::<SceneName>().name.as_deref(),
        Some(&*want)
    );
}
