//! The index schema: the only place that knows field names and how each field is indexed.
//!
//! Full text (title, body with the tags as extra words, sources) goes through the news analyzer with
//! positions, so phrases work. Tags and section are also exact keywords (lowercased, the
//! whole value one term) for filters and counts. Date and views are fast fields for range
//! filters and sorting. Size, mtime and content hash of the source file let a re-index skip
//! files that did not change.

use std::path::PathBuf;

use chrono::{DateTime, Utc};
use tantivy::schema::{
    DateOptions, DateTimePrecision, FAST, Field, INDEXED, IndexRecordOption, STORED, STRING, Schema,
    TextFieldIndexing, TextOptions, Value,
};
use tantivy::tokenizer::{LowerCaser, RawTokenizer, TextAnalyzer, TokenizerManager};
use tantivy::{TantivyDocument, Term};

use crate::analyzer::{Stemming, text_analyzer};
use xxhash_rust::xxh3::Xxh3;

use crate::article::{Article, ArticleId, Tag};

/// Bumped whenever fields, analyzers or their meaning change: an index built with another
/// version must be rebuilt.
pub(crate) const SCHEMA_VERSION: u32 = 5;

/// Analyzer names registered with every index this crate opens.
pub(crate) const TEXT_TOKENIZER: &str = "news";
pub(crate) const KEYWORD_TOKENIZER: &str = "keyword";

/// The schema's fields, resolved once.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Fields {
    pub(crate) id: Field,
    pub(crate) path: Field,
    pub(crate) title: Field,
    pub(crate) body: Field,
    pub(crate) tag: Field,
    pub(crate) section: Field,
    pub(crate) date: Field,
    pub(crate) views: Field,
    pub(crate) sources: Field,
    pub(crate) url: Field,
    pub(crate) file_size: Field,
    pub(crate) file_mtime: Field,
    pub(crate) file_hash: Field,
    pub(crate) simhash: Field,
    pub(crate) content_hash: Field,
}

/// Field names, also the names users type in `field:term` where one applies.
pub(crate) mod names {
    pub(crate) const ID: &str = "id";
    pub(crate) const PATH: &str = "path";
    pub(crate) const TITLE: &str = "title";
    pub(crate) const BODY: &str = "body";
    pub(crate) const TAG: &str = "tag";
    pub(crate) const SECTION: &str = "section";
    pub(crate) const DATE: &str = "date";
    pub(crate) const VIEWS: &str = "views";
    pub(crate) const SOURCES: &str = "sources";
    pub(crate) const URL: &str = "url";
    pub(crate) const FILE_SIZE: &str = "file_size";
    pub(crate) const FILE_MTIME: &str = "file_mtime";
    pub(crate) const FILE_HASH: &str = "file_hash";
    pub(crate) const SIMHASH: &str = "simhash";
    pub(crate) const CONTENT_HASH: &str = "content_hash";
}

pub(crate) fn build_schema() -> Schema {
    let mut b = Schema::builder();
    let text = |stored: bool| {
        let indexing = TextFieldIndexing::default()
            .set_tokenizer(TEXT_TOKENIZER)
            .set_index_option(IndexRecordOption::WithFreqsAndPositions);
        let options = TextOptions::default().set_indexing_options(indexing);
        if stored { options.set_stored() } else { options }
    };
    let keyword = TextOptions::default()
        .set_indexing_options(
            TextFieldIndexing::default()
                .set_tokenizer(KEYWORD_TOKENIZER)
                .set_index_option(IndexRecordOption::Basic)
                .set_fieldnorms(false),
        )
        // Counted for facets in the spelling articles use; filters use the lowercase terms.
        .set_fast("raw")
        .set_stored();
    b.add_text_field(names::ID, STRING | STORED);
    b.add_text_field(names::PATH, (STRING | STORED).set_fast("raw"));
    b.add_text_field(names::TITLE, text(true));
    b.add_text_field(names::BODY, text(true));
    b.add_text_field(names::TAG, keyword.clone());
    b.add_text_field(names::SECTION, keyword);
    b.add_date_field(
        names::DATE,
        DateOptions::default()
            .set_indexed()
            .set_fast()
            .set_stored()
            .set_precision(DateTimePrecision::Seconds),
    );
    b.add_u64_field(names::VIEWS, INDEXED | FAST | STORED);
    b.add_text_field(names::SOURCES, text(true));
    b.add_text_field(names::URL, STORED);
    b.add_u64_field(names::FILE_SIZE, FAST | STORED);
    b.add_i64_field(names::FILE_MTIME, FAST | STORED);
    b.add_u64_field(names::FILE_HASH, FAST | STORED);
    b.add_u64_field(names::SIMHASH, FAST);
    // Indexed so that a record gone from a big export can be deleted by it.
    b.add_u64_field(names::CONTENT_HASH, INDEXED | FAST);
    b.build()
}

/// Storage settings. Hits need their whole article (for snippets), so the document store is
/// read on every search: small blocks keep each fetch to about one article's worth of
/// decompression instead of several.
pub(crate) fn index_settings() -> tantivy::IndexSettings {
    tantivy::IndexSettings { docstore_blocksize: DOCSTORE_BLOCK_BYTES, ..tantivy::IndexSettings::default() }
}

const DOCSTORE_BLOCK_BYTES: usize = 4096;

/// The analyzers every index needs, registered on open and create.
pub(crate) fn register_analyzers(manager: &TokenizerManager, stemming: Stemming) {
    manager.register(TEXT_TOKENIZER, text_analyzer(stemming));
    manager.register(KEYWORD_TOKENIZER, keyword_analyzer());
}

pub(crate) fn keyword_analyzer() -> TextAnalyzer {
    TextAnalyzer::builder(RawTokenizer::default()).filter(LowerCaser).build()
}

/// Where an article's file stood when it was indexed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub(crate) struct FileStamp {
    pub(crate) size: u64,
    pub(crate) mtime: i64,
    pub(crate) hash: u64,
}

impl Fields {
    pub(crate) fn resolve(schema: &Schema) -> tantivy::Result<Fields> {
        let f = |name: &str| schema.get_field(name);
        Ok(Fields {
            id: f(names::ID)?,
            path: f(names::PATH)?,
            title: f(names::TITLE)?,
            body: f(names::BODY)?,
            tag: f(names::TAG)?,
            section: f(names::SECTION)?,
            date: f(names::DATE)?,
            views: f(names::VIEWS)?,
            sources: f(names::SOURCES)?,
            url: f(names::URL)?,
            file_size: f(names::FILE_SIZE)?,
            file_mtime: f(names::FILE_MTIME)?,
            file_hash: f(names::FILE_HASH)?,
            simhash: f(names::SIMHASH)?,
            content_hash: f(names::CONTENT_HASH)?,
        })
    }

    pub(crate) fn id_term(&self, id: &str) -> Term {
        Term::from_field_text(self.id, id)
    }

    pub(crate) fn path_term(&self, path: &str) -> Term {
        Term::from_field_text(self.path, path)
    }

    /// The term a keyword field (tag, section) holds for `value`.
    pub(crate) fn keyword_term(&self, field: Field, value: &str) -> Term {
        Term::from_field_text(field, &Tag::normalize(value))
    }

    pub(crate) fn document(&self, a: &Article, stamp: FileStamp) -> TantivyDocument {
        let mut doc = TantivyDocument::default();
        doc.add_text(self.id, a.id.as_str());
        // No path term for an article that did not come from a file: looking a file up by an
        // empty path must not find every such article.
        if !a.path.as_os_str().is_empty() {
            doc.add_text(self.path, a.path.to_string_lossy());
        }
        doc.add_text(self.title, &a.title);
        doc.add_text(self.body, &a.body);
        // The title is also body text: body scores then rank like one flat document (what
        // judged collections reward), and the title field adds its boost on top. The stored
        // body is the first value only.
        doc.add_text(self.body, &a.title);
        for tag in &a.tags {
            doc.add_text(self.tag, tag.as_str());
            // Tags are searchable as words through the body: one field fewer for every word
            // of every query to look up. The stored body is the first value only.
            doc.add_text(self.body, tag.as_str());
        }
        if let Some(section) = &a.section {
            doc.add_text(self.section, section);
        }
        if let Some(date) = a.date {
            doc.add_date(self.date, to_tantivy_date(date));
        }
        if let Some(views) = a.views {
            doc.add_u64(self.views, views);
        }
        for source in &a.sources {
            doc.add_text(self.sources, source);
        }
        if let Some(url) = &a.url {
            doc.add_text(self.url, url);
        }
        doc.add_u64(self.file_size, stamp.size);
        doc.add_i64(self.file_mtime, stamp.mtime);
        doc.add_u64(self.file_hash, stamp.hash);
        doc.add_u64(self.simhash, crate::near_dup::simhash(&a.title, &a.body));
        doc.add_u64(self.content_hash, content_hash(a));
        doc
    }

    pub(crate) fn content_hash_term(&self, hash: u64) -> Term {
        Term::from_field_u64(self.content_hash, hash)
    }

    pub(crate) fn article(&self, doc: &TantivyDocument) -> Article {
        let text = |field: Field| doc.get_first(field).and_then(|v| v.as_str().map(str::to_owned));
        let all = |field: Field| doc.get_all(field).filter_map(|v| v.as_str().map(str::to_owned));
        Article {
            id: ArticleId::new(text(self.id).unwrap_or_default()),
            path: PathBuf::from(text(self.path).unwrap_or_default()),
            title: text(self.title).unwrap_or_default(),
            body: text(self.body).unwrap_or_default(),
            section: text(self.section),
            date: doc.get_first(self.date).and_then(|v| v.as_datetime()).and_then(from_tantivy_date),
            views: doc.get_first(self.views).and_then(|v| v.as_u64()),
            tags: all(self.tag).map(|t| Tag::new(&t)).collect(),
            sources: all(self.sources).collect(),
            url: text(self.url),
        }
    }
}

/// Saturates at the ends of what the engine holds instead of wrapping around; callers refuse
/// dates outside [`crate::storable_dates`] before they get here.
pub(crate) fn to_tantivy_date(date: DateTime<Utc>) -> tantivy::DateTime {
    let range = crate::article::STORABLE_SECONDS;
    tantivy::DateTime::from_timestamp_secs(date.timestamp().clamp(*range.start(), *range.end()))
}

pub(crate) fn from_tantivy_date(date: tantivy::DateTime) -> Option<DateTime<Utc>> {
    DateTime::from_timestamp(date.into_timestamp_secs(), 0)
}

/// A hash of everything an article holds (its id and path included): two articles with the
/// same hash are the same article, but for a 2^-64 chance. Each value is length-prefixed
/// and each optional one marked present or absent, so no two articles hash the same bytes.
pub(crate) fn content_hash(a: &Article) -> u64 {
    fn put(h: &mut Xxh3, b: &[u8]) {
        h.update(&(b.len() as u64).to_le_bytes());
        h.update(b);
    }
    fn put_optional(h: &mut Xxh3, o: Option<&[u8]>) {
        match o {
            None => h.update(&[0]),
            Some(b) => {
                h.update(&[1]);
                put(h, b);
            }
        }
    }
    let mut h = Xxh3::new();
    put(&mut h, a.id.as_str().as_bytes());
    put(&mut h, a.path.as_os_str().as_encoded_bytes());
    put(&mut h, a.title.as_bytes());
    put(&mut h, a.body.as_bytes());
    put_optional(&mut h, a.section.as_deref().map(str::as_bytes));
    put_optional(&mut h, a.url.as_deref().map(str::as_bytes));
    let date = a.date.map(|d| d.timestamp_nanos_opt().unwrap_or_else(|| d.timestamp()).to_le_bytes());
    put_optional(&mut h, date.as_ref().map(|d| &d[..]));
    put_optional(&mut h, a.views.map(u64::to_le_bytes).as_ref().map(|v| &v[..]));
    h.update(&(a.tags.len() as u64).to_le_bytes());
    for tag in &a.tags {
        put(&mut h, tag.as_str().as_bytes());
    }
    h.update(&(a.sources.len() as u64).to_le_bytes());
    for source in &a.sources {
        put(&mut h, source.as_bytes());
    }
    h.digest()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn documents_round_trip_to_articles() {
        let schema = build_schema();
        let fields = Fields::resolve(&schema).unwrap();
        let mut a = Article::new("2025/a.txt", "/x/2025/a.txt", "Title");
        a.body = "Body.".into();
        a.section = Some("Ukraine".into());
        a.date = Some("2025-02-21T08:37:00Z".parse().unwrap());
        a.views = Some(7);
        a.tags = vec![Tag::new("European Union"), Tag::new("G20")];
        a.sources = vec!["Reuters".into()];
        a.url = Some("https://example.org/a".into());
        let doc = fields.document(&a, FileStamp::default());
        assert_eq!(fields.article(&doc), a);
    }

    #[test]
    fn keyword_terms_are_normalized() {
        let fields = Fields::resolve(&build_schema()).unwrap();
        let term = fields.keyword_term(fields.tag, "  European   UNION ");
        assert_eq!(term.value().as_str(), Some("european union"));
    }

    #[test]
    fn content_hash_changes_with_every_field() {
        let base = Article::new("a", "x.jsonl", "Title");
        let hash = content_hash(&base);
        assert_eq!(hash, content_hash(&base.clone()));
        type Change = Box<dyn Fn(&mut Article)>;
        let variants: Vec<Change> = vec![
            Box::new(|a| a.id = ArticleId::new("b")),
            Box::new(|a| a.path = "y.jsonl".into()),
            Box::new(|a| a.title.push('!')),
            Box::new(|a| a.body = "Body".into()),
            Box::new(|a| a.section = Some(String::new())),
            Box::new(|a| a.url = Some("u".into())),
            Box::new(|a| a.date = Some(chrono::DateTime::UNIX_EPOCH)),
            Box::new(|a| a.views = Some(0)),
            Box::new(|a| a.tags = vec![Tag::new("t")]),
            Box::new(|a| a.sources = vec![String::new()]),
            // The same characters split between fields differently.
            Box::new(|a| {
                a.title = "Tit".into();
                a.body = "le".into();
            }),
        ];
        let mut seen = std::collections::HashSet::from([hash]);
        for (i, change) in variants.iter().enumerate() {
            let mut a = base.clone();
            change(&mut a);
            assert!(seen.insert(content_hash(&a)), "variant {i} hashes like another");
        }
    }
}
