//! The search page: the count, the timeline, the hits, the pages and the facet sidebar, each
//! link a URL of the same page with one thing changed (see [`Params`]).

use maud::{Markup, html};
use newsearch::chrono::{Months, NaiveDate};
use newsearch::{FacetCount, Granularity, Hit, Query, SearchResults, Timeline};

use super::layout::{article_href, count, document, marked, thousands, time};
use crate::options::ServerOptions;
use crate::params::Params;
use crate::problem::Problem;

/// Heights a timeline bar can take (CSS classes `h0` to `h20`, 5 % apart): no inline style.
const BAR_STEPS: usize = 20;

/// The page for `params`: its results, or why there are none.
pub(super) fn page(
    options: &ServerOptions,
    params: &Params,
    outcome: Result<&SearchResults, &Problem>,
) -> Markup {
    let base = options.get_base_path();
    let title =
        if params.q.is_empty() { "newsearch".to_owned() } else { format!("{} · newsearch", params.q) };
    let main = match outcome {
        Err(problem) => html! {
            div.layout {
                div.results {
                    (active_filters(base, params))
                    p #error role="alert" { (problem.message) }
                    p #count { "0 articles" }
                    ol #results {}
                }
            }
        },
        Ok(results) => html! {
            div.layout {
                div.results {
                    (active_filters(base, params))
                    p #count aria-live="polite" { (count_text(results.total, results.total_exact)) }
                    @if results.relaxed {
                        @match results.every_word {
                            Some(every) if every > 0 => {
                                p.note { (every_word_note(every)) }
                            }
                            _ => {
                                p.note { "No article has every word; these have some of them." }
                            }
                        }
                    }
                    @if let Some(facets) = &results.facets {
                        (timeline(base, params, &facets.timeline))
                    }
                    @if results.hits.is_empty() {
                        p.empty { "No article matches. Try fewer words, another spelling, or fewer filters." }
                    }
                    ol #results start=(first_rank(params, options)) {
                        @for hit in &results.hits { (hit_item(base, params, hit)) }
                    }
                    (pages(base, params, results, options))
                }
                @if let Some(facets) = &results.facets {
                    aside #facets aria-label="Refine" {
                        (facet_list(base, params, "facet-tags", "Tags", "tag", &facets.tags, results.total))
                        (facet_list(base, params, "facet-sections", "Sections", "section", &facets.sections, results.total))
                    }
                }
            }
        },
    };
    document(options, &title, params, main)
}

/// `#count`: the total in plain digits, so a script can read it (with a `+` when more match).
fn count_text(total: usize, exact: bool) -> String {
    match (total, exact) {
        (1, true) => "1 article".to_owned(),
        (_, true) => format!("{total} articles"),
        (_, false) => format!("{total}+ articles"),
    }
}

/// The note over a relaxed page whose first `every` hits have every word.
fn every_word_note(every: usize) -> String {
    let have =
        if every == 1 { "Only 1 article has".to_owned() } else { format!("Only {every} articles have") };
    format!("{have} every word; they come first, then articles with some of the words.")
}

/// The rank of the page's first hit.
fn first_rank(params: &Params, options: &ServerOptions) -> usize {
    (params.page() - 1).saturating_mul(options.get_page_size()).saturating_add(1)
}

/// The filters in force, each a link that removes it.
fn active_filters(base: &str, params: &Params) -> Markup {
    let mut chips: Vec<(String, String)> = Vec::new();
    for tag in params.tags.iter().chain(&params.any_tags) {
        chips.push((format!("tag: {tag}"), params.toggle_tag(tag).href(base)));
    }
    if let Some(section) = &params.section {
        chips.push((format!("section: {section}"), params.toggle_section(section).href(base)));
    }
    let text = |d: &Option<crate::params::DateParam>| d.as_ref().map(|d| d.text.clone());
    match (text(&params.since), text(&params.until)) {
        (None, None) => {}
        (since, until) => {
            let label = format!("dates: {} – {}", since.unwrap_or_default(), until.unwrap_or_default());
            chips.push((label, params.without_dates().href(base)));
        }
    }
    if params.min_views.is_some() || params.max_views.is_some() {
        let n = |v: Option<u64>| v.map(thousands).unwrap_or_default();
        chips.push((
            format!("views: {} – {}", n(params.min_views), n(params.max_views)),
            params.without_views().href(base),
        ));
    }
    html! {
        @if !chips.is_empty() {
            ul #filters aria-label="Filters in force" {
                @for (label, href) in chips {
                    li { a.chip href=(href) aria-label={ "Remove " (label) } { (label) span.x aria-hidden="true" { " ×" } } }
                }
            }
        }
    }
}

/// One hit: title and snippet with their matches marked, date, section, views, tags, and the
/// near-identical copies grouped under it.
fn hit_item(base: &str, params: &Params, hit: &Hit) -> Markup {
    let article = &hit.article;
    let title = if article.title.trim().is_empty() { None } else { Some(&article.title) };
    html! {
        li.hit data-id=(article.id.as_str()) {
            h2 {
                a.hit-title href=(article_href(base, &article.id)) {
                    @match title {
                        Some(title) => (marked(title, &hit.title_highlights)),
                        None => { "(untitled) " (article.id.as_str()) },
                    }
                }
            }
            p.meta {
                @if let Some(date) = &article.date { (time(date)) }
                @if let Some(section) = &article.section { span.section { (section) } }
                @if let Some(views) = article.views { span.views { (count(views, "view")) } }
            }
            @if !hit.snippet.text.is_empty() {
                p.snippet { (marked(&hit.snippet.text, &hit.snippet.highlights)) }
            }
            @if !article.tags.is_empty() {
                p.tags {
                    @for tag in &article.tags {
                        a.tag href=(params.toggle_tag(tag.as_str()).href(base)) { (tag.as_str()) }
                        " "
                    }
                }
            }
            @if !hit.similar.is_empty() {
                details.similar {
                    summary { "+" (hit.similar.len()) " similar" }
                    ul {
                        @for id in &hit.similar {
                            li { a href=(article_href(base, id)) { (id.as_str()) } }
                        }
                    }
                }
            }
        }
    }
}

/// Previous and next page links, where there are such pages within reach.
fn pages(base: &str, params: &Params, results: &SearchResults, options: &ServerOptions) -> Markup {
    let page = params.page();
    let size = options.get_page_size();
    let next_in_reach = page.saturating_add(1).saturating_mul(size) <= Query::MAX_WINDOW;
    let next = results.next.is_some() && next_in_reach;
    html! {
        @if page > 1 || next {
            nav #pages aria-label="Pages" {
                @if page > 1 { a rel="prev" href=(params.on_page(page - 1).href(base)) { "← Previous" } }
                span.current aria-current="page" { "Page " (page) }
                @if next { a rel="next" href=(params.on_page(page + 1).href(base)) { "Next →" } }
            }
        }
    }
}

/// A facet list: each value a link that adds the filter, or removes it when in force. Values
/// in force that are not among the most frequent are listed too, so they can be removed.
fn facet_list(
    base: &str,
    params: &Params,
    id: &str,
    heading: &str,
    kind: &str,
    counts: &[FacetCount],
    total: usize,
) -> Markup {
    let is_tag = kind == "tag";
    let active = |value: &str| if is_tag { params.has_tag(value) } else { params.has_section(value) };
    let toggle = |value: &str| if is_tag { params.toggle_tag(value) } else { params.toggle_section(value) };
    let mut entries: Vec<(String, Option<usize>)> =
        counts.iter().map(|c| (c.value.clone(), Some(c.count))).collect();
    let in_force: Vec<&String> = if is_tag {
        params.tags.iter().chain(&params.any_tags).collect()
    } else {
        params.section.iter().collect()
    };
    for value in in_force {
        let wanted = newsearch::Tag::normalize(value);
        if !entries.iter().any(|(v, _)| newsearch::Tag::normalize(v) == wanted) {
            // Every match has a required tag or the section; a tag of `any_tag` only some.
            let n = (!params.any_tags.contains(value)).then_some(total);
            entries.push((value.clone(), n));
        }
    }
    html! {
        section id=(id) {
            h2 { (heading) }
            @if entries.is_empty() {
                p.none { "None among these articles." }
            } @else {
                ul {
                    @for (value, n) in &entries {
                        @let on = active(value);
                        li {
                            a.facet.active[on] data-facet=(kind) data-value=(value) href=(toggle(value).href(base))
                                aria-pressed=[on.then_some("true")] {
                                (value) " " span.n { @if let Some(n) = n { (n) } }
                            }
                        }
                    }
                }
            }
        }
    }
}

/// The timeline: a bar per period, its height by count, each a link narrowing the dates to its
/// period (the script lets a drag across bars narrow to several).
fn timeline(base: &str, params: &Params, timeline: &Timeline) -> Markup {
    let (Some(first), Some(last)) = (timeline.buckets.first(), timeline.buckets.last()) else {
        return html! {};
    };
    let granularity = timeline.granularity;
    let unit = match granularity {
        Granularity::Day => "day",
        Granularity::Month => "month",
        _ => "year",
    };
    let most = timeline.buckets.iter().map(|b| b.count).max().unwrap_or(0).max(1);
    html! {
        figure #timeline {
            figcaption {
                "Matches per " (unit)
                @if timeline.undated > 0 { " (" (count(timeline.undated as u64, "undated article")) " not shown)" }
                span.hint { " — click a bar, or drag across bars, to narrow the dates" }
            }
            div.bars {
                @for bucket in &timeline.buckets {
                    @let since = bucket.start.format("%Y-%m-%d").to_string();
                    @let until = period_end(granularity, bucket.start).format("%Y-%m-%d").to_string();
                    @let label = granularity.label(bucket.start);
                    @let height = bucket.count.saturating_mul(BAR_STEPS).div_ceil(most);
                    a.bar href=(params.with_dates(&since, &until).href(base)) data-since=(since) data-until=(until)
                        title={ (label) ": " (bucket.count) } {
                        span class={ "fill h" (height) } {}
                        span.visually-hidden { (label) ": " (count(bucket.count as u64, "article")) }
                    }
                }
            }
            div.axis aria-hidden="true" {
                span { (granularity.label(first.start)) }
                span { (granularity.label(last.start)) }
            }
        }
    }
}

/// The last day of the period starting at `start`.
fn period_end(granularity: Granularity, start: NaiveDate) -> NaiveDate {
    let next = match granularity {
        Granularity::Day => start.succ_opt(),
        Granularity::Month => start.checked_add_months(Months::new(1)),
        _ => start.checked_add_months(Months::new(12)),
    };
    next.and_then(|d| d.pred_opt()).unwrap_or(start)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn periods_end_on_their_last_day() {
        let day = |s: &str| s.parse::<NaiveDate>().unwrap();
        assert_eq!(period_end(Granularity::Day, day("2025-02-20")), day("2025-02-20"));
        assert_eq!(period_end(Granularity::Month, day("2024-02-01")), day("2024-02-29"));
        assert_eq!(period_end(Granularity::Year, day("2025-01-01")), day("2025-12-31"));
        assert_eq!(period_end(Granularity::Day, NaiveDate::MAX), NaiveDate::MAX);
    }
}
