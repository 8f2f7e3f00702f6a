//! numpy's versions of a bench, run in the same run as the criterion groups they are
//! compared with (skipped where python3 with numpy is missing); each prints its own
//! best-of timing.

use std::process::Command;

/// Runs `benches/<script>` and prints what it prints.
pub fn numpy(script: &str) {
    let path = format!("{}/benches/{script}", env!("CARGO_MANIFEST_DIR"));
    match Command::new("python3").arg(&path).output() {
        Ok(o) if o.status.success() => print!("{}", String::from_utf8_lossy(&o.stdout)),
        _ => println!("{script}: skipped (no python3 with numpy here)"),
    }
}
