//! The lesson clock: beat order, holds, tweens and the recording's captions, against values
//! worked out by hand from the rules in the module's documentation.

use super::*;

fn beat(at: f64) -> Beat {
    Beat {
        at,
        ..Beat::default()
    }
}

fn caption(at: f64, text: &str) -> Beat {
    Beat {
        caption: Some(text.into()),
        ..beat(at)
    }
}

#[test]
fn a_tween_is_halfway_at_its_midpoint_in_value_or_in_its_logarithm() {
    let mut t = Tween {
        name: "lr".into(),
        from: 0.01,
        to: 1.0,
        over: 5.0,
        racer: None,
        log: false,
    };
    assert!((t.value(2.5) - 0.505).abs() < 1e-15);
    assert_eq!(
        (t.value(-1.0), t.value(5.0), t.value(99.0)),
        (0.01, 1.0, 1.0)
    );
    t.log = true;
    // Halfway in the logarithm: the geometric mean √(0.01 · 1) = 0.1.
    assert!((t.value(2.5) - 0.1).abs() < 1e-15);
    assert!((t.value(1.25) - 0.01f64.powf(0.75)).abs() < 1e-15);
}

#[test]
fn camera_moves_ease_in_and_out() {
    assert_eq!(
        (ease(0.0), ease(0.5), ease(1.0), ease(2.0)),
        (0.0, 0.5, 1.0, 1.0)
    );
    // 3s² − 2s³ at s = 1/4: 3/16 − 2/64 = 5/32.
    assert_eq!(ease(0.25), 5.0 / 32.0);
}

#[test]
fn beats_fire_in_order_at_their_ticks_and_clicks_and_predictions_hold_the_clock() {
    let beats = vec![
        caption(0.0, "one"),
        Beat {
            click: true,
            ..caption(1.0, "two")
        },
        Beat {
            predict: Some("where will it stop?".into()),
            ..beat(1.0)
        },
        caption(2.5, "three"),
    ];
    let mut l = Lesson::new(&beats);
    assert_eq!(l.fire_due(), [0]);
    assert_eq!(l.caption.as_deref(), Some("one"));
    for _ in 0..600 {
        assert!(l.fire_due().is_empty());
        assert!(l.advance());
    }
    // At 1 s the click beat holds: nothing more fires and the clock stands.
    assert!(l.fire_due().is_empty());
    assert_eq!((l.hold, l.tick, l.fired), (Some(Hold::Click), 600, 1));
    assert!(!l.advance());
    assert_eq!(l.release(), Some(1));
    assert_eq!(l.caption.as_deref(), Some("two"));
    // The prediction at the same time fires next and holds with its question.
    assert_eq!(l.fire_due(), [2]);
    assert_eq!(l.question(), Some("where will it stop?"));
    assert_eq!(
        l.caption.as_deref(),
        Some("two"),
        "a question is not a caption"
    );
    assert_eq!(l.release(), None);
    assert_eq!(l.question(), None);
    for _ in 0..900 {
        assert!(l.fire_due().is_empty());
        l.advance();
    }
    assert_eq!((l.fire_due(), l.tick), (vec![3], 1500));
    assert!(l.finished());
    assert_eq!(l.back_target(), 3);
}

#[test]
fn a_recording_waits_out_each_hold_and_its_captions_become_srt() {
    let beats = vec![
        caption(0.0, "A"),
        Beat {
            click: true,
            ..caption(2.0, "B")
        },
        caption(3.0, ""),
        Beat {
            predict: Some("Which one wins?".into()),
            hold: Some(2.0),
            ..caption(4.0, "C")
        },
    ];
    // Video time = lesson time + the holds before: B fires at 2 + 1.5 (the click hold);
    // "" clears at 3 + 1.5; C and its question at 4 + 1.5, the question for 2 s, then C
    // again until the end of a 10 s recording. Frame k shows the lesson at k/30 s and is on
    // screen from (k − 1)/30 s, so each change is on screen one frame (1/30 s) early.
    let cues = cues(&beats, 30, 300);
    let early = 1.0 / 30.0;
    let want = [
        // A stays on while the click beat holds.
        (0.0, 3.5 - early, "A"),
        (3.5 - early, 4.5 - early, "B"),
        (5.5 - early, 7.5 - early, "Which one wins?"),
        (7.5 - early, 10.0, "C"),
    ];
    assert_eq!(cues.len(), want.len(), "{cues:?}");
    for (c, (s, e, t)) in cues.iter().zip(want) {
        assert!(
            (c.start - s).abs() < 1e-9 && (c.end - e).abs() < 1e-9,
            "{c:?}"
        );
        assert_eq!(c.text, t);
    }
    assert_eq!(
        srt(&cues[..2]),
        "1\n00:00:00,000 --> 00:00:03,467\nA\n\n2\n00:00:03,467 --> 00:00:04,467\nB\n\n"
    );
    assert_eq!(length(&beats), 4.0 + 1.5 + 2.0 + 4.0);
    // Hours, minutes and milliseconds are written in their places.
    let long = [Cue {
        start: 3723.25,
        end: 3724.0,
        text: "x".into(),
    }];
    assert!(srt(&long).contains("01:02:03,250 --> 01:02:04,000"));
}

fn limits_check(beats: &[Beat]) -> Result<(), (usize, String)> {
    let params = ["a".to_string()];
    check(
        beats,
        &Limits {
            racers: 2,
            params: &params,
            hyper: &|n| ["lr", "momentum"].contains(&n),
            accepts: &|_, n, v| match n {
                "lr" if v < 0.0 => Err(crate::core::optim::HyperError::OutOfRange {
                    name: "lr",
                    value: v,
                    want: "a number ≥ 0",
                }),
                _ => Ok(()),
            },
        },
    )
    .map_err(|(i, e)| (i, e.to_string()))
}

#[test]
fn bad_beats_are_refused_with_which_and_why() {
    let refused = |b: Beat| limits_check(&[beat(0.0), b]).unwrap_err();
    assert_eq!(
        limits_check(&[beat(2.0), beat(1.0)]).unwrap_err(),
        (
            1,
            "beats go in time order: this one is at 1 s, after one at 2 s".into()
        )
    );
    let cases: Vec<(Beat, &str)> = vec![
        (beat(f64::NAN), "'at' must be 0 to 3600 seconds"),
        (caption(1.0, "two\nlines"), "a caption is one line"),
        (
            Beat {
                highlight: Some(3),
                ..beat(1.0)
            },
            "highlight racer 3: the scene has racers 1 to 2",
        ),
        (
            Beat {
                show: vec![Part::Racer(0)],
                ..beat(1.0)
            },
            "racer 0: the scene has racers 1 to 2",
        ),
        (
            Beat {
                set: [("b".to_string(), 1.0)].into(),
                ..beat(1.0)
            },
            "'b' is not a parameter of the formula (the formula has a)",
        ),
        (
            Beat {
                tween: Some(Tween {
                    name: "lr".into(),
                    from: -1.0,
                    to: 1.0,
                    over: 2.0,
                    racer: None,
                    log: true,
                }),
                ..beat(1.0)
            },
            "a log tween goes between positive numbers",
        ),
        (
            Beat {
                tween: Some(Tween {
                    name: "speed".into(),
                    from: 1.0,
                    to: 2.0,
                    over: 2.0,
                    racer: None,
                    log: false,
                }),
                ..beat(1.0)
            },
            "tween 'speed' is neither a hyperparameter",
        ),
        (
            Beat {
                camera: Some(CameraMove {
                    to: Shot::Pose {
                        yaw: 0.0,
                        pitch: 95.0,
                        radius: 10.0,
                        focus: None,
                    },
                    over: 1.0,
                }),
                ..beat(1.0)
            },
            "a camera pose needs a pitch between -90 and 90 degrees",
        ),
        (
            Beat {
                camera: Some(CameraMove {
                    to: Shot::Follow(5),
                    over: 1.0,
                }),
                ..beat(1.0)
            },
            "follow racer 5",
        ),
        (
            Beat {
                predict: Some("  ".into()),
                ..beat(1.0)
            },
            "'predict' needs a question",
        ),
    ];
    for (b, reason) in cases {
        let (i, why) = refused(b);
        assert_eq!(i, 1);
        assert!(why.starts_with(reason), "{why}");
    }
}

#[test]
fn srt_text_carries_no_control_sequence() {
    let cues = [Cue {
        start: 0.0,
        end: 1.0,
        text: "a\u{1b}[2Jb\u{7}\u{202e}".into(),
    }];
    assert_eq!(
        srt(&cues),
        "1\n00:00:00,000 --> 00:00:01,000\na\\x1b[2Jb\\x07\\u202e\n\n"
    );
}
