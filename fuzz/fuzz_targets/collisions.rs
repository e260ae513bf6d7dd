//! Folders whose files share ids, indexed in any order: the index holds one article per id,
//! the one from the first path in sorted order (and the first record within a file), a
//! re-run with nothing changed changes nothing, and deleting a file hands its ids on.
#![no_main]

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use libfuzzer_sys::fuzz_target;
use newsearch::{Index, IndexOptions, Query, UpdateOptions, WriterOptions};

const NAMES: [&str; 4] = ["x.jsonl", "y.jsonl", "s/x.jsonl", "story.txt"];

/// A file to write: (root 0 or 1, name, records as (id or none, title)).
type Spec = (usize, &'static str, Vec<(Option<String>, String)>);

fn specs(data: &[u8]) -> Vec<Spec> {
    let mut files: BTreeMap<(usize, &'static str), Vec<(Option<String>, String)>> = BTreeMap::new();
    for (i, chunk) in data.chunks(2).take(12).enumerate() {
        let (a, b) = (chunk[0], chunk.get(1).copied().unwrap_or(0));
        let root = usize::from(a & 1);
        let name = NAMES[usize::from(a >> 1) % NAMES.len()];
        let records = files.entry((root, name)).or_default();
        // A .txt file holds one article, whose id is its path in the root.
        if name.ends_with(".txt") {
            if records.is_empty() {
                records.push((None, format!("t{i}")));
            }
        } else {
            records.push((Some(format!("n{}", b % 4)), format!("t{i}")));
        }
    }
    files.into_iter().map(|((root, name), records)| (root, name, records)).collect()
}

/// What the index must hold: id → title of the first path (component order), first record.
fn expected(roots: &[PathBuf; 2], files: &[Spec]) -> BTreeMap<String, String> {
    let mut claims: Vec<(PathBuf, usize, String, String)> = Vec::new();
    for (root, name, records) in files {
        let path = roots[*root].join(name);
        for (n, (id, title)) in records.iter().enumerate() {
            let id = id.clone().unwrap_or_else(|| (*name).to_owned());
            claims.push((path.clone(), n, id, title.clone()));
        }
    }
    claims.sort_by(|a, b| (a.0.as_path(), a.1).cmp(&(b.0.as_path(), b.1)));
    let mut out = BTreeMap::new();
    for (_, _, id, title) in claims {
        out.entry(id).or_insert(title);
    }
    out
}

fn contents(index: &Index) -> BTreeMap<String, String> {
    let hits = index.search(&Query::all().limit(1000)).expect("search").hits;
    let mut out = BTreeMap::new();
    for h in hits {
        let previous = out.insert(h.article.id.as_str().to_owned(), h.article.title);
        assert!(previous.is_none(), "id {} twice", h.article.id.as_str());
    }
    out
}

fn write(roots: &[PathBuf; 2], (root, name, records): &Spec) {
    let path = roots[*root].join(name);
    std::fs::create_dir_all(path.parent().expect("parent")).expect("mkdir");
    let text: String = if name.ends_with(".txt") {
        format!("{}\n\nBody.", records[0].1)
    } else {
        records
            .iter()
            .map(|(id, title)| format!("{{\"id\": \"{}\", \"title\": \"{title}\"}}\n", id.as_deref().unwrap_or("")))
            .collect()
    };
    std::fs::write(path, text).expect("write");
}

fuzz_target!(|data: &[u8]| {
    if data.is_empty() {
        return;
    }
    let files = specs(&data[1..]);
    let base = if Path::new("/dev/shm").is_dir() { Path::new("/dev/shm") } else { Path::new(".") };
    let tmp = tempfile::tempdir_in(base).expect("tempdir");
    let roots = [tmp.path().join("a"), tmp.path().join("b")];
    for r in &roots {
        std::fs::create_dir_all(r).expect("root");
    }
    let roots = [roots[0].canonicalize().expect("a"), roots[1].canonicalize().expect("b")];
    files.iter().for_each(|f| write(&roots, f));

    let index = Index::create(tmp.path().join("idx"), &IndexOptions::new()).expect("index");
    let options = UpdateOptions::new().writer(WriterOptions::new().threads(1).memory_budget(15 << 20));
    let run = |paths: &[&PathBuf]| index.update(paths, &options, &mut |_| {}).expect("update");
    // The order of runs: both roots at once (either order), or one root after the other.
    match data[0] % 4 {
        0 => drop(run(&[&roots[0], &roots[1]])),
        1 => drop(run(&[&roots[1], &roots[0]])),
        2 => {
            run(&[&roots[0]]);
            run(&[&roots[1]]);
        }
        _ => {
            run(&[&roots[1]]);
            run(&[&roots[0]]);
        }
    }
    assert_eq!(contents(&index), expected(&roots, &files), "after indexing {files:?}");

    let again = run(&[]);
    assert_eq!((again.added, again.updated, again.removed, again.articles_indexed), (0, 0, 0, 0), "{again:?}");
    assert_eq!(contents(&index), expected(&roots, &files));

    // Deleting a file hands its ids to the next path in line, in the same run.
    if !files.is_empty() {
        let gone = usize::from(data[0] / 4) % files.len();
        let (root, name, _) = &files[gone];
        std::fs::remove_file(roots[*root].join(name)).expect("remove");
        let rest: Vec<Spec> = files.iter().enumerate().filter(|(i, _)| *i != gone).map(|(_, f)| f.clone()).collect();
        run(&[]);
        assert_eq!(contents(&index), expected(&roots, &rest), "after removing {name} from root {root}");
        let settled = run(&[]);
        assert_eq!((settled.added, settled.updated, settled.removed), (0, 0, 0), "{settled:?}");
    }
});
