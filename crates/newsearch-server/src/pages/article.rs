//! The article page: the full text, its facts, the original's link, its sources, related
//! articles, and the way back to the search.

use maud::{Markup, html};
use newsearch::{Article, Query, SearchResults};

use super::layout::{article_href, count, document, home, is_web_url, time};
use crate::options::ServerOptions;
use crate::params::Params;

/// Related articles listed under an article.
const RELATED: usize = 5;

/// What the related articles are asked with: a few, without snippets.
pub(super) fn related_query() -> Query {
    Query::all().limit(RELATED).snippets(false)
}

/// Where `#back` leads: the search named by `?from=` when it is a path on this site, else the
/// home page (which the script replaces with the last search of the tab, when it knows it).
pub(super) fn back_link(base: &str, raw_query: Option<&str>) -> Back {
    let from =
        form_urlencoded::parse(raw_query.unwrap_or("").as_bytes()).find(|(k, _)| k == "from").map(|(_, v)| v);
    match from {
        Some(from) if is_local_path(base, &from) => Back { href: from.into_owned(), known: true },
        _ => Back { href: home(base), known: false },
    }
}

/// The back link's target, and whether it is the search the reader came from.
pub(super) struct Back {
    href: String,
    known: bool,
}

/// A path on this site (under `base`): never another host (`//host`, `/\host`), never a
/// scheme (`javascript:`), no control characters.
fn is_local_path(base: &str, path: &str) -> bool {
    path.starts_with('/')
        && !path.starts_with("//")
        && !path.contains('\\')
        && !path.chars().any(char::is_control)
        && (base.is_empty() || path == base || path.starts_with(&format!("{base}/")))
}

/// The page of `article`.
pub(super) fn page(
    options: &ServerOptions,
    article: &Article,
    related: Option<&SearchResults>,
    back: &Back,
) -> Markup {
    let base = options.get_base_path();
    let title = if article.title.trim().is_empty() { article.id.as_str() } else { article.title.as_str() };
    // Everything about the article, the way back and its related articles included, sits in
    // #article, so a script finds each part there.
    let main = html! {
        article #article {
            p.back {
                a #back href=(back.href) data-fallback=[(!back.known).then_some("1")] { "← Back to the search" }
            }
            h1 { (title) }
            p.meta {
                @if let Some(date) = &article.date { (time(date)) }
                @if let Some(section) = &article.section {
                    a.section href=(Params::default().toggle_section(section).href(base)) { (section) }
                }
                @if let Some(views) = article.views { span.views { (count(views, "view")) } }
            }
            @if !article.tags.is_empty() {
                p.tags {
                    @for tag in &article.tags {
                        a.tag href=(Params::default().toggle_tag(tag.as_str()).href(base)) { (tag.as_str()) }
                        " "
                    }
                }
            }
            div.body {
                @for paragraph in article.body.split("\n\n").map(str::trim).filter(|p| !p.is_empty()) {
                    p { (paragraph) }
                }
            }
            @if !article.sources.is_empty() {
                h2 { "Sources" }
                ul #sources {
                    @for source in &article.sources {
                        li {
                            @if is_web_url(source) {
                                a href=(source.trim()) rel="noopener noreferrer nofollow" { (source) }
                            } @else {
                                (source)
                            }
                        }
                    }
                }
            }
            @if let Some(url) = &article.url {
                @if is_web_url(url) {
                    p.original { a #original href=(url.trim()) rel="noopener noreferrer nofollow" { "Read the original" } " " span.url { (url) } }
                } @else {
                    p.original { "Original address (not a web link): " span.url { (url) } }
                }
            }
            p.id { "Id: " code { (article.id.as_str()) } }
            section #related {
                h2 { "Related articles" }
                @match related.filter(|r| !r.hits.is_empty()) {
                    None => p.none { "No related articles." },
                    Some(related) => ol {
                        @for hit in &related.hits {
                            li {
                                a.related href=(article_href(base, &hit.article.id)) {
                                    @if hit.article.title.trim().is_empty() { (hit.article.id.as_str()) } @else { (hit.article.title) }
                                }
                                @if let Some(date) = &hit.article.date { " " (time(date)) }
                            }
                        }
                    },
                }
            }
        }
    };
    document(options, &format!("{title} · newsearch"), &Params::default(), main)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_way_back_stays_on_this_site() {
        let back = |base: &str, raw: &str| back_link(base, Some(raw)).href;
        assert_eq!(back("", "from=%2Fsearch%3Fq%3Doil"), "/search?q=oil");
        for hostile in [
            "from=//evil.example/",
            "from=/%5Cevil.example",
            "from=javascript:alert(1)",
            "from=https://evil.example/",
            "from=/x%0Ay",
        ] {
            assert_eq!(back("", hostile), "/", "{hostile}");
        }
        assert_eq!(back("/news", "from=/search"), "/news");
        assert_eq!(back("/news", "from=/news/search?q=x"), "/news/search?q=x");
        assert!(!back_link("", None).known);
    }
}
