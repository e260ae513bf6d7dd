//! Web pages through the binary: `parse`, `--format html`, and `index` then `query`.

use std::fs;

use serde_json::Value;

use crate::{json_lines, newsearch, repo_path};

const FIXTURES: &str = "crates/newsearch/tests/fixtures/html";

/// A temp dir holding `pages/` with copies of the named fixture pages.
fn pages(names: &[&str]) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    fs::create_dir(dir.path().join("pages")).unwrap();
    for name in names {
        fs::copy(repo_path(FIXTURES).join(name), dir.path().join("pages").join(name)).unwrap();
    }
    dir
}

/// `newsearch query --json ARGS` in `dir`: (exit code, ids of the hits).
fn query(dir: &tempfile::TempDir, args: &[&str]) -> (i32, Vec<String>) {
    let out = newsearch().current_dir(dir.path()).args(["query", "--json"]).args(args).output().unwrap();
    let ids = json_lines(&out.stdout).iter().map(|r| r["id"].as_str().unwrap().to_owned()).collect();
    (out.status.code().unwrap(), ids)
}

#[test]
fn parse_json_on_the_fixture_pages_gives_their_titles() {
    let out = newsearch().args(["parse", "--json"]).arg(repo_path(FIXTURES)).assert().success();
    let rows = json_lines(&out.get_output().stdout);
    let titles: Vec<(&str, &str)> =
        rows.iter().map(|r| (r["id"].as_str().unwrap(), r["title"].as_str().unwrap())).collect();
    assert_eq!(
        titles,
        [
            ("bare.html", "Village Choir Wins Regional Folk Song Contest"),
            ("chrome-heavy.html", "Ferry Service to Thassos Resumes After Storm Repairs"),
            ("jsonld.html", "Plovdiv Opens Airport Tram Line Two Months Early"),
            ("opengraph.html", "Lake Survey Finds Rare Freshwater Sponge Near Ohrid"),
            ("seed-site.html", "Sofia Metro Extends Night Service on Weekends"),
            ("windows-1251.html", "В Новосибирске открылся первый зимний книжный рынок"),
        ]
    );
    let jsonld = &rows[2];
    assert_eq!(jsonld["date"], "2025-03-11T07:20:00Z");
    assert_eq!(jsonld["section"], "Transport");
    assert_eq!(jsonld["tags"], serde_json::json!(["Plovdiv", "Public transport", "Bulgaria"]));
    assert_eq!(rows[4]["views"], 1523);
    let stderr = String::from_utf8(out.get_output().stderr.clone()).unwrap();
    assert_eq!(stderr, "newsearch: parsed 6 articles from 6 files\n", "no warning, no error");
}

#[test]
fn format_html_forces_a_page_with_another_extension() {
    let dir = tempfile::tempdir().unwrap();
    let html = fs::read(repo_path(FIXTURES).join("bare.html")).unwrap();
    let php = dir.path().join("story.php");
    let txt = dir.path().join("story.txt");
    fs::write(&php, &html).unwrap();
    fs::write(&txt, &html).unwrap();

    let out = newsearch().arg("parse").arg(&php).assert().code(2);
    assert!(String::from_utf8_lossy(&out.get_output().stderr).contains("unknown article format"));
    // Read by its extension, the .txt copy's first line of markup is its title.
    let out = newsearch().args(["parse", "--json"]).arg(&txt).assert().success();
    assert_eq!(json_lines(&out.get_output().stdout)[0]["title"], "<html>");

    for page in [&php, &txt] {
        let out = newsearch().args(["parse", "--json", "--format", "html"]).arg(page).assert().success();
        let rows = json_lines(&out.get_output().stdout);
        assert_eq!(rows.len(), 1);
        assert_eq!(rows[0]["title"], "Village Choir Wins Regional Folk Song Contest", "{}", page.display());
        let body = rows[0]["body"].as_str().unwrap();
        assert!(body.starts_with("A choir of twelve singers") && !body.contains('<'), "{body}");
    }
}

#[test]
fn indexed_pages_are_found_by_words_of_their_body_and_not_of_their_chrome() {
    let dir = pages(&["jsonld.html", "chrome-heavy.html", "windows-1251.html"]);
    // `.htm` is a web page too.
    fs::rename(dir.path().join("pages/chrome-heavy.html"), dir.path().join("pages/ferry.htm")).unwrap();
    let out = newsearch().current_dir(dir.path()).args(["index", "pages"]).assert().success();
    let stderr = String::from_utf8(out.get_output().stderr.clone()).unwrap();
    assert!(stderr.contains("3 added"), "{stderr}");
    assert!(!stderr.contains("warning"), "{stderr}");

    assert_eq!(query(&dir, &["Frankfurt"]), (0, vec!["jsonld.html".to_owned()]));
    assert_eq!(query(&dir, &["loading ramp"]), (0, vec!["ferry.htm".to_owned()]));
    assert_eq!(query(&dir, &["театра"]), (0, vec!["windows-1251.html".to_owned()]));
    assert_eq!(query(&dir, &["--tag", "Public transport"]), (0, vec!["jsonld.html".to_owned()]));
    assert_eq!(query(&dir, &["--section", "Greece"]), (0, vec!["ferry.htm".to_owned()]));
    // Words only the site around the articles holds: menus, share bars, comments, footers.
    for chrome in ["newsletter", "Subscribe", "cookies", "island_grandma", "Главная"] {
        assert_eq!(query(&dir, &[chrome]), (1, vec![]), "{chrome}");
    }

    let out = newsearch().current_dir(dir.path()).args(["show", "--json", "jsonld.html"]).assert().success();
    let shown: Value = serde_json::from_slice(&out.get_output().stdout).unwrap();
    assert_eq!(shown["url"], "https://courier.example/transport/2025/03/plovdiv-airport-tram");
    assert_eq!(shown["date"], "2025-03-11T07:20:00Z");
}

#[test]
fn a_page_without_article_text_is_reported_and_the_others_indexed() {
    let dir = pages(&["bare.html", "opengraph.html"]);
    let menu = "<html><head><title>Sections | Courier</title></head><body><nav><ul>\
        <li><a href=\"/news\">News</a></li><li><a href=\"/sport\">Sport</a></li>\
        <li><a href=\"/weather\">Weather</a></li></ul></nav></body></html>";
    fs::write(dir.path().join("pages/menu.html"), menu).unwrap();

    let out = newsearch().current_dir(dir.path()).args(["index", "pages"]).assert().code(2);
    let stderr = String::from_utf8(out.get_output().stderr.clone()).unwrap();
    // `index` names the file under the root as it resolved it.
    let menu = dir.path().canonicalize().unwrap().join("pages/menu.html");
    let line = format!("newsearch: {}: no article text found in the page\n", menu.display());
    assert_eq!(stderr.matches(&line).count(), 1, "{stderr}");
    assert!(stderr.contains("2 added"), "{stderr}");

    assert_eq!(query(&dir, &["harvest songs"]), (0, vec!["bare.html".to_owned()]));
    assert_eq!(query(&dir, &["sponge"]), (0, vec!["opengraph.html".to_owned()]));
    let out = newsearch().current_dir(dir.path()).args(["stats", "--json"]).assert().success();
    assert_eq!(json_lines(&out.get_output().stdout)[0]["articles"], 2);

    // `parse` reports it the same way.
    let out = newsearch().current_dir(dir.path()).args(["parse", "--json", "pages"]).assert().code(2);
    assert_eq!(json_lines(&out.get_output().stdout).len(), 2);
    let stderr = String::from_utf8(out.get_output().stderr.clone()).unwrap();
    assert!(
        stderr.starts_with("newsearch: pages/menu.html: no article text found in the page\n"),
        "{stderr}"
    );
}
