//! The query string of a search: read once into [`Params`], which becomes a library
//! [`Query`] and writes itself back as the links of the web page (a facet that adds a tag, a
//! timeline bar that narrows the dates, the next page), so the state of a search lives in its
//! URL.
//!
//! Keys are those of the API: `q`, `tag` and `any_tag` (repeatable), `section`,
//! `since`, `until`, `min_views`, `max_views`, `sort`, `mode`, `recent`, `popular`, `fuzzy`,
//! `collapse`; the API adds `limit`, `offset`, `after`, `facets`, `snippets` and `exact_total`,
//! the web page `page`. A key an endpoint does not know is refused, so a misspelt filter is
//! never silently ignored. An empty value is no value, as forms send empty fields.

use std::borrow::Cow;
use std::collections::HashSet;

use axum::http::StatusCode;
use newsearch::chrono::TimeDelta;
use newsearch::{Cursor, MatchMode, Period, Query, Sort, Tag};

use crate::options::ServerOptions;
use crate::problem::Problem;

/// The most tags (`tag` and `any_tag` together) one request may name.
pub(crate) const MAX_TAGS: usize = 64;

/// Which endpoint reads the parameters: each takes its own keys.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Surface {
    /// `/api/search`.
    Api,
    /// `/api/related/{id}`: filters, order and page; no text.
    Related,
    /// The web page, `/` and `/search`.
    Page,
}

impl Surface {
    fn takes(self, key: &str) -> bool {
        const FILTERS: [&str; 8] =
            ["tag", "any_tag", "section", "since", "until", "min_views", "max_views", "sort"];
        const TEXT: [&str; 6] = ["q", "mode", "recent", "popular", "fuzzy", "collapse"];
        const PAGING: [&str; 5] = ["limit", "offset", "after", "facets", "snippets"];
        let (text, paging, page) = match self {
            Surface::Api => (true, true, false),
            Surface::Related => (false, true, false),
            Surface::Page => (true, false, true),
        };
        FILTERS.contains(&key)
            || (text && TEXT.contains(&key))
            || (paging && PAGING.contains(&key))
            || (page && key == "page")
            // Only a text search stops counting (related articles are always counted).
            || (text && paging && key == "exact_total")
    }

    /// The keys it takes, for the message that refuses another.
    fn keys(self) -> Vec<&'static str> {
        const ALL: [&str; 21] = [
            "q",
            "tag",
            "any_tag",
            "section",
            "since",
            "until",
            "min_views",
            "max_views",
            "sort",
            "mode",
            "recent",
            "popular",
            "fuzzy",
            "collapse",
            "limit",
            "offset",
            "after",
            "facets",
            "snippets",
            "exact_total",
            "page",
        ];
        ALL.into_iter().filter(|k| self.takes(k)).collect()
    }
}

/// A date filter as typed (so that a link keeps `7d` or `2025-02`) and as read.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct DateParam {
    pub(crate) text: String,
    period: Period,
}

impl DateParam {
    fn parse(text: &str) -> Result<DateParam, newsearch::Error> {
        Ok(DateParam { text: text.to_owned(), period: text.parse()? })
    }
}

/// A length of time as typed and as read (`recent`).
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct SpanParam {
    text: String,
    span: TimeDelta,
}

/// What a search request asked for.
#[derive(Debug, Clone, Default, PartialEq)]
pub(crate) struct Params {
    pub(crate) q: String,
    pub(crate) tags: Vec<String>,
    pub(crate) any_tags: Vec<String>,
    pub(crate) section: Option<String>,
    pub(crate) since: Option<DateParam>,
    pub(crate) until: Option<DateParam>,
    pub(crate) min_views: Option<u64>,
    pub(crate) max_views: Option<u64>,
    pub(crate) sort: Option<Sort>,
    pub(crate) mode: Option<MatchMode>,
    recent: Option<SpanParam>,
    pub(crate) popular: bool,
    pub(crate) fuzzy: bool,
    pub(crate) collapse: bool,
    facets: bool,
    /// Count every match (else counting may stop at `Query::COUNTED_UP_TO`).
    exact_total: bool,
    /// `false` leaves snippets and highlights out (the API's hits are then cheaper).
    snippets: Option<bool>,
    limit: Option<usize>,
    offset: Option<usize>,
    after: Option<Cursor>,
    /// The web page's page, from 1; 0 when not given (the first).
    page: usize,
}

impl Params {
    /// Reads a query string (without its `?`) for `surface`.
    pub(crate) fn parse(
        raw: Option<&str>,
        surface: Surface,
        options: &ServerOptions,
    ) -> Result<Params, Problem> {
        let mut params = Params::default();
        let mut seen: HashSet<String> = HashSet::new();
        for (key, value) in form_urlencoded::parse(raw.unwrap_or("").as_bytes()) {
            if !surface.takes(&key) {
                return Err(Problem::bad_request(format!(
                    "unknown parameter {} (this endpoint takes {})",
                    quoted(&key),
                    surface.keys().join(", ")
                )));
            }
            let repeatable = matches!(key.as_ref(), "tag" | "any_tag");
            if !repeatable && !seen.insert(key.to_string()) {
                return Err(Problem::bad_request(format!(
                    "parameter {} is given more than once",
                    quoted(&key)
                )));
            }
            params.set(&key, value, options)?;
        }
        Ok(params)
    }

    /// Only the query text of a query string that may not read as a whole: what the web page
    /// puts back in its search box when it shows why the request was refused.
    pub(crate) fn text_only(raw: Option<&str>, options: &ServerOptions) -> Params {
        let q = form_urlencoded::parse(raw.unwrap_or("").as_bytes())
            .find(|(k, _)| k == "q")
            .map(|(_, v)| v.chars().take(options.get_max_query_chars()).collect())
            .unwrap_or_default();
        Params { q, ..Params::default() }
    }

    fn set(&mut self, key: &str, value: Cow<'_, str>, options: &ServerOptions) -> Result<(), Problem> {
        let value = value.trim();
        if key == "q" {
            let chars = value.chars().count();
            if chars > options.get_max_query_chars() {
                return Err(Problem::too_long(format!(
                    "the query is {chars} characters long; the most this server takes is {}",
                    options.get_max_query_chars()
                )));
            }
            self.q = value.to_owned();
            return Ok(());
        }
        // Forms send the fields left empty: they ask for nothing.
        if value.is_empty() {
            return Ok(());
        }
        match key {
            "tag" | "any_tag" => {
                if self.tags.len() + self.any_tags.len() >= MAX_TAGS {
                    return Err(Problem::bad_request(format!("at most {MAX_TAGS} tags may be named")));
                }
                let list = if key == "tag" { &mut self.tags } else { &mut self.any_tags };
                list.push(value.to_owned());
            }
            "section" => self.section = Some(value.to_owned()),
            "since" => self.since = Some(DateParam::parse(value)?),
            "until" => self.until = Some(DateParam::parse(value)?),
            "min_views" => self.min_views = Some(number(key, value)?),
            "max_views" => self.max_views = Some(number(key, value)?),
            "sort" => self.sort = Some(value.parse()?),
            "mode" => self.mode = Some(value.parse()?),
            "recent" => {
                self.recent = Some(SpanParam { text: value.to_owned(), span: newsearch::parse_span(value)? });
            }
            "popular" => self.popular = flag(key, value)?,
            "fuzzy" => self.fuzzy = flag(key, value)?,
            "collapse" => self.collapse = flag(key, value)?,
            "facets" => self.facets = flag(key, value)?,
            "exact_total" => self.exact_total = flag(key, value)?,
            "snippets" => self.snippets = Some(flag(key, value)?),
            "limit" => self.limit = Some(number(key, value)?),
            "offset" => self.offset = Some(number(key, value)?),
            "after" => self.after = Some(value.parse()?),
            "page" => {
                let page: usize = number(key, value)?;
                if page == 0 {
                    return Err(Problem::bad_request("pages count from 1"));
                }
                self.page = page;
            }
            // `Surface::takes` let only the keys above through.
            _ => return Err(Problem::bad_request(format!("unknown parameter {}", quoted(key)))),
        }
        Ok(())
    }

    /// The web page's page number, from 1.
    pub(crate) fn page(&self) -> usize {
        self.page.max(1)
    }

    /// The library query: for the API, the page it asked for (at most
    /// [`ServerOptions::max_limit`] hits); for the web page, its numbered page with facets.
    /// Checked ([`Query::check`]), so that a bad request is refused before it is queued.
    pub(crate) fn query(&self, surface: Surface, options: &ServerOptions) -> Result<Query, Problem> {
        let mut query =
            Query::new(self.q.clone()).popular(self.popular).fuzzy(self.fuzzy).collapse(self.collapse);
        for tag in &self.tags {
            query = query.tag(tag);
        }
        for tag in &self.any_tags {
            query = query.any_tag(tag);
        }
        if let Some(section) = &self.section {
            query = query.section(section);
        }
        if let Some(since) = &self.since {
            query = query.since(since.period.start());
        }
        if let Some(until) = &self.until {
            query = query.until(until.period.end());
        }
        if let Some(n) = self.min_views {
            query = query.min_views(n);
        }
        if let Some(n) = self.max_views {
            query = query.max_views(n);
        }
        if let Some(sort) = self.sort {
            query = query.sort(sort);
        }
        if let Some(mode) = self.mode {
            query = query.mode(mode);
        }
        if let Some(recent) = &self.recent {
            query = query.recent(recent.span);
        }
        query = match surface {
            Surface::Api | Surface::Related => {
                let limit = self.limit.unwrap_or(Query::DEFAULT_LIMIT);
                if limit > options.get_max_limit() {
                    return Err(Problem::bad_request(format!(
                        "limit {limit} is more than the {} hits one request may ask for; page with offset or after",
                        options.get_max_limit()
                    )));
                }
                let mut query = query
                    .limit(limit)
                    .offset(self.offset.unwrap_or(0))
                    .facets(self.facets)
                    .exact_total(self.exact_total)
                    .snippets(self.snippets.unwrap_or(true));
                if let Some(cursor) = self.after {
                    query = query.after(cursor);
                }
                query
            }
            Surface::Page => {
                let size = options.get_page_size();
                let offset = (self.page() - 1).saturating_mul(size);
                if offset.saturating_add(size) > Query::MAX_WINDOW {
                    return Err(Problem::bad_request(format!(
                        "page {} is past the first {} results; narrow the search to see what lies deeper",
                        self.page(),
                        Query::MAX_WINDOW
                    )));
                }
                query.limit(size).offset(offset).facets(true).facet_size(options.get_facet_size())
            }
        };
        query.check()?;
        Ok(query)
    }

    /// The web page's URL for these parameters, under `base`.
    pub(crate) fn href(&self, base: &str) -> String {
        let mut out = form_urlencoded::Serializer::new(String::new());
        if !self.q.is_empty() {
            out.append_pair("q", &self.q);
        }
        for tag in &self.tags {
            out.append_pair("tag", tag);
        }
        for tag in &self.any_tags {
            out.append_pair("any_tag", tag);
        }
        let text = |o: &Option<DateParam>| o.as_ref().map(|d| d.text.clone());
        let pairs = [
            ("section", self.section.clone()),
            ("since", text(&self.since)),
            ("until", text(&self.until)),
            ("min_views", self.min_views.map(|n| n.to_string())),
            ("max_views", self.max_views.map(|n| n.to_string())),
            ("sort", self.sort.map(|s| s.to_string())),
            ("mode", self.mode.map(|m| m.to_string())),
            ("recent", self.recent.as_ref().map(|r| r.text.clone())),
            ("popular", self.popular.then(|| "1".to_owned())),
            ("fuzzy", self.fuzzy.then(|| "1".to_owned())),
            ("collapse", self.collapse.then(|| "1".to_owned())),
            ("page", (self.page > 1).then(|| self.page.to_string())),
        ];
        for (key, value) in pairs {
            if let Some(value) = value {
                out.append_pair(key, &value);
            }
        }
        let query = out.finish();
        if query.is_empty() { format!("{base}/search") } else { format!("{base}/search?{query}") }
    }

    /// The same search on another page.
    pub(crate) fn on_page(&self, page: usize) -> Params {
        Params { page, ..self.clone() }
    }

    /// Whether `tag` is required or one of the tags any of which is.
    pub(crate) fn has_tag(&self, tag: &str) -> bool {
        let wanted = Tag::normalize(tag);
        self.tags.iter().chain(&self.any_tags).any(|t| Tag::normalize(t) == wanted)
    }

    /// With `tag` required, or without it if it was named: what a tag facet links to.
    pub(crate) fn toggle_tag(&self, tag: &str) -> Params {
        let mut next = self.on_page(0);
        if self.has_tag(tag) {
            let wanted = Tag::normalize(tag);
            next.tags.retain(|t| Tag::normalize(t) != wanted);
            next.any_tags.retain(|t| Tag::normalize(t) != wanted);
        } else {
            next.tags.push(tag.to_owned());
        }
        next
    }

    /// Whether the search is limited to `section`.
    pub(crate) fn has_section(&self, section: &str) -> bool {
        self.section.as_deref().is_some_and(|s| Tag::normalize(s) == Tag::normalize(section))
    }

    /// Limited to `section`, or no longer if it was: what a section facet links to.
    pub(crate) fn toggle_section(&self, section: &str) -> Params {
        let section = (!self.has_section(section)).then(|| section.to_owned());
        Params { section, ..self.on_page(0) }
    }

    /// Dated from `since` to `until` (inclusive days, `YYYY-MM-DD`): what a timeline bar links
    /// to. A date that does not read leaves that end as it was.
    pub(crate) fn with_dates(&self, since: &str, until: &str) -> Params {
        let mut next = self.on_page(0);
        next.since = DateParam::parse(since).ok().or(next.since);
        next.until = DateParam::parse(until).ok().or(next.until);
        next
    }

    /// Without the date filters.
    pub(crate) fn without_dates(&self) -> Params {
        Params { since: None, until: None, ..self.on_page(0) }
    }

    /// Without the views filters.
    pub(crate) fn without_views(&self) -> Params {
        Params { min_views: None, max_views: None, ..self.on_page(0) }
    }

    /// The `recent` length of time as typed.
    pub(crate) fn recent_text(&self) -> Option<&str> {
        self.recent.as_ref().map(|r| r.text.as_str())
    }
}

/// A whole number, or a 400 naming the parameter.
fn number<T: std::str::FromStr>(key: &str, value: &str) -> Result<T, Problem> {
    value
        .parse()
        .map_err(|_| Problem::bad_request(format!("{key} must be a whole number, not {}", quoted(value))))
}

/// A yes or no: `1`, `true`, `yes`, `on` (what a checked box sends) or `0`, `false`, `no`, `off`.
fn flag(key: &str, value: &str) -> Result<bool, Problem> {
    match value.to_ascii_lowercase().as_str() {
        "1" | "true" | "yes" | "on" => Ok(true),
        "0" | "false" | "no" | "off" => Ok(false),
        _ => Err(Problem::new(
            StatusCode::BAD_REQUEST,
            format!("{key} must be true or false (or 1 or 0), not {}", quoted(value)),
        )),
    }
}

/// `text` quoted for a message, cut to a readable length.
fn quoted(text: &str) -> String {
    const MAX: usize = 60;
    if text.chars().count() <= MAX {
        format!("{text:?}")
    } else {
        let cut: String = text.chars().take(MAX).collect();
        format!("{:?}…", cut)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(raw: &str, surface: Surface) -> Result<Params, Problem> {
        Params::parse(Some(raw), surface, &ServerOptions::new())
    }

    #[test]
    fn repeated_tags_and_plus_for_space() {
        let p = parse("q=ceasefire+talks&tag=Ukraine&tag=US&any_tag=EU&since=2025-02", Surface::Api).unwrap();
        assert_eq!(p.q, "ceasefire talks");
        assert_eq!(p.tags, ["Ukraine", "US"]);
        assert_eq!(p.any_tags, ["EU"]);
        let query = p.query(Surface::Api, &ServerOptions::new()).unwrap();
        assert_eq!(query.text(), "ceasefire talks");
    }

    #[test]
    fn empty_fields_ask_for_nothing() {
        let p = parse("q=&since=&until=&sort=&mode=&section=", Surface::Page).unwrap();
        assert_eq!(p, Params::default());
    }

    #[test]
    fn unknown_and_repeated_keys_are_refused() {
        let e = parse("tags=Ukraine", Surface::Api).unwrap_err();
        assert_eq!(e.status, StatusCode::BAD_REQUEST);
        assert!(e.message.starts_with("unknown parameter \"tags\""), "{}", e.message);
        assert!(parse("sort=date&sort=views", Surface::Api).unwrap_err().message.contains("more than once"));
        // Each endpoint its own keys.
        assert!(parse("page=2", Surface::Api).is_err());
        assert!(parse("limit=2", Surface::Page).is_err());
        assert!(parse("q=oil", Surface::Related).is_err());
    }

    #[test]
    fn bad_values_are_400_with_the_library_s_message() {
        for raw in [
            "since=yesterday-ish",
            "sort=best",
            "mode=most",
            "limit=ten",
            "popular=maybe",
            "after=xyz",
            "page=0",
        ] {
            let e = parse(raw, Surface::Api).or_else(|_| parse(raw, Surface::Page)).unwrap_err();
            assert_eq!(e.status, StatusCode::BAD_REQUEST, "{raw}");
        }
        assert!(parse("since=yesterday-ish", Surface::Api).unwrap_err().message.contains("can't read date"));
    }

    #[test]
    fn a_query_longer_than_the_bound_is_414() {
        let options = ServerOptions::new().max_query_chars(10);
        let e = Params::parse(Some("q=ééééééééééé"), Surface::Api, &options).unwrap_err();
        assert_eq!(e.status, StatusCode::URI_TOO_LONG);
        assert!(Params::parse(Some("q=éééééééééé"), Surface::Api, &options).is_ok());
    }

    #[test]
    fn the_limit_and_the_window_are_bounded() {
        let options = ServerOptions::new();
        let over = parse("limit=101", Surface::Api).unwrap().query(Surface::Api, &options).unwrap_err();
        assert!(over.message.contains("limit 101"), "{}", over.message);
        let deep =
            parse("offset=9995&limit=10", Surface::Api).unwrap().query(Surface::Api, &options).unwrap_err();
        assert!(deep.message.starts_with("page too deep"), "{}", deep.message);
        let page = parse(&format!("page={}", usize::MAX), Surface::Page).unwrap();
        assert_eq!(page.query(Surface::Page, &options).unwrap_err().status, StatusCode::BAD_REQUEST);
        let last = parse("page=1000", Surface::Page).unwrap().query(Surface::Page, &options).unwrap();
        assert_eq!(last.get_offset(), 9_990);
    }

    #[test]
    fn links_read_back_as_the_same_search() {
        let p = parse(
            "q=a%26b+c&tag=x%3Dy&any_tag=EU&section=World&since=2025-01-15&until=2025-02&min_views=3&sort=date-asc&mode=all&recent=30d&popular=1&collapse=on&page=3",
            Surface::Page,
        )
        .unwrap();
        let href = p.href("/news");
        let (path, query) = href.split_once('?').unwrap();
        assert_eq!(path, "/news/search");
        assert_eq!(parse(query, Surface::Page).unwrap(), p);
        assert_eq!(Params::default().href(""), "/search");
        // A span back from now stays one in links, not the instant it meant when read.
        assert_eq!(parse("since=7d", Surface::Page).unwrap().href(""), "/search?since=7d");
    }

    #[test]
    fn facets_add_and_remove_filters() {
        let p = parse("q=oil&tag=Ukraine&page=2", Surface::Page).unwrap();
        let added = p.toggle_tag("EU");
        assert_eq!(added.tags, ["Ukraine", "EU"]);
        assert_eq!(added.page(), 1);
        assert_eq!(p.toggle_tag("ukraine").tags, Vec::<String>::new());
        let s = p.toggle_section("World");
        assert!(s.has_section("world"));
        assert_eq!(s.toggle_section("WORLD").section, None);
        let dated = p.with_dates("2025-02-01", "2025-02-28");
        assert_eq!(dated.since.as_ref().map(|d| d.text.as_str()), Some("2025-02-01"));
        assert_eq!(dated.without_dates().since, None);
    }
}
