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

/// An app on the moons network (2-6-1) with its own race.
fn network_app() -> App {
    use crate::core::net::stage::NetworkSpec;
    let spec = NetworkSpec {
        hidden: "6".into(),
        pilot: 30,
        ..NetworkSpec::of("moons")
    };
    let race: Vec<_> = crate::core::race::network_race([0.0, 0.0])
        .into_iter()
        .map(|r| (r.kind, r.hyper))
        .collect();
    let mut app = crate::app::headless(Launched::of_network(&spec, &race).unwrap());
    app.init_resource::<PanelState>()
        .insert_resource(FormulaEdit::new("x"))
        .add_plugins(plugin);
    app.update();
    app
}

fn stage(app: &App) -> std::sync::Arc<crate::core::net::stage::Stage> {
    let land = app.world().resource::<Landscape>();
    land.formula.stage().expect("a network landscape").clone()
}

/// On a network, a CSV is the network's rows (its last column the target, the others its
/// features): the widths, activation and plane's kind are kept, the plane is fitted again
/// and every racer starts over; a bad file is refused in the Network box and nothing changes.
#[test]
fn a_csv_dropped_on_a_network_becomes_its_data() {
    let mut app = network_app();
    for _ in 0..5 {
        app.update();
    }
    let path = file("xor.csv", "p,q,c\n0,0,0\n0,1,1\n1,0,1\n1,1,0\n");
    drop_on(&mut app, &path);
    let s = stage(&app);
    assert_eq!(s.spec.data, path.display().to_string());
    assert_eq!(s.spec.data_name(), "xor.csv");
    assert_eq!(s.net.text(), "2-6-1");
    assert_eq!(s.rows.y, vec![0.0, 1.0, 1.0, 0.0]);
    assert_eq!(s.rows.x, vec![0.0, 0.0, 0.0, 1.0, 1.0, 0.0, 1.0, 1.0]);
    let state = app.world().resource::<PanelState>();
    assert_eq!(state.network.error, None);
    assert!(state.network.reveal, "the Network box opens to show it");
    let mut q = app.world_mut().query::<&Racer>();
    for r in q.iter(app.world()) {
        let l = r.learner.as_ref().expect("every racer is a network");
        assert!(l.training.theta.len() == 25 && l.steps <= 2, "{}", l.steps);
    }
    let bad = file("bad-net.csv", "p,q,c\n0,0,0\n0,x,1\n");
    drop_on(&mut app, &bad);
    let error = app.world().resource::<PanelState>().network.error.clone();
    let error = error.expect("refused");
    assert!(
        error.ends_with("bad-net.csv:3: column 2 ('q'): 'x' is not a number"),
        "{error}"
    );
    assert_eq!(
        stage(&app).spec.data,
        path.display().to_string(),
        "the last network stays"
    );
}

/// The file dialog's answer opens as a drop of that file would, in the box that asked; a
/// machine with no dialog says so there; a cancelled dialog changes nothing.
#[test]
fn the_file_dialogs_answer_opens_in_the_box_that_asked() {
    let mut app = app();
    let path = file("picked.csv", "x,y\n0,1\n1,3\n2,5\n");
    let answer = |app: &mut App, target, answer| {
        app.world_mut().resource_mut::<PanelState>().dialog = Dialog::answered_with(target, answer);
        app.update();
        app.update();
    };
    answer(&mut app, Target::Data, Ok(Some(path.clone())));
    let land = app.world().resource::<Landscape>();
    assert_eq!(land.formula.data().map(|d| d.rows()), Some(3));
    let source = land.formula.source().to_string();
    answer(&mut app, Target::Data, Ok(None));
    assert_eq!(app.world().resource::<Landscape>().formula.source(), source);
    answer(&mut app, Target::Scene, Err(NO_DIALOG.into()));
    let desk = app.world().resource::<SceneDesk>();
    assert_eq!(desk.message, Some(Err(NO_DIALOG.to_string())));
    assert!(desk.reveal);
    let mut network = network_app();
    answer(&mut network, Target::Network, Ok(Some(path.clone())));
    let s = stage(&network);
    // y is 1, 3 or 5: whole classes, so ce with an output for each class 0 to 5.
    assert_eq!((s.net.text(), s.rows.len()), ("1-6-6".into(), 3));
}

#[test]
fn a_dialog_is_offered_where_a_portal_or_zenity_can_show_it() {
    use std::ffi::OsString;
    let env = |pairs: Vec<(&'static str, OsString)>| {
        move |name: &str| {
            pairs
                .iter()
                .find(|(n, _)| *n == name)
                .map(|(_, v)| v.clone())
        }
    };
    assert!(!dialog_available(env(vec![])));
    assert!(dialog_available(env(vec![(
        "DBUS_SESSION_BUS_ADDRESS",
        "unix:path=/x".into()
    )])));
    let dir = std::env::temp_dir().join(format!("gradscape-zenity-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    assert!(!dialog_available(env(vec![("PATH", dir.clone().into())])));
    std::fs::write(dir.join("zenity"), "").unwrap();
    assert!(dialog_available(env(vec![("PATH", dir.clone().into())])));
    std::fs::remove_dir_all(dir).ok();
}
