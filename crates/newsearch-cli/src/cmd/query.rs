//! `newsearch query`: search, or list the articles that pass the filters.

use anyhow::Result;
use newsearch::Index;

use crate::args::QueryArgs;
use crate::exit::Exit;
use crate::output;
use crate::output::human::Extras;

pub(crate) fn run(args: &QueryArgs) -> Result<Exit> {
    let index = Index::open(&args.location.dir)?;
    let results = index.search(&args.to_query())?;
    let page = args.filters.page();
    let extras = Extras { facets: args.facets, timeline: args.timeline };
    output::search_results(&results, page, args.json, &extras)?;
    // The status follows the matches, not the page: `-n 0` (counts only) and a page past the
    // end still found something.
    Ok(if results.total == 0 { Exit::NotFound } else { Exit::Success })
}
