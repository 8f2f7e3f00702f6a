//! gradscape: a Bevy-free core of landscape math and optimizers, plus the Bevy app on top.
pub mod cli;
pub mod core;

#[cfg(feature = "app")]
pub mod app;
