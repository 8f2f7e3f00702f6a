//! The gradscape binary: the app by default, CLI subcommands for scripting.
fn main() -> std::process::ExitCode {
    gradscape::core::memory::keep_freed_memory();
    gradscape::cli::main()
}
