//! The index a push creates: settings and the mapping of the exported documents.

use serde_json::{Value, json};

/// The body of the request that creates a target index: `shards` primary shards, each with
/// `replicas` copies, and the mapping docs/export.md documents for the exported documents.
///
/// Text fields use the built-in `english` analyzer (stemming like newsearch's default; it
/// also drops English stop words, which newsearch keeps). `tags` and `section` are keywords
/// with a lowercase normalizer, so that a `term` filter on them matches any case, as
/// `newsearch query --tag` does. `"dynamic": "strict"` refuses any document with another key.
///
/// ```
/// let body = newsearch_push::index_body(2, 1);
/// assert_eq!(body["settings"]["number_of_shards"], 2);
/// assert_eq!(body["mappings"]["properties"]["title"]["analyzer"], "english");
/// ```
pub fn index_body(shards: u32, replicas: u32) -> Value {
    let mut body = json!({
        "settings": {
            "number_of_shards": shards,
            "number_of_replicas": replicas,
        }
    });
    let documented = mapping();
    body["settings"]["analysis"] = documented["settings"]["analysis"].clone();
    body["mappings"] = documented["mappings"].clone();
    body
}

/// The documented mapping (without shard counts), as docs/export.md shows it.
pub fn mapping() -> Value {
    json!({
        "settings": {
            "analysis": {
                "normalizer": {
                    "newsearch_lowercase": { "type": "custom", "filter": ["lowercase"] }
                }
            }
        },
        "mappings": {
            "dynamic": "strict",
            "properties": {
                "id": { "type": "keyword" },
                "title": { "type": "text", "analyzer": "english" },
                "body": { "type": "text", "analyzer": "english" },
                "tags": { "type": "keyword", "normalizer": "newsearch_lowercase" },
                "section": { "type": "keyword", "normalizer": "newsearch_lowercase" },
                "date": { "type": "date" },
                "views": { "type": "long" },
                "sources": { "type": "text", "analyzer": "english" },
                "url": { "type": "keyword", "index": false, "doc_values": false },
                "path": { "type": "keyword", "index": false, "doc_values": false }
            }
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The mapping a push creates is the one the export page documents, byte for byte in JSON.
    #[test]
    fn the_documented_mapping_is_the_one_a_push_creates() {
        let page =
            std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/../../docs/export.md")).unwrap();
        let block = page
            .split("```json\n")
            .skip(1)
            .filter_map(|rest| rest.split("```").next())
            .find(|block| block.contains("\"mappings\""))
            .expect("a json block with the mapping in docs/export.md");
        let documented: Value = serde_json::from_str(block).unwrap();
        assert_eq!(documented, mapping());
        let body = index_body(3, 2);
        assert_eq!(
            (body["settings"]["number_of_shards"].as_u64(), body["settings"]["number_of_replicas"].as_u64()),
            (Some(3), Some(2))
        );
        assert_eq!(body["mappings"], documented["mappings"]);
        assert_eq!(body["settings"]["analysis"], documented["settings"]["analysis"]);
    }
}
