//! The gradscape binary: the app by default, CLI subcommands for scripting.
fn main() -> std::process::ExitCode {
    gradscape::cli::main()
}
