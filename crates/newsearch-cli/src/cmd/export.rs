//! `newsearch export`: every indexed article, as documents for Quickwit, Elasticsearch or
//! OpenSearch.

use std::ffi::OsString;
use std::fs::{self, File, OpenOptions};
use std::io::{self, BufWriter, Write};
use std::path::{Path, PathBuf};

use anyhow::{Context, Result};
use newsearch::{Articles, CancelToken, Exporter, Index};
use newsearch_push::{Credentials, PushError, PushEvent, PushOptions, Target};

use crate::args::ExportArgs;
use crate::exit::Exit;
use crate::output::{self, count, human, say, thousands};

pub(crate) fn run(args: &ExportArgs) -> Result<Exit> {
    if let Some(url) = &args.to {
        return push(args, url);
    }
    let exporter = args.exporter()?;
    let index = Index::open(&args.location.dir)?;
    let articles = index.articles()?;
    let counts = match &args.output {
        None => {
            let mut out = output::stdout();
            let counts = export(articles, &exporter, &mut out, "stdout")?;
            out.flush().context("stdout")?;
            counts
        }
        Some(path) => {
            let name = path.display().to_string();
            write_atomically(path, |out| export(articles, &exporter, out, &name))?
        }
    };
    let mut summary = format!("exported {}", count(counts.articles, "article"));
    if counts.undated > 0 {
        summary.push_str(&format!(" ({} without a date)", thousands(counts.undated)));
    }
    say(&summary);
    Ok(Exit::Success)
}

/// `export --to URL`: pushes the index to an Elasticsearch/OpenSearch index.
fn push(args: &ExportArgs, url: &str) -> Result<Exit> {
    let target: Target = url.parse()?;
    let index = Index::open(&args.location.dir)?;
    let cancel = CancelToken::new();
    let token = cancel.clone();
    ctrlc::set_handler(move || token.cancel()).context("can't handle Ctrl-C and SIGTERM")?;
    let options = PushOptions::new()
        .shards(args.shards)
        .replicas(args.replicas)
        .parallel(args.parallel)
        .batch_bytes(args.batch_mib as usize * (1 << 20))
        .full(args.full)
        .credentials(Credentials::from_env()?)
        .cancel(&cancel);
    let bar = human::push_bar(args.quiet || args.json);
    let result = newsearch_push::push(&index, &target, &options, |event| match event {
        PushEvent::Planned(plan) => {
            bar.set_length(plan.to_send + plan.to_delete);
            bar.println(format!("newsearch: {}", human::push_plan(&target, plan)));
        }
        PushEvent::Progress { sent, deleted, failed } => bar.set_position(sent + deleted + failed),
        PushEvent::Retrying(retry) => bar.println(format!(
            "newsearch: retrying in {:.1} s after try {}: {}",
            retry.wait.as_secs_f64(),
            retry.attempt,
            retry.reason
        )),
        _ => {}
    });
    bar.finish_and_clear();
    let report = result.map_err(|e| match e {
        PushError::Cancelled => anyhow::anyhow!(
            "push to {target} cancelled: what the cluster acknowledged is recorded, and the next push sends the rest"
        ),
        e => anyhow::Error::new(e),
    })?;
    for failure in report.failed.iter().take(FAILURES_SHOWN) {
        say(&format!("refused {} {}: {} {}", failure.action, failure.id, failure.status, failure.reason));
    }
    if report.failed.len() > FAILURES_SHOWN {
        say(&format!(
            "… and {} more refused (--json lists them all)",
            thousands((report.failed.len() - FAILURES_SHOWN) as u64)
        ));
    }
    if args.json {
        let mut out = output::stdout();
        serde_json::to_writer(&mut out, &report).context("stdout")?;
        writeln!(out).context("stdout")?;
        out.flush().context("stdout")?;
    }
    say(&human::push_summary(&report));
    Ok(if report.failed.is_empty() { Exit::Success } else { Exit::Error })
}

/// Refused documents named on stderr before "… and N more".
const FAILURES_SHOWN: usize = 20;

#[derive(Debug, Default)]
struct Counts {
    articles: u64,
    undated: u64,
}

/// Streams the articles to `out`, one at a time. Write errors name `sink`.
fn export(articles: Articles, exporter: &Exporter, out: &mut impl Write, sink: &str) -> Result<Counts> {
    let mut counts = Counts::default();
    for article in articles {
        let article = article?;
        exporter.write(out, &article).with_context(|| sink.to_owned())?;
        counts.articles += 1;
        if article.date.is_none() {
            counts.undated += 1;
        }
    }
    Ok(counts)
}

/// Runs `write` on a new temporary file in `path`'s folder, then renames it to `path`, so
/// `path` holds its old content or the complete new one, never a part. On any error the
/// temporary file is removed and `path` is left as it was.
fn write_atomically<T>(path: &Path, write: impl FnOnce(&mut BufWriter<File>) -> Result<T>) -> Result<T> {
    let context = || path.display().to_string();
    let Some(name) = path.file_name() else {
        anyhow::bail!("{}: not a file name", path.display());
    };
    let dir = match path.parent() {
        Some(parent) if !parent.as_os_str().is_empty() => parent,
        _ => Path::new("."),
    };
    let (temp_path, file) = create_temp(dir, name).with_context(context)?;
    let temp = TempFile(Some(temp_path));
    let mut out = BufWriter::new(file);
    let value = write(&mut out)?;
    let file = out.into_inner().map_err(|e| e.into_error()).with_context(context)?;
    file.sync_all().with_context(context)?;
    drop(file);
    temp.rename_to(path).with_context(context)?;
    Ok(value)
}

/// `.NAME.PID-N.tmp` beside the target: hidden, and never an existing file.
fn create_temp(dir: &Path, name: &std::ffi::OsStr) -> io::Result<(PathBuf, File)> {
    for attempt in 0..100 {
        let mut temp_name = OsString::from(".");
        temp_name.push(name);
        temp_name.push(format!(".{}-{attempt}.tmp", std::process::id()));
        let temp_path = dir.join(temp_name);
        match OpenOptions::new().write(true).create_new(true).open(&temp_path) {
            Ok(file) => return Ok((temp_path, file)),
            Err(e) if e.kind() == io::ErrorKind::AlreadyExists => continue,
            Err(e) => return Err(e),
        }
    }
    Err(io::Error::new(io::ErrorKind::AlreadyExists, "no free name for a temporary file"))
}

/// A temporary file, removed when dropped unless it was renamed into place.
struct TempFile(Option<PathBuf>);

impl TempFile {
    fn rename_to(mut self, target: &Path) -> io::Result<()> {
        let Some(path) = &self.0 else { return Ok(()) };
        fs::rename(path, target)?;
        self.0 = None;
        Ok(())
    }
}

impl Drop for TempFile {
    fn drop(&mut self) {
        if let Some(path) = self.0.take() {
            let _ = fs::remove_file(path);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entries(dir: &Path) -> Vec<String> {
        let mut names: Vec<String> = fs::read_dir(dir)
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        names.sort();
        names
    }

    #[test]
    fn a_failed_write_leaves_the_old_file_and_no_temporary_file() {
        let dir = tempfile::tempdir().unwrap();
        let target = dir.path().join("out.ndjson");
        fs::write(&target, "old\n").unwrap();
        let result: Result<()> = write_atomically(&target, |out| {
            out.write_all(b"half a line")?;
            out.flush()?;
            anyhow::bail!("the index broke")
        });
        assert_eq!(result.unwrap_err().to_string(), "the index broke");
        assert_eq!(fs::read_to_string(&target).unwrap(), "old\n");
        assert_eq!(entries(dir.path()), ["out.ndjson"]);
    }

    #[test]
    fn a_complete_write_replaces_the_file() {
        let dir = tempfile::tempdir().unwrap();
        let target = dir.path().join("out.ndjson");
        fs::write(&target, "old\n").unwrap();
        let n = write_atomically(&target, |out| {
            out.write_all(b"new\n")?;
            Ok(1)
        })
        .unwrap();
        assert_eq!(n, 1);
        assert_eq!(fs::read_to_string(&target).unwrap(), "new\n");
        assert_eq!(entries(dir.path()), ["out.ndjson"]);
    }
}
