//! The Bevy-free core: formulas, surfaces, optimizers, presets, critical points, scenes.
pub mod atlas;
pub mod colormap;
pub mod critical;
pub mod data;
pub mod escape;
pub mod expr;
pub mod landscape;
pub mod number;
pub mod optim;
pub mod pick;
pub mod presets;
pub mod race;
pub mod scene;
pub mod surface;
pub mod timeline;
pub mod tune;
pub mod view;
