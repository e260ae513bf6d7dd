//! `newsearch related`: the articles most like one article.

use anyhow::Result;
use newsearch::{Index, Query};

use crate::args::RelatedArgs;
use crate::exit::Exit;
use crate::output::human::Extras;
use crate::output::{self, count};

pub(crate) fn run(args: &RelatedArgs) -> Result<Exit> {
    let dir = &args.location.dir;
    let index = Index::open(dir)?;
    let query = args.filters.apply(Query::all());
    let id = match crate::lookup::find(&index, &args.id)?.as_slice() {
        [article] => article.id.clone(),
        [] => anyhow::bail!("no article with id or path {:?} in {}", args.id, dir.display()),
        several => anyhow::bail!(
            "{} holds {}; name one by its id: {}",
            args.id,
            count(several.len(), "article"),
            output::ids(&several.iter().map(|a| a.id.clone()).collect::<Vec<_>>())
        ),
    };
    let results = index.related(&id, &query)?;
    let page = args.filters.page();
    output::search_results(&results, page, args.json, &Extras::default())?;
    Ok(if results.total == 0 { Exit::NotFound } else { Exit::Success })
}
