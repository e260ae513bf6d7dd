//! `newsearch serve` in a real browser (issue #14): headless Chromium, driven over WebDriver by
//! chromedriver, searches a small archive the way a reader would and the test asserts on the DOM.
//! The element ids and classes it relies on are the server's page contract (see README.md here).
//!
//! It skips, saying why on stderr, where Chromium or chromedriver is not installed (`.ci/run`
//! installs both) or where the `newsearch` binary has no `serve` command. Screenshots of every
//! step, and the server's and driver's logs, are kept in `target/test-artifacts/browser/`.

mod fixture;
mod procs;

use std::cell::{Cell, RefCell};
use std::collections::HashSet;
use std::env;
use std::fs;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use anyhow::{Context, Result, anyhow, bail, ensure};
use fantoccini::actions::{
    InputSource, KeyAction, KeyActions, MOUSE_BUTTON_LEFT, MouseActions, PointerAction,
};
use fantoccini::elements::Element;
use fantoccini::key::Key;
use fantoccini::wd::WebDriverCompatibleCommand;
use fantoccini::{Client, ClientBuilder, Locator};
use hyper_util::client::legacy::connect::HttpConnector;
use serde::Deserialize;
use serde::de::DeserializeOwned;
use serde_json::{Value, json};
use url::Url;

use fixture::{
    HOSTILE_QUERY, HOSTILE_TAG, HOSTILE_TITLE_MARKUP, NARROWING_TAG, NARROWING_TAG_HITS, QUERY, QUERY_HITS,
    TOTAL,
};

/// Bound on the server's start (its `listening on` line) and on chromedriver's.
const START_WAIT: Duration = Duration::from_secs(20);
/// Bound on one awaited page state (a navigation, a re-render).
const STEP_WAIT: Duration = Duration::from_secs(10);
/// Bound on the whole browser session; a healthy run takes a few seconds.
const SESSION_WAIT: Duration = Duration::from_secs(90);
/// Desktop and phone window sizes.
const DESKTOP: (u32, u32) = (1280, 900);
const PHONE: (u32, u32) = (375, 812);

#[test]
fn search_page_in_a_real_browser() {
    let Some(tools) = preflight() else { return };
    let started = Instant::now();
    let artifacts = artifacts_dir();
    let dir = tempfile::tempdir().unwrap();

    let archive = dir.path().join("archive");
    let index = dir.path().join("index");
    fixture::write_archive(&archive);
    let out = Command::new(&tools.newsearch)
        .arg("index")
        .arg("--index")
        .arg(&index)
        .arg(&archive)
        .stdin(Stdio::null())
        .output()
        .unwrap();
    assert!(out.status.success(), "newsearch index failed: {}", String::from_utf8_lossy(&out.stderr));

    let mut server = procs::Server::start(&tools.newsearch, &index, &artifacts, START_WAIT)
        .unwrap_or_else(|e| panic!("{e:#}"));
    let driver =
        procs::Driver::start(&tools.chromedriver, &artifacts, START_WAIT).unwrap_or_else(|e| panic!("{e:#}"));

    let runtime = tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build().unwrap();
    let session = Session {
        driver_url: driver.url.clone(),
        chromium: tools.chromium.clone(),
        profile: dir.path().join("chromium-profile"),
        base: Url::parse(&server.url).unwrap(),
        artifacts: artifacts.clone(),
    };
    let outcome = runtime.block_on(async {
        match tokio::time::timeout(SESSION_WAIT, session.run()).await {
            Ok(outcome) => outcome,
            Err(_) => Err(anyhow!("the browser session took over {SESSION_WAIT:?}")),
        }
    });
    drop(runtime);
    driver.stop();
    let server_exit = server.guard.stop();
    if let Err(e) = outcome {
        panic!(
            "{e:#}\n(screenshots and logs: {})\nserver stderr:\n{}",
            artifacts.display(),
            procs::read_log(&server.stderr_log)
        );
    }
    // The contract: SIGTERM ends the server cleanly, with exit status 0.
    let status = server_exit.expect("the server was running");
    assert!(status.success(), "newsearch serve exited with {status} after SIGTERM");
    let _ = writeln!(
        std::io::stderr(),
        "browser test: passed in {:.1} s; screenshots in {}",
        started.elapsed().as_secs_f64(),
        artifacts.display()
    );
}

/// Paths of what the test runs.
struct Tools {
    newsearch: PathBuf,
    chromium: PathBuf,
    chromedriver: PathBuf,
}

/// The programs the test needs, or `None` after saying on stderr why the test skips. The
/// message is written to stderr directly, so `cargo test` shows it even though the test passes.
fn preflight() -> Option<Tools> {
    let skip = |why: String| {
        let _ = writeln!(std::io::stderr(), "SKIPPED browser test (search_page_in_a_real_browser): {why}");
        None
    };
    let newsearch = assert_cmd::cargo::cargo_bin("newsearch");
    let serve = Command::new(&newsearch)
        .args(["serve", "--help"])
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status();
    if !serve.is_ok_and(|s| s.success()) {
        return skip(format!("{} has no `serve` command", newsearch.display()));
    }
    let Some(chromium) = find_program("chromium") else {
        return skip("`chromium` is not on PATH (Debian: apt-get install chromium chromium-driver)".into());
    };
    let Some(chromedriver) = find_program("chromedriver") else {
        return skip("`chromedriver` is not on PATH (Debian: apt-get install chromium-driver)".into());
    };
    Some(Tools { newsearch, chromium, chromedriver })
}

/// An executable file named `name` in a PATH folder.
fn find_program(name: &str) -> Option<PathBuf> {
    use std::os::unix::fs::PermissionsExt;
    let path = env::var_os("PATH")?;
    env::split_paths(&path)
        .map(|dir| dir.join(name))
        .find(|p| fs::metadata(p).is_ok_and(|m| m.is_file() && m.permissions().mode() & 0o111 != 0))
}

/// `target/test-artifacts/browser/` of this build (next to `target/tmp`), emptied of the
/// previous run's files.
fn artifacts_dir() -> PathBuf {
    let target = Path::new(env!("CARGO_TARGET_TMPDIR")).parent().expect("target/tmp has a parent");
    let dir = target.join("test-artifacts/browser");
    if dir.exists() {
        for entry in fs::read_dir(&dir).unwrap() {
            let path = entry.unwrap().path();
            if path.is_file() {
                fs::remove_file(path).unwrap();
            }
        }
    }
    fs::create_dir_all(&dir).unwrap();
    dir
}

/// What the browser session needs to start.
struct Session {
    driver_url: String,
    chromium: PathBuf,
    profile: PathBuf,
    base: Url,
    artifacts: PathBuf,
}

impl Session {
    /// Opens the browser, walks through the steps, and closes the session whatever happened
    /// (on a failure, after a last screenshot).
    async fn run(self) -> Result<()> {
        let mut caps = serde_json::Map::new();
        caps.insert("browserName".into(), json!("chrome"));
        caps.insert(
            "goog:chromeOptions".into(),
            json!({
                "binary": self.chromium,
                "args": [
                    "--headless=new",
                    "--no-sandbox",
                    "--disable-dev-shm-usage",
                    "--disable-gpu",
                    "--disable-extensions",
                    "--no-first-run",
                    "--disable-background-networking",
                    format!("--window-size={},{}", DESKTOP.0, DESKTOP.1),
                    format!("--user-data-dir={}", self.profile.display()),
                ],
            }),
        );
        caps.insert("goog:loggingPrefs".into(), json!({ "browser": "ALL" }));
        caps.insert("timeouts".into(), json!({ "pageLoad": 15_000, "script": 5_000, "implicit": 0 }));
        // An alert stays open (and fails the next command) instead of being dismissed unseen.
        caps.insert("unhandledPromptBehavior".into(), json!("ignore"));
        let client = ClientBuilder::new(HttpConnector::new())
            .capabilities(caps)
            .connect(&self.driver_url)
            .await
            .context("opening a Chromium session")?;

        let browser = Browser { c: client, base: self.base, shots: self.artifacts, shot_count: Cell::new(0) };
        let outcome = browser.steps().await;
        if outcome.is_err() {
            let _ = tokio::time::timeout(Duration::from_secs(5), browser.shot("failure")).await;
        }
        let closed = tokio::time::timeout(Duration::from_secs(10), browser.c.close()).await;
        outcome?;
        closed.context("closing the session timed out")?.context("closing the session")?;
        Ok(())
    }
}

/// What the test reads of a search page at once (from one script, so it is consistent).
#[derive(Debug, Deserialize, Clone, PartialEq)]
struct SearchPage {
    href: String,
    q: Option<String>,
    count: Option<String>,
    ids: Vec<String>,
    titles: Vec<Option<String>>,
}

impl SearchPage {
    const SCRIPT: &str = "
        const q = document.getElementById('q');
        const count = document.getElementById('count');
        const hits = Array.from(document.querySelectorAll('#results li.hit'));
        return {
            href: location.href,
            q: q ? q.value : null,
            count: count ? count.textContent : null,
            ids: hits.map(li => li.getAttribute('data-id')),
            titles: hits.map(li => {
                const a = li.querySelector('a.hit-title');
                return a ? a.textContent : null;
            }),
        };";

    /// The total `#count` shows (its first number; `1,234` reads as 1234).
    fn total(&self) -> Option<u64> {
        let text = self.count.as_deref()?;
        let start = text.find(|c: char| c.is_ascii_digit())?;
        let digits: String = text[start..]
            .chars()
            .take_while(|c| c.is_ascii_digit() || *c == ',')
            .filter(|c| *c != ',')
            .collect();
        digits.parse().ok()
    }

    fn url(&self) -> Url {
        Url::parse(&self.href).expect("location.href is a URL")
    }

    fn path(&self) -> String {
        self.url().path().to_owned()
    }

    /// Every value of the query parameter `name`.
    fn param(&self, name: &str) -> Vec<String> {
        self.url().query_pairs().filter(|(k, _)| k == name).map(|(_, v)| v.into_owned()).collect()
    }

    fn param1(&self, name: &str) -> Option<String> {
        self.param(name).into_iter().next()
    }

    fn shows(&self, query: &str, total: u64) -> bool {
        self.path() == "/search"
            && self.param1("q").as_deref() == Some(query)
            && self.total() == Some(total)
            && self.ids.len() as u64 == total
    }
}

/// The browser session and the test's steps in it.
struct Browser {
    c: Client,
    base: Url,
    shots: PathBuf,
    shot_count: Cell<u32>,
}

impl Browser {
    async fn steps(&self) -> Result<()> {
        self.home().await?;
        self.slash_focuses_search_box().await?;
        let results = self.type_query().await?;
        self.tag_facet(&results).await?;
        self.sort_control(&results).await?;
        self.timeline_drag(&results).await?;
        let narrowed = self.timeline_bar(&results).await?;
        let article = self.article_and_back(&narrowed).await?;
        self.article_details().await?;
        self.hostile_article().await?;
        self.phone_width(&results.href, &article).await?;
        self.console_is_clean().await
    }

    /// `/`: every article, newest first, and a page a phone can scale.
    async fn home(&self) -> Result<SearchPage> {
        self.goto("/").await?;
        let home = self
            .until_page("the search page listing every article", |p| {
                p.total() == Some(TOTAL) && p.ids.len() as u64 == TOTAL
            })
            .await?;
        ensure!(home.path() == "/", "`/` moved to {}", home.href);
        ensure!(
            home.ids.first().map(String::as_str) == Some("2025/06/festival.md"),
            "the newest article (2025/06/festival.md) is not first on `/`: {:?}",
            home.ids
        );
        let viewport: Option<String> = self
            .js("const m = document.querySelector('meta[name=viewport]'); return m && m.content;")
            .await?;
        ensure!(
            viewport.as_deref().is_some_and(|v| v.contains("width=device-width")),
            "no <meta name=viewport content=\"width=device-width…\">: a phone would lay the page out 980 px wide ({viewport:?})"
        );
        self.no_injected_markup("the home page").await?;
        self.shot("home").await?;

        // The syntax help is one click away.
        let help = self.find("details#syntax-help").await?;
        ensure!(help.prop("open").await?.as_deref() != Some("true"), "the syntax help starts open");
        help.find(Locator::Css("summary")).await?.click().await?;
        ensure!(
            help.prop("open").await?.as_deref() == Some("true"),
            "clicking the syntax help did not open it"
        );
        ensure!(!help.text().await?.trim().is_empty(), "the syntax help is empty");
        self.shot("syntax-help").await?;
        help.find(Locator::Css("summary")).await?.click().await?;
        Ok(home)
    }

    /// Pressing `/` anywhere on the page puts the cursor in `#q` (without typing a `/`).
    async fn slash_focuses_search_box(&self) -> Result<()> {
        let before: Option<String> = self
            .js("if (document.activeElement) document.activeElement.blur(); \
                 return document.activeElement ? document.activeElement.id : null;")
            .await?;
        ensure!(before.as_deref() != Some("q"), "#q kept the focus after blur()");
        let keys = KeyActions::new("keyboard".into())
            .then(KeyAction::Down { value: '/' })
            .then(KeyAction::Up { value: '/' });
        self.c.perform_actions(keys).await?;
        self.until("`/` to focus #q", move || async move {
            let id: Option<String> =
                self.js("return document.activeElement ? document.activeElement.id : null;").await?;
            Ok((id.as_deref() == Some("q")).then_some(()))
        })
        .await?;
        let value = self.find("#q").await?.prop("value").await?.unwrap_or_default();
        ensure!(value.is_empty(), "pressing `/` also typed into #q: {value:?}");
        self.shot("slash-focus").await
    }

    /// Types the query into `#q`, presses Enter, and checks the results page.
    async fn type_query(&self) -> Result<SearchPage> {
        let q = self.find("#q").await?;
        q.send_keys(QUERY).await?;
        self.shot("typed").await?;
        q.send_keys(&char::from(Key::Enter).to_string()).await?;
        let page = self.until_page("the results of the query", |p| p.shows(QUERY, QUERY_HITS)).await?;
        ensure!(
            page.q.as_deref() == Some(QUERY),
            "#q does not show the query on its results page: {:?}",
            page.q
        );
        let marked: usize =
            self.js("return document.querySelectorAll('#results li.hit mark').length;").await?;
        ensure!(marked >= page.ids.len(), "{marked} <mark>s for {} hits of {QUERY:?}", page.ids.len());
        let per_hit: Vec<Vec<usize>> = self
            .js("return Array.from(document.querySelectorAll('#results li.hit')).map(li => [
                     li.querySelectorAll('p.snippet').length,
                     li.querySelectorAll('time[datetime]').length,
                     li.querySelectorAll('.section').length,
                     li.querySelectorAll('a.tag').length]);")
            .await?;
        for (id, counts) in page.ids.iter().zip(&per_hit) {
            ensure!(
                counts.iter().all(|&n| n >= 1),
                "hit {id} lacks a snippet, a date, a section or tags: {counts:?}"
            );
        }
        self.shot("results").await?;
        Ok(page)
    }

    /// A tag facet adds its filter (URL, fewer results, entry marked active) and, clicked again,
    /// removes it.
    async fn tag_facet(&self, results: &SearchPage) -> Result<()> {
        let facet = self.facet("tag", NARROWING_TAG).await?;
        let label = facet.find(Locator::Css(".n")).await?.text().await?;
        ensure!(
            label.trim() == NARROWING_TAG_HITS.to_string(),
            "the {NARROWING_TAG} facet counts {label:?}, expected {NARROWING_TAG_HITS}"
        );
        facet.click().await?;
        let narrowed = self
            .until_page("the tag filter to apply", |p| {
                p.shows(QUERY, NARROWING_TAG_HITS) && p.param("tag") == [NARROWING_TAG]
            })
            .await?;
        let before: HashSet<_> = results.ids.iter().collect();
        ensure!(
            narrowed.ids.iter().all(|id| before.contains(id)),
            "the tag filter brought in other articles: {:?} not within {:?}",
            narrowed.ids,
            results.ids
        );
        let tags: Vec<Vec<String>> = self
            .js("return Array.from(document.querySelectorAll('#results li.hit'))
                     .map(li => Array.from(li.querySelectorAll('a.tag')).map(a => a.textContent.trim()));")
            .await?;
        for (id, tags) in narrowed.ids.iter().zip(&tags) {
            ensure!(
                tags.iter().any(|t| t.eq_ignore_ascii_case(NARROWING_TAG)),
                "{id} is listed under tag {NARROWING_TAG} but shows tags {tags:?}"
            );
        }
        let facet = self.facet("tag", NARROWING_TAG).await?;
        self.ensure_active(&facet, true).await?;
        self.shot("tag-facet").await?;

        facet.click().await?;
        let cleared = self
            .until_page("the tag filter to go", |p| p.shows(QUERY, QUERY_HITS) && p.param("tag").is_empty())
            .await?;
        ensure!(cleared.ids == results.ids, "removing the filter did not bring the same results back");
        let facet = self.facet("tag", NARROWING_TAG).await?;
        self.ensure_active(&facet, false).await?;
        self.shot("tag-facet-removed").await
    }

    /// A bar of the timeline narrows the dates to its period: the URL gets since/until, the
    /// count becomes the bar's own, and every hit is dated inside the period.
    async fn timeline_bar(&self, results: &SearchPage) -> Result<SearchPage> {
        self.c.goto(&results.href).await?;
        let bars = self.bars().await?;
        let (bar, n, since, until) = bars
            .into_iter()
            .find(|(_, n, _, _)| *n > 0 && *n < QUERY_HITS)
            .context("no timeline bar holds some but not all of the hits")?;
        bar.click().await?;
        let narrowed = self
            .until_page("the timeline's period to apply", |p| {
                p.shows(QUERY, n) && p.param1("since").is_some() && p.param1("until").is_some()
            })
            .await?;
        ensure!(narrowed.total() <= results.total(), "the period widened the results");
        self.dated_within(n, &since, &until).await?;
        self.shot("timeline").await?;
        Ok(narrowed)
    }

    /// Dragging the mouse across several bars narrows the dates to all of them: from the first
    /// bar's start to the last one's end, with the count of the bars together.
    async fn timeline_drag(&self, results: &SearchPage) -> Result<()> {
        self.c.goto(&results.href).await?;
        let bars = self.bars().await?;
        // From the first bar to the last one that keeps the sum below the total.
        let mut sum = 0;
        let mut last = None;
        for (i, (_, n, _, _)) in bars.iter().enumerate() {
            sum += n;
            if sum >= QUERY_HITS {
                break;
            }
            last = Some((i, sum));
        }
        let (hi, expected) = last.filter(|(hi, _)| *hi >= 1).with_context(|| {
            format!("no run of bars from the first holds some but not all of the hits: {:?}", counts(&bars))
        })?;
        let (first, _, since, _) = &bars[0];
        let (end, _, _, until) = &bars[hi];
        let drag = MouseActions::new("mouse".into())
            .then(PointerAction::MoveToElement { element: first.clone(), duration: None, x: 0.0, y: 0.0 })
            .then(PointerAction::Down { button: MOUSE_BUTTON_LEFT })
            .then(PointerAction::MoveToElement {
                element: end.clone(),
                duration: Some(Duration::from_millis(200)),
                x: 0.0,
                y: 0.0,
            })
            .then(PointerAction::Up { button: MOUSE_BUTTON_LEFT });
        self.c.perform_actions(drag).await?;
        let dragged = self
            .until_page("the dragged-over period to apply", |p| {
                p.shows(QUERY, expected)
                    && p.param1("since").as_deref() == Some(since)
                    && p.param1("until").as_deref() == Some(until)
            })
            .await?;
        ensure!(dragged.total() < results.total(), "the drag did not narrow the results");
        self.dated_within(expected, since, until).await?;
        self.shot("timeline-drag").await
    }

    /// The timeline's bars, each with its count (from its title) and period; they must add up
    /// to the results' total.
    async fn bars(&self) -> Result<Vec<(Element, u64, String, String)>> {
        let mut bars = Vec::new();
        for bar in self.c.find_all(Locator::Css("#timeline a.bar")).await? {
            let title = bar.attr("title").await?.unwrap_or_default();
            let n = last_number(&title)
                .with_context(|| format!("a timeline bar's title has no count: {title:?}"))?;
            let since = bar.attr("data-since").await?.context("a bar without data-since")?;
            let until = bar.attr("data-until").await?.context("a bar without data-until")?;
            ensure!(since <= until, "a bar from {since} to {until}");
            bars.push((bar, n, since, until));
        }
        ensure!(!bars.is_empty(), "no bars in #timeline");
        let total: u64 = bars.iter().map(|b| b.1).sum();
        ensure!(
            total == QUERY_HITS,
            "the timeline's bars add up to {total}, not {QUERY_HITS}: {:?}",
            counts(&bars)
        );
        Ok(bars)
    }

    /// The page lists `n` hits, each dated within `since..=until` (days, `YYYY-MM-DD`).
    async fn dated_within(&self, n: u64, since: &str, until: &str) -> Result<()> {
        let dates = self.hit_dates().await?;
        ensure!(dates.len() as u64 == n, "{} dated hits, expected {n}", dates.len());
        for date in &dates {
            let day = date.get(..10).unwrap_or(date);
            ensure!(since <= day && day <= until, "a hit dated {date} outside the period {since}..{until}");
        }
        Ok(())
    }

    async fn hit_dates(&self) -> Result<Vec<String>> {
        self.js("return Array.from(document.querySelectorAll('#results li.hit time[datetime]'))
                 .map(t => t.getAttribute('datetime'));")
            .await
    }

    /// The order control applies at once (no button to press): oldest first.
    async fn sort_control(&self, results: &SearchPage) -> Result<()> {
        self.c.goto(&results.href).await?;
        self.find("select#sort").await?.select_by_value("date-asc").await?;
        self.until_page("the order to apply", |p| {
            p.shows(QUERY, QUERY_HITS) && p.param1("sort").as_deref() == Some("date-asc")
        })
        .await?;
        let dates = self.hit_dates().await?;
        ensure!(dates.len() as u64 == QUERY_HITS, "{} dated hits, expected {QUERY_HITS}", dates.len());
        ensure!(dates.is_sorted(), "sort=date-asc lists dates out of order: {dates:?}");
        let mode = self.find("select#mode").await?.prop("value").await?;
        ensure!(mode.is_some(), "no #mode control");
        self.shot("sort-oldest-first").await
    }

    /// Follows the first result to its article page, then goes back with the browser: the
    /// results page comes back as it was, and loading its URL afresh shows the same.
    /// Returns the article page's URL.
    async fn article_and_back(&self, results: &SearchPage) -> Result<String> {
        let link = self.find("#results li.hit a.hit-title").await?;
        let title = link.text().await?;
        link.click().await?;
        let h1 = self
            .until("the article page", move || async move {
                let url = self.c.current_url().await?;
                if !url.path().starts_with("/article/") {
                    return Ok(None);
                }
                Ok(self.c.find(Locator::Css("#article h1")).await.ok())
            })
            .await?;
        let article_url = self.c.current_url().await?.to_string();
        ensure!(
            squash(&h1.text().await?) == squash(&title),
            "the article page's title is {:?}, the hit's was {title:?}",
            h1.text().await?
        );
        let paragraphs = self.c.find_all(Locator::Css("#article .body p")).await?;
        ensure!(!paragraphs.is_empty(), "the article page has no body paragraphs");
        self.find("#related").await.context("the article page has no #related section")?;
        let back_link = self.find("a#back").await.context("the article page has no #back link")?;
        let back_href = back_link.prop("href").await?.unwrap_or_default();
        let search = results.url();
        ensure!(
            Url::parse(&back_href).is_ok_and(|u| u.path() == search.path() && u.query() == search.query()),
            "#back leads to {back_href:?}, not to the search the article was opened from ({})",
            results.href
        );
        self.no_injected_markup("the article page").await?;
        self.shot("article").await?;

        self.c.back().await?;
        let back = self.until_page("the results page after Back", |p| p.href == results.href).await?;
        ensure!(
            back.q == results.q && back.total() == results.total() && back.ids == results.ids,
            "Back did not restore the results page: {back:?}, before {results:?}"
        );
        self.shot("back").await?;

        // The state is all in the URL: opened afresh, it shows the same page.
        self.c.goto(&results.href).await?;
        let fresh = self.until_page("the results URL opened afresh", |p| p.href == results.href).await?;
        ensure!(
            fresh.q == results.q && fresh.total() == results.total() && fresh.ids == results.ids,
            "the results URL opened afresh shows another page: {fresh:?}, before {results:?}"
        );
        Ok(article_url)
    }

    /// An article page opened by its URL (the id `news.jsonl#3` percent-encoded) shows its
    /// sources and original link, and a related article's link opens that article.
    async fn article_details(&self) -> Result<()> {
        self.goto("/article/news.jsonl%233").await?;
        let h1 = self.find("#article h1").await?.text().await?;
        ensure!(
            h1 == "New Ferry Terminal Opens in the North Harbour",
            "/article/news.jsonl%233 shows {h1:?}"
        );
        let sources = self.find("ul#sources").await?.text().await?;
        ensure!(sources.contains("Harbour Authority"), "#sources reads {sources:?}");
        let original = self.find("a#original").await?.attr("href").await?;
        ensure!(
            original.as_deref() == Some("https://example.org/terminal"),
            "#original links to {original:?}"
        );
        let related = self.c.find_all(Locator::Css("#related a.related")).await?;
        let first =
            related.first().context("no a.related in #related for a ferry story among four others")?;
        let text = first.text().await?;
        self.shot("article-details").await?;
        first.click().await?;
        let h1 = self
            .until("the related article's page", move || async move {
                let h1 = self.c.find(Locator::Css("#article h1")).await?.text().await?;
                Ok((h1 != "New Ferry Terminal Opens in the North Harbour").then_some(h1))
            })
            .await?;
        ensure!(squash(&h1) == squash(&text), "the related link {text:?} opened {h1:?}");
        Ok(())
    }

    /// An article with markup in its title and a tag: shown as text everywhere, no script runs.
    async fn hostile_article(&self) -> Result<()> {
        self.goto(&format!("/search?q={HOSTILE_QUERY}")).await?;
        let page = self.until_page("the hostile article's results", |p| p.shows(HOSTILE_QUERY, 1)).await?;
        let title = page.titles.first().cloned().flatten().unwrap_or_default();
        ensure!(
            title.contains(HOSTILE_TITLE_MARKUP),
            "the hostile title is not shown as text: {title:?} should contain {HOSTILE_TITLE_MARKUP:?}"
        );
        let tags: Vec<String> = self
            .js("return Array.from(document.querySelectorAll('#results li.hit a.tag')).map(a => a.textContent.trim());")
            .await?;
        ensure!(tags.iter().any(|t| t == HOSTILE_TAG), "the hostile tag is not shown as text: {tags:?}");
        self.no_injected_markup("the hostile results").await?;
        self.shot("hostile-results").await?;

        // Its facet entry carries the raw value, and filtering by it round-trips through the URL.
        let facet = self.facet("tag", HOSTILE_TAG).await?;
        let text = facet.text().await?;
        ensure!(text.starts_with(HOSTILE_TAG), "the hostile tag's facet reads {text:?}");
        facet.click().await?;
        self.until_page("the hostile tag's filter", |p| {
            p.shows(HOSTILE_QUERY, 1) && p.param("tag") == [HOSTILE_TAG]
        })
        .await?;
        self.ensure_active(&self.facet("tag", HOSTILE_TAG).await?, true).await?;
        self.no_injected_markup("the hostile tag's filter").await?;

        self.find("#results li.hit a.hit-title").await?.click().await?;
        let h1 = self
            .until("the hostile article's page", move || async move {
                Ok(self.c.find(Locator::Css("#article h1")).await.ok())
            })
            .await?;
        let h1 = h1.text().await?;
        ensure!(h1.contains(HOSTILE_TITLE_MARKUP), "the hostile article's heading is {h1:?}");
        let images: usize = self.js("return document.querySelectorAll('#article img').length;").await?;
        ensure!(images == 0, "markup in the body became {images} <img> element(s)");
        self.no_injected_markup("the hostile article's page").await?;
        self.shot("hostile-article").await
    }

    /// At a phone's width the results and the article fit: nothing scrolls sideways.
    async fn phone_width(&self, results: &str, article: &str) -> Result<()> {
        self.c.set_window_size(PHONE.0, PHONE.1).await?;
        for (name, url) in [("phone-results", results), ("phone-article", article)] {
            self.c.goto(url).await?;
            let (inner, scroll): (u64, u64) = self
                .js("return [window.innerWidth, document.documentElement.scrollWidth];")
                .await
                .map(|v: [u64; 2]| (v[0], v[1]))?;
            ensure!(
                inner <= u64::from(PHONE.0),
                "the window did not narrow to {} px: innerWidth {inner}",
                PHONE.0
            );
            ensure!(scroll <= inner, "{name}: the page is {scroll} px wide in a {inner} px window");
            self.shot(name).await?;
        }
        self.c.set_window_size(DESKTOP.0, DESKTOP.1).await?;
        Ok(())
    }

    /// The browser's console saw no error in the whole session: no blocked inline script or
    /// style (the CSP), no failing request (the page asks for no favicon), no exception in app.js.
    async fn console_is_clean(&self) -> Result<()> {
        let entries = self.c.issue_cmd(BrowserLog).await?;
        let errors: Vec<&Value> =
            entries.as_array().into_iter().flatten().filter(|e| e["level"] == "SEVERE").collect();
        ensure!(errors.is_empty(), "the browser console reported errors: {errors:#?}");
        Ok(())
    }

    // Helpers.

    async fn goto(&self, path: &str) -> Result<()> {
        let url = self.base.join(path)?;
        self.c.goto(url.as_str()).await.with_context(|| format!("opening {url}"))
    }

    async fn find(&self, css: &str) -> Result<Element> {
        self.c.find(Locator::Css(css)).await.with_context(|| format!("no element matches {css}"))
    }

    /// The facet entry of `kind` (`tag` or `section`) for `value`.
    async fn facet(&self, kind: &str, value: &str) -> Result<Element> {
        let css = format!("#facets a.facet[data-facet={kind}]");
        let mut values = Vec::new();
        for facet in self.c.find_all(Locator::Css(&css)).await? {
            let v = facet.attr("data-value").await?.unwrap_or_default();
            if v == value {
                return Ok(facet);
            }
            values.push(v);
        }
        bail!("no {kind} facet for {value:?} among {values:?}")
    }

    async fn ensure_active(&self, facet: &Element, active: bool) -> Result<()> {
        let class = facet.attr("class").await?.unwrap_or_default();
        let pressed = facet.attr("aria-pressed").await?;
        let is_active = class.split_whitespace().any(|c| c == "active");
        ensure!(
            is_active == active,
            "facet class is {class:?}, expected it {}active",
            if active { "" } else { "not " }
        );
        if active {
            ensure!(pressed.as_deref() == Some("true"), "an active facet has aria-pressed={pressed:?}");
        } else {
            ensure!(pressed.as_deref() != Some("true"), "an inactive facet has aria-pressed=\"true\"");
        }
        Ok(())
    }

    /// No script runs that the server did not serve as a file: every `<script>` has a
    /// `/static/` source, and no alert is open.
    async fn no_injected_markup(&self, page: &str) -> Result<()> {
        let sources: Vec<Option<String>> = self
            .js("return Array.from(document.querySelectorAll('script')).map(s => s.getAttribute('src'));")
            .await?;
        ensure!(
            sources.iter().all(|s| s.as_deref().is_some_and(|s| s.starts_with("/static/"))),
            "{page} has scripts other than /static/ files: {sources:?}"
        );
        match self.c.get_alert_text().await {
            Err(e) if e.is_no_such_alert() => Ok(()),
            Ok(text) => bail!("{page} opened an alert: {text:?}"),
            Err(e) => Err(e).context("asking for an alert"),
        }
    }

    /// Runs `script` in the page and reads its return value as `T`.
    async fn js<T: DeserializeOwned>(&self, script: &str) -> Result<T> {
        let value = self.c.execute(script, Vec::new()).await?;
        serde_json::from_value(value.clone()).with_context(|| format!("unexpected script result {value}"))
    }

    /// Waits (at most `STEP_WAIT`) until the page is a search page for which `ready` holds.
    async fn until_page(&self, what: &str, ready: impl Fn(&SearchPage) -> bool) -> Result<SearchPage> {
        let last = RefCell::new(None);
        let (this, ready, last_ref) = (self, &ready, &last);
        let outcome = self
            .until(what, move || async move {
                let page: SearchPage = this.js(SearchPage::SCRIPT).await?;
                let done = ready(&page);
                *last_ref.borrow_mut() = Some(page.clone());
                Ok(done.then_some(page))
            })
            .await;
        outcome.map_err(|e| anyhow!("{e:#}; the page was {:#?}", last.borrow()))
    }

    /// Polls `probe` until it gives a value, at most `STEP_WAIT`; a probe error counts as not
    /// ready yet (the page may be between two documents) and is reported on timeout.
    async fn until<T, F, Fut>(&self, what: &str, mut probe: F) -> Result<T>
    where
        F: FnMut() -> Fut,
        Fut: Future<Output = Result<Option<T>>>,
    {
        let deadline = Instant::now() + STEP_WAIT;
        let mut last_error = None;
        loop {
            match probe().await {
                Ok(Some(value)) => return Ok(value),
                Ok(None) => {}
                Err(e) => last_error = Some(e),
            }
            if Instant::now() > deadline {
                let why = last_error.map(|e| format!(" (last error: {e:#})")).unwrap_or_default();
                bail!("timed out after {STEP_WAIT:?} waiting for {what}{why}");
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }

    /// Saves a screenshot as `NN-name.png` in the artefacts folder.
    async fn shot(&self, name: &str) -> Result<()> {
        let n = self.shot_count.get() + 1;
        self.shot_count.set(n);
        let png = self.c.screenshot().await?;
        let path = self.shots.join(format!("{n:02}-{name}.png"));
        fs::write(&path, png).with_context(|| format!("writing {}", path.display()))
    }
}

/// chromedriver's log of the browser console since the last call (`POST /session/ID/se/log`).
#[derive(Debug)]
struct BrowserLog;

impl WebDriverCompatibleCommand for BrowserLog {
    fn endpoint(&self, base: &Url, session: Option<&str>) -> std::result::Result<Url, url::ParseError> {
        base.join(&format!("session/{}/se/log", session.unwrap_or_default()))
    }

    fn method_and_body(&self, _: &Url) -> (http::Method, Option<String>) {
        (http::Method::POST, Some(json!({ "type": "browser" }).to_string()))
    }
}

/// The bars' counts, for messages.
fn counts(bars: &[(Element, u64, String, String)]) -> Vec<u64> {
    bars.iter().map(|b| b.1).collect()
}

/// The last number in `text` (`"2025-03: 2"` → 2).
fn last_number(text: &str) -> Option<u64> {
    let end = text.rfind(|c: char| c.is_ascii_digit())? + 1;
    let start = text[..end].rfind(|c: char| !c.is_ascii_digit()).map_or(0, |i| i + 1);
    text[start..end].parse().ok()
}

/// `text` with runs of white space made one space, trimmed.
fn squash(text: &str) -> String {
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}
