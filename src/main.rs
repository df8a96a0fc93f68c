//! The `iocc` binary: parse the command line, run, exit with the library's code.

use clap::Parser;

fn main() -> std::process::ExitCode {
    iocc::cli::run(iocc::cli::Cli::parse())
}
