//! `newsearch check`: verify that an index can be read whole.

use std::io::{self, Write};

use anyhow::Result;
use newsearch::{Error, Index};

use crate::args::CheckArgs;
use crate::exit::Exit;
use crate::output::{described, say, thousands};

pub(crate) fn run(args: &CheckArgs) -> Result<Exit> {
    let dir = &args.location.dir;
    // `check_at` looks even when the index is too damaged to open.
    let report = Index::check_at(dir)?;
    if report.is_sound() {
        let mut out = io::stdout().lock();
        writeln!(
            out,
            "the index at {} is sound: {} articles read back, {} files in {} segments match their checksums ({} bytes)",
            dir.display(),
            thousands(report.articles),
            thousands(report.files as u64),
            thousands(report.segments as u64),
            thousands(report.bytes),
        )?;
        out.flush()?;
        return Ok(Exit::Success);
    }
    // Each damaged file in the same words as any command that meets it.
    for damage in report.damaged {
        let e = Error::Damaged { path: dir.clone(), file: Some(damage.file), reason: damage.reason };
        say(&described(&e));
    }
    Ok(Exit::Error)
}
