//! End-to-end tests of the `newsearch` binary.

mod explore;
mod export;
mod index_query;
mod parse;
mod reliability;
mod shell;
mod show_stats;

use std::path::{Path, PathBuf};

use assert_cmd::Command;

/// The binary with an environment that can't leak into results.
pub fn newsearch() -> Command {
    let mut cmd = Command::cargo_bin("newsearch").expect("binary built");
    cmd.env_remove("NEWSEARCH_INDEX").env_remove("NO_COLOR").env_remove("CLICOLOR_FORCE");
    cmd
}

pub fn repo_path(rel: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..").join(rel)
}

/// Parses JSON Lines output.
pub fn json_lines(stdout: &[u8]) -> Vec<serde_json::Value> {
    String::from_utf8(stdout.to_vec())
        .expect("utf-8 output")
        .lines()
        .map(|l| serde_json::from_str(l).expect("each line is JSON"))
        .collect()
}
