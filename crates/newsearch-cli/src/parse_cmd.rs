//! `newsearch parse`: read articles and show them, so users can check what will be indexed.

use std::io::{self, BufWriter, Write};

use anyhow::Result;
use newsearch::{parse_files, walk};

use crate::args::ParseArgs;
use crate::print::{Summary, print_article, report_error, report_problems};
use crate::{EXIT_ERROR, EXIT_OK};

pub(crate) fn run(args: &ParseArgs) -> Result<u8> {
    let found = walk(&args.paths, &args.input.walk_options());
    let options = args.input.parse_options();
    let stdout = io::stdout();
    let mut out = BufWriter::new(stdout.lock());
    let mut summary = Summary { unknown_extension: found.unknown_extension, ..Summary::default() };
    for e in &found.errors {
        report_error(e);
        summary.failed_files += 1;
    }
    for (_, result) in parse_files(&found.files, &options) {
        summary.files += 1;
        let parsed = match result {
            Ok(parsed) => parsed,
            Err(e) => {
                report_error(&e);
                summary.failed_files += 1;
                continue;
            }
        };
        report_problems(&parsed);
        summary.warnings += parsed.warnings.len();
        summary.failed_records += parsed.errors.len();
        for article in &parsed.articles {
            summary.articles += 1;
            if args.json {
                serde_json::to_writer(&mut out, article)?;
                out.write_all(b"\n")?;
            } else {
                print_article(&mut out, article)?;
            }
        }
    }
    out.flush()?;
    summary.report();
    Ok(if summary.failed_files + summary.failed_records > 0 { EXIT_ERROR } else { EXIT_OK })
}
