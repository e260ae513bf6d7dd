//! End-to-end tests of the `newsearch` binary.

mod arguments;
mod explore;
mod export;
mod html;
mod huge_pages;
mod index_health;
mod index_query;
mod output;
mod paging;
mod parse;
mod reliability;
mod serve;
mod shell;
mod show_stats;
mod trust;
mod watch;

use std::path::{Path, PathBuf};

use assert_cmd::Command;

/// The binary with an environment that can't leak into results.
pub fn newsearch() -> Command {
    let mut cmd = Command::cargo_bin("newsearch").expect("binary built");
    cmd.env_remove("NEWSEARCH_INDEX")
        .env_remove("NO_COLOR")
        .env_remove("CLICOLOR_FORCE")
        .env_remove("COLUMNS");
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

/// A temp dir holding a copy of the shipped examples as `articles/`; commands run inside it
/// (so the index is `./.newsearch`).
pub struct Examples {
    pub dir: tempfile::TempDir,
}

impl Default for Examples {
    fn default() -> Examples {
        let dir = tempfile::tempdir().unwrap();
        copy_dir(&repo_path("examples/articles"), &dir.path().join("articles"));
        Examples { dir }
    }
}

impl Examples {
    pub fn new() -> Examples {
        Examples::default()
    }

    pub fn path(&self, rel: &str) -> PathBuf {
        self.dir.path().join(rel)
    }

    pub fn cmd(&self) -> Command {
        let mut cmd = newsearch();
        cmd.current_dir(self.dir.path());
        cmd
    }
}

pub fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for entry in std::fs::read_dir(from).unwrap() {
        let entry = entry.unwrap();
        let target = to.join(entry.file_name());
        if entry.file_type().unwrap().is_dir() {
            copy_dir(&entry.path(), &target);
        } else {
            std::fs::copy(entry.path(), target).unwrap();
        }
    }
}
