//! newsearch over HTTP: a search page and a JSON API over an index, as an [axum] [`Router`]
//! that an app mounts in its own server or that [`serve`] runs alone (`newsearch serve`).
//!
//! ```
//! use axum::Router;
//! use axum::body::Body;
//! use axum::http::{Request, StatusCode};
//! use newsearch::{Article, Index, IndexOptions};
//! use newsearch_server::{ServerOptions, router};
//! use tower::ServiceExt;
//!
//! # #[tokio::main(flavor = "current_thread")]
//! # async fn main() -> Result<(), Box<dyn std::error::Error>> {
//! let index = Index::in_memory(&IndexOptions::new())?;
//! let mut writer = index.writer()?;
//! writer.add(&Article::builder("kyiv", "Kellogg meets Zelensky in Kyiv").body("The US envoy met the president.").build())?;
//! writer.commit()?;
//!
//! // The app's own routes, with the archive under /archive.
//! let app: Router = Router::new()
//!     .route("/health", axum::routing::get(|| async { "ok" }))
//!     .nest("/archive", router(index, ServerOptions::new().base_path("/archive")));
//!
//! let request = Request::get("/archive/api/search?q=zelensky").body(Body::empty())?;
//! let response = app.oneshot(request).await?;
//! assert_eq!(response.status(), StatusCode::OK);
//! # Ok(())
//! # }
//! ```
//!
//! The router answers:
//! - `GET /` and `GET /search?q=…`: the search page, server-rendered HTML that works without
//!   JavaScript (`/static/app.js` adds keyboard focus, live controls and a timeline drag);
//! - `GET /article/{id}`: an article in full, with its related articles;
//! - `GET /api/search`, `/api/articles/{id}`, `/api/related/{id}`, `/api/stats`: JSON, each
//!   value as the library serializes it (and as `newsearch query --json` prints it).
//!
//! Searches run on tokio's blocking pool, against the latest commit: an index that another
//! process writes is seen as it grows, without a restart. Requests are bounded
//! ([`ServerOptions`]); what a request gets wrong is a 4xx with the library's message, never a
//! 500. Every response carries a Content-Security-Policy that allows no inline script and no
//! other origin. docs/server.md describes the page, the API and the bounds.
#![deny(missing_docs)]
#![warn(clippy::print_stdout, clippy::print_stderr)]
#![doc(test(attr(deny(warnings))))]

mod api;
mod options;
mod pages;
mod params;
mod problem;

use std::future::Future;
use std::io;
use std::sync::Arc;

use axum::Router;
use axum::extract::{Request, State};
use axum::http::{HeaderName, HeaderValue, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::serve::ListenerExt;
use newsearch::Index;
use tokio::net::TcpListener;
use tower_http::limit::RequestBodyLimitLayer;
use tower_http::set_header::SetResponseHeaderLayer;
use tower_http::timeout::TimeoutLayer;

pub use options::ServerOptions;

use problem::Problem;

/// The Content-Security-Policy of every response: scripts, styles and images from this server
/// only, no inline script or style, no plugins, no framing, forms only back here.
pub const CONTENT_SECURITY_POLICY: &str = "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'";

/// What every handler holds: the index (cheap to clone, sees every commit) and the bounds.
#[derive(Clone)]
pub(crate) struct App {
    index: Index,
    options: Arc<ServerOptions>,
}

impl App {
    /// Runs `work` on the blocking pool: searches read files and take milliseconds, which the
    /// async threads must not wait for.
    pub(crate) async fn blocking<T: Send + 'static>(
        &self,
        work: impl FnOnce(&Index) -> Result<T, Problem> + Send + 'static,
    ) -> Result<T, Problem> {
        let index = self.index.clone();
        match tokio::task::spawn_blocking(move || work(&index)).await {
            Ok(result) => result,
            Err(e) => Err(Problem::internal(format!("the request's work failed: {e}"))),
        }
    }
}

/// The page and the API over `index`, bounded by `options`.
///
/// Mount it at the root, or under a prefix with [`Router::nest`] and the same prefix as
/// [`ServerOptions::base_path`] (the page's links and form point inside it). Layers an app adds
/// around it (authentication, CORS, compression) apply as to any route.
pub fn router(index: Index, options: ServerOptions) -> Router {
    let max_uri = options.get_max_uri_bytes();
    let max_body = options.get_max_body_bytes();
    let timeout = options.get_timeout();
    let app = App { index, options: Arc::new(options) };
    let header = |name: HeaderName, value: &'static str| {
        SetResponseHeaderLayer::overriding(name, HeaderValue::from_static(value))
    };
    Router::new()
        .route("/", get(pages::search))
        .route("/search", get(pages::search))
        .route("/article/{*id}", get(pages::article))
        .route("/static/app.css", get(pages::css))
        .route("/static/app.js", get(pages::js))
        .route("/api/search", get(api::search))
        .route("/api/articles/{*id}", get(api::article))
        .route("/api/related/{*id}", get(api::related))
        .route("/api/stats", get(api::stats))
        .route("/api/{*rest}", get(api::not_found))
        .fallback(pages::not_found)
        .with_state(app.clone())
        .layer(axum::middleware::from_fn_with_state((app, max_uri), bound_uri))
        .layer(RequestBodyLimitLayer::new(max_body))
        .layer(TimeoutLayer::with_status_code(StatusCode::SERVICE_UNAVAILABLE, timeout))
        .layer(header(header::CONTENT_SECURITY_POLICY, CONTENT_SECURITY_POLICY))
        .layer(header(header::X_CONTENT_TYPE_OPTIONS, "nosniff"))
        .layer(header(header::REFERRER_POLICY, "no-referrer"))
        .layer(header(header::X_FRAME_OPTIONS, "DENY"))
        .layer(header(HeaderName::from_static("cross-origin-opener-policy"), "same-origin"))
}

/// Refuses a request target longer than the server takes (414), before any handler reads it.
async fn bound_uri(State((app, max)): State<(App, usize)>, request: Request, next: Next) -> Response {
    let uri = request.uri();
    let len = uri.path_and_query().map_or(uri.path().len(), |pq| pq.as_str().len());
    if len <= max {
        return next.run(request).await;
    }
    let problem = Problem::too_long(format!(
        "the request target is {len} bytes long; the most this server takes is {max}"
    ));
    if is_api(uri.path()) { problem.into_response() } else { pages::problem_page(&app, problem) }
}

/// Whether `path` is one of the API's, which answer JSON.
fn is_api(path: &str) -> bool {
    path == "/api" || path.starts_with("/api/")
}

/// Serves `router` on `listener` until `shutdown` completes, then lets the requests in flight
/// finish. Connections are set to send small answers at once (no Nagle delay).
///
/// ```no_run
/// use newsearch::Index;
/// use newsearch_server::{ServerOptions, router, serve};
///
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
/// let index = Index::open(".newsearch")?;
/// let listener = tokio::net::TcpListener::bind("127.0.0.1:7700").await?;
/// let stop = async {
///     let _ = tokio::signal::ctrl_c().await;
/// };
/// serve(listener, router(index, ServerOptions::new()), stop).await?;
/// # Ok(())
/// # }
/// ```
pub async fn serve(
    listener: TcpListener,
    router: Router,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> io::Result<()> {
    let listener = listener.tap_io(|tcp| {
        // Best effort: a connection that keeps Nagle's algorithm is only slower.
        let _ = tcp.set_nodelay(true);
    });
    axum::serve(listener, router).with_graceful_shutdown(shutdown).await
}
