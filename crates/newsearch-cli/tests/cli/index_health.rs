//! Issue #10, items 8 and 9: indexes that can't be written or are damaged. Reading must work
//! without write access; damage must be named (index and file), with the way out, and
//! `index --rebuild` must be that way out, never deleting a folder that is not an index.

use std::fs;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use crate::{Examples, json_lines};

const SEED_ID: &str = "2025/02/zelensky-pushes-for-us-security-deal.txt";

/// Runs `newsearch ARGS --index DIR` in the examples folder: (exit code, stdout, stderr).
fn run(env: &Examples, dir: &Path, args: &[&str]) -> (i32, String, String) {
    let out = env.cmd().args(args).arg("--index").arg(dir).output().unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
    assert!(!stderr.contains("panicked"), "{args:?}: {stderr}");
    (out.status.code().unwrap_or(-1), String::from_utf8_lossy(&out.stdout).into_owned(), stderr)
}

fn indexed(env: &Examples) -> PathBuf {
    env.cmd().args(["index", "--quiet", "articles"]).assert().success();
    env.path(".newsearch")
}

/// A copy of `index` on a read-only tmpfs, unmounted on drop; `None` when mounting is not
/// allowed here.
struct ReadOnlyMount(PathBuf);

impl ReadOnlyMount {
    fn with_copy_of(index: &Path, at: &Path) -> Option<ReadOnlyMount> {
        fs::create_dir_all(at).unwrap();
        let mounted = Command::new("mount")
            .args(["-t", "tmpfs", "-o", "size=8m", "tmpfs"])
            .arg(at)
            .stderr(Stdio::null())
            .status()
            .is_ok_and(|s| s.success());
        if !mounted {
            return None;
        }
        let mount = ReadOnlyMount(at.to_owned());
        crate::copy_dir(index, &at.join("idx"));
        let status = Command::new("mount").args(["-o", "remount,ro"]).arg(at).status().unwrap();
        assert!(status.success());
        Some(mount)
    }
}

impl Drop for ReadOnlyMount {
    fn drop(&mut self) {
        let _ = Command::new("umount").arg(&self.0).status();
    }
}

/// Makes every file and folder under `dir` read-only (or writable again).
fn set_read_only(dir: &Path, read_only: bool) {
    for entry in fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        let mut perms = fs::metadata(&path).unwrap().permissions();
        perms.set_readonly(read_only);
        fs::set_permissions(&path, perms).unwrap();
    }
    let mut perms = fs::metadata(dir).unwrap().permissions();
    perms.set_readonly(read_only);
    fs::set_permissions(dir, perms).unwrap();
}

#[test]
fn a_read_only_index_can_be_searched_but_not_updated() {
    let env = Examples::new();
    let writable = indexed(&env);
    let (_, expected, _) = run(&env, &writable, &["query", "--json", "Zelensky"]);

    // Permissions stop writes for ordinary users only; root needs a read-only mount.
    let copy = env.path("read-only");
    crate::copy_dir(&writable, &copy);
    set_read_only(&copy, true);
    let permissions_hold = fs::write(copy.join("probe"), "x").is_err();
    let _mount;
    let dir = if permissions_hold {
        copy.clone()
    } else {
        set_read_only(&copy, false);
        match ReadOnlyMount::with_copy_of(&writable, &env.path("mnt")) {
            Some(mount) => {
                _mount = mount;
                env.path("mnt/idx")
            }
            None => {
                eprintln!(
                    "skipping: running as root and can't mount a read-only tmpfs here; the read-only promise is untested"
                );
                return;
            }
        }
    };
    assert!(fs::write(dir.join("probe"), "x").is_err(), "the copy is writable");

    let (code, stdout, stderr) = run(&env, &dir, &["query", "--json", "Zelensky"]);
    assert_eq!((code, stdout.as_str()), (0, expected.as_str()), "{stderr}");
    let (code, stdout, stderr) = run(&env, &dir, &["show", SEED_ID]);
    assert_eq!(code, 0, "{stderr}");
    assert!(stdout.contains("Zelensky"), "{stdout}");
    let (code, stdout, stderr) = run(&env, &dir, &["stats", "--json"]);
    assert_eq!(code, 0, "{stderr}");
    assert_eq!(json_lines(stdout.as_bytes())[0]["articles"], 11);
    let (code, stdout, stderr) = run(&env, &dir, &["related", "--json", SEED_ID]);
    assert!(code == 0 || code == 1, "{stderr}");
    assert!(!stdout.contains(SEED_ID));
    let (code, stdout, stderr) = run(&env, &dir, &["export"]);
    assert_eq!(code, 0, "{stderr}");
    assert_eq!(stdout.lines().count(), 11);
    let (code, _, stderr) = run(&env, &dir, &["check"]);
    assert_eq!(code, 0, "{stderr}");

    for args in [&["index", "articles"][..], &["index"], &["index", "--rebuild", "articles"]] {
        let (code, _, stderr) = run(&env, &dir, args);
        assert_eq!(code, 2, "{args:?}");
        let expected = format!("newsearch: the index at {} is read-only (", dir.display());
        assert!(stderr.starts_with(&expected), "{args:?}: {stderr}");
    }
    if permissions_hold {
        set_read_only(&copy, false); // so the temporary folder can be removed
    }
}

/// Cuts `file` to half its length.
fn truncate(file: &Path) {
    let len = fs::metadata(file).unwrap().len();
    fs::OpenOptions::new().write(true).open(file).unwrap().set_len(len / 2).unwrap();
}

/// The largest file of the index with this extension (the segment holding most articles).
fn file_with(dir: &Path, ext: &str) -> PathBuf {
    let mut found: Vec<PathBuf> = fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == ext))
        .collect();
    found.sort_by_key(|p| std::cmp::Reverse(fs::metadata(p).unwrap().len()));
    found.into_iter().next().unwrap_or_else(|| panic!("no .{ext} file"))
}

#[test]
fn every_command_names_a_damaged_file_and_rebuild_repairs_it() {
    let env = Examples::new();
    let sound = indexed(&env);
    let (code, stdout, _) = run(&env, &sound, &["check"]);
    assert_eq!(code, 0);
    assert!(stdout.contains("is sound: 11 articles read back"), "{stdout}");

    for (n, damaged_file) in
        ["meta.json", "store", "idx", "fast", "term", "newsearch-index.json"].into_iter().enumerate()
    {
        let dir = env.path(&format!("damaged{n}"));
        crate::copy_dir(&sound, &dir);
        let file =
            if damaged_file.contains('.') { dir.join(damaged_file) } else { file_with(&dir, damaged_file) };
        truncate(&file);
        let name = file.file_name().unwrap().to_string_lossy().into_owned();
        let expected = format!("newsearch: the index at {} is damaged ({name}: ", dir.display());
        for args in [
            &["query", "Zelensky"][..],
            &["query", "--json"],
            &["stats"],
            &["show", SEED_ID],
            &["related", SEED_ID],
            &["export"],
            &["check"],
            &["index", "articles"],
        ] {
            let (code, _, stderr) = run(&env, &dir, args);
            assert_eq!(code, 2, "{name}, {args:?}: {stderr}");
            assert!(stderr.starts_with(&expected), "{name}, {args:?}: {stderr}");
            assert!(stderr.trim_end().ends_with("rebuild it with `newsearch index --rebuild`"), "{stderr}");
            assert!(!stderr.contains("tantivy"), "{stderr}");
        }

        let (code, _, stderr) = run(&env, &dir, &["index", "--rebuild", "--quiet", "articles"]);
        assert_eq!(code, 0, "{name}: {stderr}");
        let (code, stdout, stderr) = run(&env, &dir, &["query", "--json", "Zelensky"]);
        assert_eq!(code, 0, "{name}: {stderr}");
        assert_eq!(json_lines(stdout.as_bytes())[0]["id"], SEED_ID);
        assert_eq!(run(&env, &dir, &["check"]).0, 0, "{name}: sound after the rebuild");
    }
}

#[test]
fn check_finds_damage_that_searches_do_not_touch() {
    let env = Examples::new();
    let dir = indexed(&env);
    // Overwrite bytes in the middle of the term dictionary: its footer stays intact, so the
    // index opens and most searches work, but its checksum no longer matches.
    let term = file_with(&dir, "term");
    let mut bytes = fs::read(&term).unwrap();
    let middle = bytes.len() / 3;
    bytes[middle..middle + 16].fill(0xff);
    fs::write(&term, bytes).unwrap();
    let (code, stdout, stderr) = run(&env, &dir, &["check"]);
    assert_eq!(code, 2, "{stdout}");
    let name = term.file_name().unwrap().to_string_lossy().into_owned();
    assert!(stderr.contains(&format!("is damaged ({name}: checksum mismatch")), "{stderr}");
}

#[test]
fn rebuild_never_deletes_a_folder_that_is_not_an_index() {
    let env = Examples::new();
    let photos = env.path("photos");
    fs::create_dir_all(&photos).unwrap();
    fs::write(photos.join("cat.jpg"), "x").unwrap();
    fs::write(photos.join("meta.json"), "{").unwrap(); // looks like a damaged engine file
    for args in [&["index", "--rebuild", "articles"][..], &["query", "x"], &["check"]] {
        let (code, _, stderr) = run(&env, &photos, args);
        assert_eq!(code, 2, "{args:?}");
        assert!(stderr.contains("is not a newsearch index"), "{args:?}: {stderr}");
    }
    assert_eq!(fs::read_to_string(photos.join("cat.jpg")).unwrap(), "x");
    assert_eq!(fs::read_to_string(photos.join("meta.json")).unwrap(), "{");
}
