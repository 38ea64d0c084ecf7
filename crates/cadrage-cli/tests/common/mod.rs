//! What every process test needs: run `cadrage` in the repository root
//! with a neutral environment, and read its output.

#![allow(dead_code, reason = "each test file uses a part of the helpers")]
#![allow(clippy::expect_used, clippy::panic, reason = "test helpers report failures by panicking")]

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use serde_json::Value;

pub struct Run {
    pub code: i32,
    pub stdout: String,
    pub stderr: String,
}

pub fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..").canonicalize().expect("repository root")
}

/// Runs `cadrage ARGS` in the repository root with a neutral environment:
/// no colour variables, no CI marker, output piped.
pub fn cadrage(args: &[&str]) -> Run {
    cadrage_env(args, &[])
}

pub fn cadrage_env(args: &[&str], env: &[(&str, &str)]) -> Run {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_cadrage"));
    cmd.args(args).current_dir(root());
    for var in ["NO_COLOR", "CLICOLOR_FORCE", "FORCE_COLOR", "CI", "COLUMNS", "TERM"] {
        cmd.env_remove(var);
    }
    for (k, v) in env {
        cmd.env(k, v);
    }
    let out = cmd.output().expect("run cadrage");
    Run {
        code: out.status.code().unwrap_or(-1),
        stdout: String::from_utf8(out.stdout).expect("utf-8 stdout"),
        stderr: String::from_utf8(out.stderr).expect("utf-8 stderr"),
    }
}

pub fn json(run: &Run) -> Value {
    serde_json::from_str(&run.stdout).unwrap_or_else(|e| panic!("not JSON ({e}):\n{}", run.stdout))
}

/// Runs `cadrage ARGS` with `input` on standard input.
pub fn cadrage_stdin(args: &[&str], input: &str) -> Run {
    use std::io::Write as _;
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_cadrage"));
    cmd.args(args).current_dir(root()).stdin(Stdio::piped()).stdout(Stdio::piped()).stderr(Stdio::piped());
    for var in ["NO_COLOR", "CLICOLOR_FORCE", "FORCE_COLOR", "CI", "COLUMNS", "TERM"] {
        cmd.env_remove(var);
    }
    let mut child = cmd.spawn().expect("run cadrage");
    child.stdin.take().expect("stdin").write_all(input.as_bytes()).expect("write stdin");
    let out = child.wait_with_output().expect("wait for cadrage");
    Run {
        code: out.status.code().unwrap_or(-1),
        stdout: String::from_utf8(out.stdout).expect("utf-8 stdout"),
        stderr: String::from_utf8(out.stderr).expect("utf-8 stderr"),
    }
}

/// Runs `cadrage ARGS` in another folder.
pub fn cadrage_in(dir: &Path, args: &[&str]) -> Run {
    let out = Command::new(env!("CARGO_BIN_EXE_cadrage"))
        .args(args)
        .current_dir(dir)
        .env_remove("NO_COLOR")
        .env_remove("CI")
        .output()
        .expect("run cadrage");
    Run {
        code: out.status.code().unwrap_or(-1),
        stdout: String::from_utf8(out.stdout).expect("utf-8 stdout"),
        stderr: String::from_utf8(out.stderr).expect("utf-8 stderr"),
    }
}

pub const TODAY: &str = "2027-01-01";

/// A folder of `n` copies of the mistakes example: a JSON document larger
/// than a pipe's buffer.
pub fn many_mistakes(n: usize) -> tempfile::TempDir {
    let dir = tempfile::tempdir().expect("temporary folder");
    let text = std::fs::read_to_string(root().join("examples/mistakes.cadrage")).expect("read example");
    for i in 0..n {
        // Scenario names are unique per file, so each copy is a file of its own.
        std::fs::write(dir.path().join(format!("m{i:04}.cadrage")), &text).expect("write copy");
    }
    dir
}
