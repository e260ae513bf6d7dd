//! `newsearch parse`: read articles and show them, so users can check what will be indexed.

use std::io::Write;

use anyhow::Result;
use newsearch::{Error, Parsed, parse_files, walk};

use crate::args::ParseArgs;
use crate::exit::Exit;
use crate::output::human::{ParseSummary, print_article};
use crate::output::{self, json, report_error, report_problems};

pub(crate) fn run(args: &ParseArgs) -> Result<Exit> {
    let found = walk(&args.paths, &args.input.walk_options());
    let options = args.input.parse_options();
    let mut out = output::stdout();
    let mut summary = ParseSummary { unknown_extension: found.unknown_extension, ..ParseSummary::default() };
    for e in &found.errors {
        report_error(e);
        summary.failed_files += 1;
    }
    let mut show = |parsed: &Parsed, summary: &mut ParseSummary| -> Result<()> {
        report_problems(parsed);
        summary.warnings += parsed.warnings.len();
        summary.failed_records += parsed.errors.len();
        for article in &parsed.articles {
            summary.articles += 1;
            if args.json {
                json::article(&mut out, article)?;
            } else {
                print_article(&mut out, article)?;
            }
        }
        Ok(())
    };
    for (file, result) in parse_files(&found.files, &options) {
        summary.files += 1;
        let failure = match result {
            Ok(parsed) => {
                show(&parsed, &mut summary)?;
                continue;
            }
            // An export over the size limit is read as a stream, batch by batch, as `index`
            // reads it: the limit is then per record.
            Err(Error::TooLarge { .. }) => {
                let mut shown = Ok(());
                let streamed = file.parse_in_batches(&options, &mut |batch| {
                    if shown.is_ok() {
                        shown = show(&batch, &mut summary);
                    }
                });
                shown?;
                match streamed {
                    Ok(true) => continue,
                    // Neither JSON Lines nor a JSON array: the size limit stands.
                    Ok(false) => file.parse(&options).err(),
                    Err(e) => Some(e),
                }
            }
            Err(e) => Some(e),
        };
        if let Some(e) = failure {
            report_error(&e);
            summary.failed_files += 1;
        }
    }
    out.flush()?;
    summary.report();
    Ok(if summary.failed_files + summary.failed_records > 0 { Exit::Error } else { Exit::Success })
}
