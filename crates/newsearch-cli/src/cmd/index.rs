//! `newsearch index`: bring an index up to date with folders of articles.

use std::io::Write;

use std::path::PathBuf;
use std::time::Duration;

use anyhow::{Context, Result};
use newsearch::{CancelToken, Index, UpdateEvent, WatchEvent, WatchOptions};

use crate::args::IndexArgs;
use crate::exit::Exit;
use crate::output::{self, described, human, json, say};

pub(crate) fn run(args: &IndexArgs) -> Result<Exit> {
    let dir = &args.location.dir;
    let index = if args.rebuild {
        let current = Index::open(dir).ok().map(|index| index.stemming());
        Index::open_for_update(dir, &args.index_options(current), &args.paths, true)?
    } else {
        let index = Index::open_for_update(dir, &args.index_options(None), &args.paths, false)?;
        // An index is analyzed one way throughout: another stemming means starting over.
        if let Some(wanted) = args.stemming().filter(|&s| s != index.stemming()) {
            anyhow::bail!(
                "index at {} uses {} stemming; to use {wanted}, rebuild it: newsearch index --rebuild --stemming {wanted}",
                dir.display(),
                index.stemming()
            );
        }
        index
    };
    if args.watch {
        return watch(index, args);
    }
    let bar = human::progress_bar(args.quiet || args.json);
    let report = index.update(&args.paths, &args.update_options(), &mut |event| match event {
        UpdateEvent::Found { files } => bar.set_length(files as u64),
        UpdateEvent::Progress { done, .. } => bar.set_position(done as u64),
        UpdateEvent::Error(e) => bar.suspend(|| say(&described(e))),
        UpdateEvent::Warning(w) => bar.suspend(|| say(&format!("warning: {w}"))),
        UpdateEvent::Collision(c) if !args.json => bar.suspend(|| say(&format!("warning: {c}"))),
        _ => {}
    })?;
    bar.finish_and_clear();
    let index_name = dir.display().to_string();
    if args.json {
        let mut out = output::stdout();
        json::update_report(&mut out, &report, &index_name)?;
        out.flush()?;
    } else if !args.quiet {
        human::update_report(&report, &index_name);
    }
    Ok(if report.failed + report.failed_records > 0 { Exit::Error } else { Exit::Success })
}

/// `index --watch`: the first run, then every change as it comes, until Ctrl-C or SIGTERM.
fn watch(index: Index, args: &IndexArgs) -> Result<Exit> {
    let roots: Vec<PathBuf> = if args.paths.is_empty() { index.roots()? } else { args.paths.clone() };
    let stop = CancelToken::new();
    let token = stop.clone();
    ctrlc::set_handler(move || token.cancel()).context("can't handle Ctrl-C and SIGTERM")?;
    let update = args.update_options();
    let mut writer = index.writer_with(&args.writer_options())?;
    let options = WatchOptions::new().update(update).poll(args.poll.map(|s| Duration::from_secs(s as u64)));
    let index_name = args.location.dir.display().to_string();
    let bar = human::progress_bar(args.quiet || args.json);
    let status = human::watch_status(args.quiet || args.json);
    let mut out = output::stdout();
    let mut failed = false;
    let mut result = Ok(());
    writer.watch(&roots, &options, &stop, &mut |event| match event {
        WatchEvent::Update(UpdateEvent::Found { files }) => bar.set_length(files as u64),
        WatchEvent::Update(UpdateEvent::Progress { done, .. }) => bar.set_position(done as u64),
        WatchEvent::Update(UpdateEvent::Error(e)) => {
            failed = true;
            status.suspend(|| bar.suspend(|| say(&described(e))));
        }
        WatchEvent::Update(UpdateEvent::Warning(w)) => {
            status.suspend(|| bar.suspend(|| say(&format!("warning: {w}"))))
        }
        WatchEvent::Update(UpdateEvent::Collision(c)) if !args.json => {
            status.suspend(|| bar.suspend(|| say(&format!("warning: {c}"))));
        }
        WatchEvent::Watching { roots, report } => {
            bar.finish_and_clear();
            if args.json {
                result = json::update_report(&mut out, report, &index_name).and_then(|()| out.flush());
            } else if !args.quiet {
                human::update_report(report, &index_name);
            }
            human::watching(&status, roots.len(), report.articles_total);
        }
        WatchEvent::Applied { report, changed, rescan } => {
            if args.json {
                result = json::watch_batch(&mut out, report, changed, rescan).and_then(|()| out.flush());
            }
            human::applied(&status, report, changed);
        }
        WatchEvent::Problem(e) => status.suspend(|| say(&described(e))),
        _ => {}
    })?;
    result?;
    status.finish_and_clear();
    writer.finish()?;
    Ok(if failed { Exit::Error } else { Exit::Success })
}
