//! What goes wrong with a request, as an HTTP status and a message.
//!
//! The library's errors already say whose fault they are: a query that does not parse, a date
//! that is no date, a page too deep, a cursor that is no cursor are the request's (400); an id
//! the index does not hold is 404; an engine that fails is the server's (500). The API answers
//! `{"error": MESSAGE}`, with `"column"` for a syntax error; the web page shows the message.

use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use newsearch::Error;

/// A request that can't be answered with what it asked for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Problem {
    pub(crate) status: StatusCode,
    pub(crate) message: String,
    /// 1-based column of a query syntax error.
    pub(crate) column: Option<usize>,
}

impl Problem {
    pub(crate) fn new(status: StatusCode, message: impl Into<String>) -> Problem {
        Problem { status, message: message.into(), column: None }
    }

    pub(crate) fn bad_request(message: impl Into<String>) -> Problem {
        Problem::new(StatusCode::BAD_REQUEST, message)
    }

    pub(crate) fn not_found(message: impl Into<String>) -> Problem {
        Problem::new(StatusCode::NOT_FOUND, message)
    }

    /// A request target, or the query text in it, longer than the server takes.
    pub(crate) fn too_long(message: impl Into<String>) -> Problem {
        Problem::new(StatusCode::URI_TOO_LONG, message)
    }

    pub(crate) fn internal(message: impl Into<String>) -> Problem {
        Problem::new(StatusCode::INTERNAL_SERVER_ERROR, message)
    }

    /// The JSON body: `{"error": …}` and, for a syntax error, `"column"`.
    pub(crate) fn to_json(&self) -> Vec<u8> {
        #[derive(serde::Serialize)]
        struct Body<'a> {
            error: &'a str,
            #[serde(skip_serializing_if = "Option::is_none")]
            column: Option<usize>,
        }
        let body = Body { error: &self.message, column: self.column };
        serde_json::to_vec(&body).unwrap_or_else(|_| br#"{"error":"unprintable error"}"#.to_vec())
    }
}

impl From<Error> for Problem {
    fn from(e: Error) -> Problem {
        let status = status_of(&e);
        let column = match &e {
            Error::QuerySyntax { column, .. } => Some(*column),
            _ => None,
        };
        Problem { status, message: e.to_string(), column }
    }
}

/// Whose fault `e` is, as a status.
fn status_of(e: &Error) -> StatusCode {
    match e {
        Error::UnknownArticle { .. } => StatusCode::NOT_FOUND,
        Error::QuerySyntax { .. }
        | Error::InvalidDate { .. }
        | Error::DateOutOfRange { .. }
        | Error::InvalidArgument(_)
        | Error::WindowTooLarge { .. }
        | Error::InvalidCursor { .. }
        | Error::CursorOrder { .. }
        | Error::NothingSearchable { .. }
        | Error::PrefixTooBroad { .. }
        | Error::UnknownSort { .. }
        | Error::UnknownMatchMode { .. }
        | Error::UnknownStemming { .. }
        | Error::InvalidSpan { .. }
        | Error::EmptyViewsRange { .. }
        | Error::EmptyDateRange { .. }
        | Error::InvalidTitleBoost { .. } => StatusCode::BAD_REQUEST,
        // The index is missing, damaged or failing, or a problem no request can cause.
        _ => StatusCode::INTERNAL_SERVER_ERROR,
    }
}

/// As the API answers it: JSON.
impl IntoResponse for Problem {
    fn into_response(self) -> Response {
        (self.status, [(header::CONTENT_TYPE, crate::api::JSON)], self.to_json()).into_response()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn request_errors_are_4xx_and_engine_errors_5xx() {
        let syntax = Problem::from(Error::QuerySyntax { message: "unclosed (".into(), column: 3 });
        assert_eq!((syntax.status, syntax.column), (StatusCode::BAD_REQUEST, Some(3)));
        assert_eq!(
            String::from_utf8(syntax.to_json()).unwrap(),
            r#"{"error":"query syntax error at column 3: unclosed (","column":3}"#
        );
        let unknown = Problem::from(Error::UnknownArticle { id: "x".into() });
        assert_eq!(unknown.status, StatusCode::NOT_FOUND);
        let cursor = Problem::from(Error::InvalidCursor { cursor: "x".into() });
        assert_eq!(cursor.status, StatusCode::BAD_REQUEST);
        let damaged = Problem::from(Error::Damaged { path: "ix".into(), file: None, reason: "cut".into() });
        assert_eq!(damaged.status, StatusCode::INTERNAL_SERVER_ERROR);
        assert_eq!(
            String::from_utf8(damaged.to_json()).unwrap(),
            r#"{"error":"the index at ix is damaged (cut)"}"#
        );
    }
}
