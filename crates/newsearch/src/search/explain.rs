//! Why a hit scored what it did: the text score split by field and word, and the
//! recency and popularity multipliers.

use tantivy::query::{EnableScoring, Query as EngineQuery, Scorer, Weight};
use tantivy::{DocAddress, DocId, DocSet, Searcher, SegmentReader};

/// A hit's score, taken apart (see [`Query::explain`](crate::Query::explain)).
///
/// `score = text_score × recency × popularity`, and `text_score` is the sum of the parts'
/// scores: each part is one word, phrase, prefix or tag of the query in one field, scored by
/// BM25 (`idf × (k1 + 1) × tf / (tf + k1 × (1 − b + b × length / average length))`, k1 = 1.2,
/// b = 0.75) times its boost.
///
/// ```
/// use newsearch::{Article, Index, IndexOptions, Query};
///
/// # fn main() -> Result<(), newsearch::Error> {
/// let index = Index::in_memory(&IndexOptions::new())?;
/// let mut writer = index.writer()?;
/// let mut a = Article::new("a", "a", "Kellogg in Kyiv");
/// a.body = "Keith Kellogg met officials in Kyiv.".into();
/// writer.add(&a)?;
/// writer.commit()?;
///
/// let hit = &index.search(&Query::new("kellogg").explain(true))?.hits[0];
/// let e = hit.explanation.as_ref().expect("asked for");
/// let fields: Vec<&str> = e.parts.iter().map(|p| p.field.as_str()).collect();
/// assert!(fields.contains(&"title") && fields.contains(&"body"));
/// assert!((e.score - hit.score.unwrap()).abs() < 1e-4);
/// # Ok(())
/// # }
/// ```
#[derive(Debug, Clone, PartialEq, Default, serde::Serialize)]
pub struct Explanation {
    /// The final score.
    pub score: f32,
    /// The relevance part: the sum of `parts`.
    pub text_score: f32,
    /// What each matching part of the query added, largest first.
    pub parts: Vec<ScorePart>,
    /// The recency multiplier, when the query asked for one.
    pub recency: Option<f32>,
    /// The popularity multiplier, when the query asked for one.
    pub popularity: Option<f32>,
}

/// What one word, phrase or tag of a query added to a hit's score in one field.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct ScorePart {
    /// The field: `title`, `body` (the article text, which includes the title and tags as
    /// words), `sources`, `tag` or `section`.
    pub field: String,
    /// What was looked for, as indexed: a stemmed word (`kellogg`), a phrase in quotes, a
    /// prefix with `*`, or a word with `~` when typos were allowed.
    pub text: String,
    /// The weight this part carries (the title boost for title parts).
    pub boost: f32,
    /// Its contribution to the text score (boost included).
    pub score: f32,
    /// The BM25 inputs where they apply: `freq` (occurrences in the field), `idf`, `dl`
    /// (the field's length in words, as stored: lengths are rounded) and `avgdl`. Serialized
    /// as an object (`{"freq": 1.0, "idf": …}`).
    #[serde(serialize_with = "pairs_as_map")]
    pub inputs: Vec<(String, f32)>,
}

/// `{"name": value, …}`, in order.
fn pairs_as_map<S: serde::Serializer>(pairs: &[(String, f32)], s: S) -> Result<S::Ok, S::Error> {
    s.collect_map(pairs.iter().map(|(name, value)| (name, value)))
}

/// One scoring part of a built query, kept to explain hits.
pub(crate) struct Leaf {
    pub(crate) field: &'static str,
    pub(crate) text: String,
    pub(crate) boost: f32,
    pub(crate) query: Box<dyn EngineQuery>,
    /// A plain word (not a phrase, prefix or typo-tolerant word): its BM25 inputs are shown.
    pub(crate) single_term: bool,
    /// Part of one way (the second number) of writing one thing (the first: `United Nations`
    /// as typed or its initials `un`; `J P` joined or apart): of a group's ways, only the best
    /// one counts.
    pub(crate) way: Option<(u32, u32)>,
}

/// Takes `address`'s score apart over `leaves`.
pub(crate) fn explain(
    searcher: &Searcher,
    leaves: &[Leaf],
    address: DocAddress,
    recency: Option<f32>,
    popularity: Option<f32>,
) -> tantivy::Result<Explanation> {
    let mut parts = Vec::new();
    let segment = searcher.segment_reader(address.segment_ord);
    for leaf in leaves {
        // The leaf's own scorer, moved to the document (the engine's explain is not used
        // for the score: for phrases it can fail on documents before the first match).
        let weight = leaf.query.weight(EnableScoring::enabled_from_searcher(searcher))?;
        let Some(mut scorer) = scorer_at(weight.as_ref(), segment, address.doc_id)? else { continue };
        let score = scorer.score();
        let inputs = if leaf.single_term {
            leaf.query
                .explain(searcher, address)
                .ok()
                .and_then(|e| serde_json::to_value(&e).ok())
                .map(|v| bm25_inputs(&v))
                .unwrap_or_default()
        } else {
            Vec::new()
        };
        let part = ScorePart {
            field: leaf.field.to_owned(),
            text: leaf.text.clone(),
            boost: leaf.boost,
            score,
            inputs,
        };
        parts.push((part, leaf.way));
    }
    let mut parts = best_ways(parts);
    parts.sort_by(|a, b| b.score.total_cmp(&a.score).then_with(|| a.field.cmp(&b.field)));
    let text_score: f32 = parts.iter().map(|p| p.score).sum();
    let score = text_score * recency.unwrap_or(1.0) * popularity.unwrap_or(1.0);
    Ok(Explanation { score, text_score, parts, recency, popularity })
}

/// `weight`'s scorer in `segment`, moved to `doc` if it matches it. It never seeks backwards:
/// the engine's phrase scorer must not be asked for a document before the one it is on.
pub(crate) fn scorer_at(
    weight: &dyn Weight,
    segment: &SegmentReader,
    doc: DocId,
) -> tantivy::Result<Option<Box<dyn Scorer>>> {
    let mut scorer = weight.scorer(segment, 1.0)?;
    let at = scorer.doc() == doc || (scorer.doc() < doc && scorer.seek(doc) == doc);
    Ok(at.then_some(scorer))
}

/// The parts without those of the ways of writing one thing (each part with the way it belongs
/// to, if any) that are not its best way, as the query scores only the best.
fn best_ways(parts: Vec<(ScorePart, Option<(u32, u32)>)>) -> Vec<ScorePart> {
    let mut totals: Vec<((u32, u32), f32)> = Vec::new();
    for (part, way) in &parts {
        if let Some(way) = *way {
            match totals.iter_mut().find(|(w, _)| *w == way) {
                Some((_, total)) => *total += part.score,
                None => totals.push((way, part.score)),
            }
        }
    }
    let best = |group: u32| {
        totals
            .iter()
            .filter(|((g, _), _)| *g == group)
            .max_by(|a, b| a.1.total_cmp(&b.1).then_with(|| b.0.1.cmp(&a.0.1)))
            .map(|(w, _)| *w)
    };
    parts
        .into_iter()
        .filter(|(_, way)| way.is_none_or(|(group, k)| best(group) == Some((group, k))))
        .map(|(part, _)| part)
        .collect()
}

/// The first `freq`, `idf`, `dl` and `avgdl` values in an engine explanation tree (the
/// engine describes each as `name, what it is` or `name` alone).
fn bm25_inputs(tree: &serde_json::Value) -> Vec<(String, f32)> {
    const WANTED: [&str; 4] = ["freq", "idf", "dl", "avgdl"];
    let mut found: Vec<(String, f32)> = Vec::new();
    let mut stack = vec![tree];
    while let Some(node) = stack.pop() {
        let description = node.get("description").and_then(|d| d.as_str()).unwrap_or_default();
        let name = description.split(',').next().unwrap_or_default().trim();
        let value = node.get("value").and_then(|v| v.as_f64());
        if let (true, false, Some(value)) =
            (WANTED.contains(&name), found.iter().any(|(n, _)| n == name), value)
        {
            found.push((name.to_owned(), value as f32));
        }
        if let Some(details) = node.get("details").and_then(|d| d.as_array()) {
            stack.extend(details.iter().rev());
        }
    }
    found.sort_by_key(|(n, _)| WANTED.iter().position(|w| w == n));
    found
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bm25_inputs_are_read_from_the_first_node_of_each_name_in_a_fixed_order() {
        let tree = serde_json::json!({
            "value": 3.2, "description": "TermQuery, product of...",
            "details": [
                {"value": 2.0, "description": "idf, computed as log(...)", "details": [
                    {"value": 5.0, "description": "n, number of docs containing this term"},
                ]},
                {"value": 0.6, "description": "freq, occurrences of term within document", "details": [
                    {"value": 12.0, "description": "dl, length of field"},
                    {"value": 9.5, "description": "avgdl, average length of field"},
                    {"value": 7.0, "description": "freq, an inner one"},
                ]},
            ]
        });
        assert_eq!(
            bm25_inputs(&tree),
            [
                ("freq".to_owned(), 0.6),
                ("idf".to_owned(), 2.0),
                ("dl".to_owned(), 12.0),
                ("avgdl".to_owned(), 9.5)
            ]
        );
        assert!(bm25_inputs(&serde_json::json!({"value": 1.0, "description": "Const"})).is_empty());
    }

    #[test]
    fn inputs_serialize_as_an_object_in_their_order() {
        let part = ScorePart {
            field: "body".into(),
            text: "kellogg".into(),
            boost: 1.0,
            score: 2.5,
            inputs: vec![("freq".into(), 1.0), ("idf".into(), 2.0)],
        };
        let json = serde_json::to_string(&part).unwrap();
        assert!(json.ends_with(r#""inputs":{"freq":1.0,"idf":2.0}}"#), "{json}");
    }
}
