//! The JSON API: `/api/search`, `/api/articles/{id}`, `/api/related/{id}`, `/api/stats`.
//!
//! Every value is the library's own serialization: an article as `newsearch show --json` prints
//! it, each hit as a line of `newsearch query --json` ([`RankedHit`]), facets and stats as
//! [`Facets`] and [`IndexStats`](newsearch::IndexStats) define them. Work runs on the blocking
//! pool, JSON included.

use axum::extract::rejection::PathRejection;
use axum::extract::{Path, RawQuery, State};
use axum::http::header;
use axum::response::{IntoResponse, Response};
use newsearch::{ArticleId, Cursor, Facets, RankedHit, SearchResults};
use serde::Serialize;

use crate::App;
use crate::params::{Params, Surface};
use crate::problem::Problem;

/// The content type of every API answer.
pub(crate) const JSON: &str = "application/json";

/// A page of results: `{"total", "total_exact", "relaxed", "every_word"?, "hits": [...],
/// "facets"?, "next"?}`.
#[derive(Serialize)]
struct Page<'a> {
    total: usize,
    total_exact: bool,
    relaxed: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    every_word: Option<usize>,
    hits: Vec<RankedHit<'a>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    facets: Option<&'a Facets>,
    #[serde(skip_serializing_if = "Option::is_none")]
    next: Option<&'a Cursor>,
}

impl<'a> Page<'a> {
    fn of(results: &'a SearchResults, offset: usize) -> Page<'a> {
        Page {
            total: results.total,
            total_exact: results.total_exact,
            relaxed: results.relaxed,
            every_word: results.every_word,
            hits: results.ranked(offset).collect(),
            facets: results.facets.as_ref(),
            next: results.next.as_ref(),
        }
    }
}

/// `value` as a 200 JSON answer.
fn json(value: &impl Serialize) -> Result<Vec<u8>, Problem> {
    serde_json::to_vec(value).map_err(|e| Problem::internal(format!("could not write the answer: {e}")))
}

fn ok(body: Vec<u8>) -> Response {
    ([(header::CONTENT_TYPE, JSON)], body).into_response()
}

/// The id of an `{*id}` path, percent-decoded, or why it could not be read.
pub(crate) fn path_id(id: Result<Path<String>, PathRejection>) -> Result<ArticleId, Problem> {
    match id {
        Ok(Path(id)) => Ok(ArticleId::new(id)),
        Err(e) => Err(Problem::bad_request(format!("unreadable article id in the path: {}", e.body_text()))),
    }
}

/// `GET /api/search`.
pub(crate) async fn search(State(app): State<App>, RawQuery(raw): RawQuery) -> Result<Response, Problem> {
    let params = Params::parse(raw.as_deref(), Surface::Api, &app.options)?;
    let query = params.query(Surface::Api, &app.options)?;
    let body = app
        .blocking(move |index| {
            let results = index.search(&query)?;
            json(&Page::of(&results, query.get_offset()))
        })
        .await?;
    Ok(ok(body))
}

/// `GET /api/articles/{id}`.
pub(crate) async fn article(
    State(app): State<App>,
    id: Result<Path<String>, PathRejection>,
) -> Result<Response, Problem> {
    let id = path_id(id)?;
    let body = app
        .blocking(move |index| match index.get(&id)? {
            Some(article) => json(&article),
            None => Err(newsearch::Error::UnknownArticle { id: id.as_str().to_owned() }.into()),
        })
        .await?;
    Ok(ok(body))
}

/// `GET /api/related/{id}`.
pub(crate) async fn related(
    State(app): State<App>,
    id: Result<Path<String>, PathRejection>,
    RawQuery(raw): RawQuery,
) -> Result<Response, Problem> {
    let id = path_id(id)?;
    let params = Params::parse(raw.as_deref(), Surface::Related, &app.options)?;
    let query = params.query(Surface::Related, &app.options)?;
    let body = app
        .blocking(move |index| {
            let results = index.related(&id, &query)?;
            json(&Page::of(&results, query.get_offset()))
        })
        .await?;
    Ok(ok(body))
}

/// `GET /api/stats`.
pub(crate) async fn stats(State(app): State<App>) -> Result<Response, Problem> {
    let body = app.blocking(|index| json(&index.stats()?)).await?;
    Ok(ok(body))
}

/// Any other path under `/api/`.
pub(crate) async fn not_found() -> Problem {
    Problem::not_found(
        "no such endpoint (the API has /api/search, /api/articles/{id}, /api/related/{id}, /api/stats)",
    )
}
