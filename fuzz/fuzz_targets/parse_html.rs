//! Any bytes as a `.html` file: parsing must return articles or an error, never panic or hang.
#![no_main]

use std::path::Path;

use libfuzzer_sys::fuzz_target;
use newsearch::{Format, parse_bytes};

fuzz_target!(|data: &[u8]| {
    if let Ok(parsed) = parse_bytes(data, Format::Html, Path::new("fuzz.html"), "fuzz.html") {
        for article in &parsed.articles {
            // Rendering what was parsed must not panic either.
            let _ = newsearch::render_txt(article);
        }
    }
});
