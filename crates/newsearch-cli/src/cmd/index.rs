//! `newsearch index`: bring an index up to date with folders of articles.

use std::io::Write;

use anyhow::Result;
use newsearch::{Index, UpdateEvent};

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
