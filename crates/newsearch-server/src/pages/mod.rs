//! The web page: server-rendered HTML that works without JavaScript.
//!
//! [`search`] answers `/` and `/search` (one template: the form, the count, the timeline, the
//! hits, the facets, the pages), [`article`] an article in full. Every value from the index
//! goes through maud's escaping; ids go into links percent-encoded and come back only as keys
//! to look up. The stylesheet and script are compiled into the binary.

mod article;
mod layout;
mod search;

use axum::extract::rejection::PathRejection;
use axum::extract::{Path, RawQuery, State};
use axum::http::{StatusCode, Uri, header};
use axum::response::{IntoResponse, Response};

use crate::App;
use crate::api::path_id;
use crate::params::{Params, Surface};
use crate::problem::Problem;

const CSS: &str = include_str!("../assets/app.css");
const JS: &str = include_str!("../assets/app.js");

/// An HTML answer.
fn html(status: StatusCode, page: maud::Markup) -> Response {
    (status, [(header::CONTENT_TYPE, "text/html; charset=utf-8")], page.into_string()).into_response()
}

/// `GET /` and `GET /search`.
pub(crate) async fn search(State(app): State<App>, RawQuery(raw): RawQuery) -> Response {
    let options = app.options.clone();
    let params = match Params::parse(raw.as_deref(), Surface::Page, &options) {
        Ok(params) => params,
        Err(problem) => {
            // The search box keeps what was typed, so it can be corrected.
            let params = Params::text_only(raw.as_deref(), &options);
            return html(problem.status, search::page(&options, &params, Err(&problem)));
        }
    };
    let query = match params.query(Surface::Page, &options) {
        Ok(query) => query,
        // The whole search stays in the form and the filters, only its answer is missing.
        Err(problem) => return html(problem.status, search::page(&options, &params, Err(&problem))),
    };
    let shown = params.clone();
    let answer = app
        .blocking(move |index| {
            let results = index.search(&query)?;
            Ok(search::page(&options, &params, Ok(&results)))
        })
        .await;
    match answer {
        Ok(page) => html(StatusCode::OK, page),
        Err(problem) => html(problem.status, search::page(&app.options, &shown, Err(&problem))),
    }
}

/// `GET /article/{id}`; `?from=` names the search to go back to.
pub(crate) async fn article(
    State(app): State<App>,
    id: Result<Path<String>, PathRejection>,
    RawQuery(raw): RawQuery,
) -> Response {
    let id = match path_id(id) {
        Ok(id) => id,
        Err(problem) => return problem_page(&app, problem),
    };
    let back = article::back_link(app.options.get_base_path(), raw.as_deref());
    let options = app.options.clone();
    let answer = app
        .blocking(move |index| {
            let Some(found) = index.get(&id)? else {
                return Err(newsearch::Error::UnknownArticle { id: id.as_str().to_owned() }.into());
            };
            // A page without its related articles is still the article.
            let related = index.related(&id, &article::related_query()).ok();
            Ok(article::page(&options, &found, related.as_ref(), &back))
        })
        .await;
    match answer {
        Ok(page) => html(StatusCode::OK, page),
        Err(problem) => problem_page(&app, problem),
    }
}

/// A page that only says what went wrong, with the search form to go on from.
pub(crate) fn problem_page(app: &App, problem: Problem) -> Response {
    html(problem.status, layout::problem(&app.options, &problem))
}

/// Any other path.
pub(crate) async fn not_found(State(app): State<App>, uri: Uri) -> Response {
    if crate::is_api(uri.path()) {
        return crate::api::not_found().await.into_response();
    }
    problem_page(&app, Problem::not_found("there is no page here"))
}

pub(crate) async fn css() -> Response {
    asset("text/css; charset=utf-8", CSS)
}

pub(crate) async fn js() -> Response {
    asset("text/javascript; charset=utf-8", JS)
}

fn asset(content_type: &'static str, body: &'static str) -> Response {
    ([(header::CONTENT_TYPE, content_type), (header::CACHE_CONTROL, "no-cache")], body).into_response()
}
