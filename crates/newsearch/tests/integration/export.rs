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
    writer.delete(&ArticleId::new("c"));
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
    writer.delete(&first.id);
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
