//! `Index::articles`: every stored article, once, from one commit.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use newsearch::{Article, ArticleId, Index, IndexOptions, ParseOptions, UpdateOptions, WalkOptions};

use crate::article;

fn ids(index: &Index) -> Vec<String> {
    index.articles().unwrap().map(|a| a.unwrap().id.to_string()).collect()
}

#[test]
fn every_stored_article_comes_out_once_as_parsed_and_as_get_returns_it() {
    let tmp = tempfile::tempdir().unwrap();
    let roots: Vec<PathBuf> =
        [Path::new(env!("CARGO_MANIFEST_DIR")).join("../../examples/articles"), crate::fixture("")]
            .iter()
            .map(|p| p.canonicalize().unwrap())
            .collect();
    let index = Index::open_or_create(tmp.path().join("idx"), &IndexOptions::new()).unwrap();
    // The bad fixtures fail; everything readable is indexed.
    index.update(&roots, &UpdateOptions::new(), &mut |_| {}).unwrap();

    let found = newsearch::walk(&roots, &WalkOptions::new());
    let mut expected: BTreeMap<String, Article> = BTreeMap::new();
    for (_, parsed) in newsearch::parse_files(&found.files, &ParseOptions::new()) {
        for a in parsed.map(|p| p.articles).unwrap_or_default() {
            assert!(expected.insert(a.id.to_string(), a).is_none(), "fixture ids are unique");
        }
    }
    assert!(expected.len() >= 10);

    let articles = index.articles().unwrap();
    assert_eq!(articles.len(), expected.len());
    let mut exported: BTreeMap<String, Article> = BTreeMap::new();
    for a in articles {
        let a = a.unwrap();
        assert_eq!(index.get(&a.id).unwrap().as_ref(), Some(&a));
        let id = a.id.to_string();
        assert!(exported.insert(id.clone(), a).is_none(), "{id} came out twice");
    }
    assert_eq!(exported, expected);
}

#[test]
fn replaced_and_deleted_articles_are_skipped_and_the_order_is_stable() {
    let index = Index::in_memory(&IndexOptions::new()).unwrap();
    let mut writer = index.writer().unwrap();
    for id in ["a", "b", "c", "d"] {
        writer.add(&article(id, &format!("First {id}"), "text", &[])).unwrap();
    }
    writer.commit().unwrap();
    // A second segment that replaces one article of the first and deletes another.
    writer.add(&article("b", "Second b", "text", &[])).unwrap();
    assert!(writer.delete(&ArticleId::new("c")).unwrap());
    writer.add(&article("e", "First e", "text", &[])).unwrap();
    writer.commit().unwrap();
    drop(writer);

    let titles: BTreeMap<String, String> =
        index.articles().unwrap().map(|a| a.unwrap()).map(|a| (a.id.to_string(), a.title)).collect();
    let expected = [("a", "First a"), ("b", "Second b"), ("d", "First d"), ("e", "First e")];
    assert_eq!(titles, expected.iter().map(|(i, t)| (i.to_string(), t.to_string())).collect());
    assert_eq!(index.articles().unwrap().len(), 4);
    assert_eq!(ids(&index), ids(&index), "same commit, same order");
}

#[test]
fn a_commit_during_an_export_is_not_seen_by_it() {
    let index = Index::in_memory(&IndexOptions::new()).unwrap();
    let mut writer = index.writer().unwrap();
    writer.add(&article("a", "A", "text", &[])).unwrap();
    writer.add(&article("b", "B", "text", &[])).unwrap();
    writer.commit().unwrap();

    let mut articles = index.articles().unwrap();
    let first = articles.next().unwrap().unwrap();
    assert!(writer.delete(&first.id).unwrap());
    writer.add(&article("c", "C", "text", &[])).unwrap();
    writer.commit().unwrap();
    let rest: Vec<String> = articles.map(|a| a.unwrap().id.to_string()).collect();
    assert_eq!(rest.len(), 1);
    assert!(rest[0] != first.id.as_str() && rest[0] != "c", "{rest:?}");

    let mut after: Vec<String> = ids(&index);
    after.sort();
    let mut expected = vec![rest[0].clone(), "c".to_owned()];
    expected.sort();
    assert_eq!(after, expected, "a new export sees the commit");
}

#[test]
fn an_empty_index_has_no_articles() {
    let index = Index::in_memory(&IndexOptions::new()).unwrap();
    let mut articles = index.articles().unwrap();
    assert_eq!(articles.len(), 0);
    assert!(articles.next().is_none());
}

/// The first fenced block of `lang` in docs/export.md (the export page the README links to) that
/// contains `marker`.
fn doc_block(lang: &str, marker: &str) -> String {
    let page =
        std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("../../docs/export.md")).unwrap();
    let fence = format!("```{lang}\n");
    page.split(&fence)
        .skip(1)
        .map(|rest| rest.split("```").next().unwrap_or_default())
        .find(|block| block.contains(marker))
        .unwrap_or_else(|| panic!("no {lang} block with {marker} in docs/export.md"))
        .to_owned()
}

/// A document with every key, as the exporter writes it.
fn full_document() -> serde_json::Map<String, serde_json::Value> {
    let mut a = article("2025/02/kyiv.txt", "Kellogg in Kyiv", "Body.", &["Ukraine", "US"]);
    a.section = Some("Ukraine".into());
    a.date = Some("2025-02-21T08:37:00Z".parse().unwrap());
    a.views = Some(1523);
    a.sources = vec!["Reuters".into()];
    a.url = Some("https://example.org/kyiv".into());
    let mut out = Vec::new();
    newsearch::Exporter::new(newsearch::ExportFormat::Ndjson).write(&mut out, &a).unwrap();
    match serde_json::from_slice(&out).unwrap() {
        serde_json::Value::Object(doc) => doc,
        other => panic!("{other}"),
    }
}

#[test]
fn the_readme_mapping_and_quickwit_config_fit_the_exported_documents() {
    let doc = full_document();
    let keys: Vec<&String> = doc.keys().collect();

    let mapping: serde_json::Value = serde_json::from_str(&doc_block("json", "\"mappings\"")).unwrap();
    assert_eq!(mapping["mappings"]["dynamic"], "strict");
    let properties = mapping["mappings"]["properties"].as_object().unwrap();
    assert_eq!(properties.keys().collect::<Vec<_>>(), keys, "Elasticsearch fields");
    for (key, value) in &doc {
        let field = &properties[key];
        let kind = field["type"].as_str().unwrap();
        let fits = match value {
            serde_json::Value::Number(_) => kind == "long",
            _ if key == "date" => kind == "date",
            serde_json::Value::String(_) => ["text", "keyword"].contains(&kind),
            serde_json::Value::Array(items) => {
                items.iter().all(|i| i.is_string()) && ["text", "keyword"].contains(&kind)
            }
            _ => false,
        };
        assert!(fits, "{key}: {value} in a {kind} field");
        if ["title", "body", "sources"].contains(&key.as_str()) {
            assert_eq!(field["analyzer"], "english", "{key}");
        }
        if ["url", "path"].contains(&key.as_str()) {
            assert_eq!(field["index"], false, "{key}");
        }
    }

    let config: serde_yaml_ng::Value = serde_yaml_ng::from_str(&doc_block("yaml", "doc_mapping:")).unwrap();
    let doc_mapping = &config["doc_mapping"];
    assert_eq!(doc_mapping["mode"].as_str(), Some("strict"));
    let fields = doc_mapping["field_mappings"].as_sequence().unwrap();
    let names: Vec<&str> = fields.iter().map(|f| f["name"].as_str().unwrap()).collect();
    let mut sorted_names = names.clone();
    sorted_names.sort_unstable();
    let mut sorted_keys: Vec<&str> = keys.iter().map(|k| k.as_str()).collect();
    sorted_keys.sort_unstable();
    assert_eq!(sorted_names, sorted_keys, "Quickwit fields");
    for field in fields {
        let name = field["name"].as_str().unwrap();
        let kind = field["type"].as_str().unwrap();
        let value = &doc[name];
        let (is_array, inner) = match kind.strip_prefix("array<").and_then(|k| k.strip_suffix('>')) {
            Some(inner) => (true, inner),
            None => (false, kind),
        };
        assert_eq!(is_array, value.is_array(), "{name}");
        let fits = match inner {
            "u64" => value.is_u64(),
            "datetime" => value.as_str().is_some_and(|d| chrono::DateTime::parse_from_rfc3339(d).is_ok()),
            "text" => value.is_string() || value.as_array().is_some_and(|a| a.iter().all(|i| i.is_string())),
            _ => false,
        };
        assert!(fits, "{name}: {value} in a {kind} field");
        if ["title", "body", "sources"].contains(&name) {
            assert_eq!(field["record"].as_str(), Some("position"), "{name}");
        }
    }
    let timestamp = doc_mapping["timestamp_field"].as_str().unwrap();
    let timestamp_field = fields.iter().find(|f| f["name"].as_str() == Some(timestamp)).unwrap();
    assert_eq!(timestamp_field["type"].as_str(), Some("datetime"));
    assert_eq!(timestamp_field["fast"].as_bool(), Some(true));
}

/// What a sink that holds an earlier copy needs: fingerprints that change exactly when an
/// article does, the changed articles alone, and whether an id is still in the archive.
#[test]
fn fingerprints_tell_what_changed_since_a_known_state() {
    let index = Index::in_memory(&IndexOptions::new()).unwrap();
    let mut writer = index.writer().unwrap();
    for id in ["a", "b", "c", "d"] {
        writer.add(&article(id, &format!("First {id}"), "text", &[])).unwrap();
    }
    writer.commit().unwrap();
    let known: BTreeMap<String, u64> = index
        .articles()
        .unwrap()
        .fingerprinted()
        .unwrap()
        .map(|a| a.map(|(f, a)| (a.id.to_string(), f)))
        .collect::<Result<_, _>>()
        .unwrap();
    assert_eq!(known.len(), 4);
    let mut distinct: Vec<u64> = known.values().copied().collect();
    distinct.dedup();
    assert_eq!(distinct.len(), 4);

    // b edited, c removed, e added; a re-added exactly as it was; d untouched.
    writer.add(&article("b", "Second b", "text", &[])).unwrap();
    writer.delete(&ArticleId::new("c")).unwrap();
    writer.add(&article("e", "First e", "text", &[])).unwrap();
    writer.add(&article("a", "First a", "text", &[])).unwrap();
    writer.commit().unwrap();

    let articles = index.articles().unwrap();
    let mut live = articles.fingerprints().unwrap();
    live.sort_unstable();
    assert_eq!(live.len(), 4);
    assert!(live.binary_search(&known["a"]).is_ok(), "an identical article keeps its fingerprint");
    assert!(live.binary_search(&known["d"]).is_ok());
    assert!(live.binary_search(&known["b"]).is_err(), "an edit changes it");
    assert!(
        articles.contains("b").unwrap()
            && !articles.contains("c").unwrap()
            && articles.contains("e").unwrap()
    );
    assert!(!articles.contains("zz").unwrap());

    let recorded: Vec<u64> = known.values().copied().collect();
    let changed = articles.only(|f| !recorded.contains(&f)).unwrap();
    assert_eq!(changed.len(), 2);
    let mut ids: Vec<String> = changed.map(|a| a.unwrap().id.to_string()).collect();
    ids.sort();
    assert_eq!(ids, ["b", "e"]);
}
