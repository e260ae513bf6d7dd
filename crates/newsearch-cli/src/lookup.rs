//! Finding the article a user names, for `show` and `related`.

use newsearch::{Article, Index};

/// What a user names an article by: the article with the id `id_or_path`, else every article
/// read from the indexed file at that path. Empty if neither.
pub(crate) fn find(index: &Index, id_or_path: &str) -> newsearch::Result<Vec<Article>> {
    match index.get(&id_or_path.into())? {
        Some(article) => Ok(vec![article]),
        None => index.get_by_path(id_or_path),
    }
}
