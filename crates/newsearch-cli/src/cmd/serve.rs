//! `newsearch serve`: the search page and the JSON API of `newsearch-server` over an index,
//! until SIGINT or SIGTERM. This command only opens the index, binds and waits.

use std::io::{self, Write};
use std::net::SocketAddr;

use anyhow::{Context, Result};
use newsearch::Index;
use newsearch_server::{ServerOptions, router, serve};
use tokio::net::TcpListener;

use crate::args::ServeArgs;
use crate::exit::Exit;
use crate::output::say;

pub(crate) fn run(args: &ServeArgs) -> Result<Exit> {
    // Opened before binding, so that a missing index fails at once, with its hint.
    let index = if args.watch.is_empty() {
        Index::open(&args.location.dir)?
    } else {
        Index::open_for_update(&args.location.dir, &newsearch::IndexOptions::new(), &args.watch, false)?
    };
    // With --watch, a thread of this process indexes and follows the folders; the server sees
    // each of its commits as it would another process's.
    let poll = args.poll.map(|s| std::time::Duration::from_secs(s as u64));
    let follower = (!args.watch.is_empty()).then(|| follow(&index, args.watch.clone(), poll)).transpose()?;
    let runtime =
        tokio::runtime::Builder::new_multi_thread().enable_all().build().context("starting the server")?;
    let served = runtime.block_on(async {
        let listener =
            TcpListener::bind(&args.addr).await.with_context(|| format!("can't listen on {}", args.addr))?;
        let addr = listener.local_addr().context("the address listened on")?;
        if let Some(warning) = exposure_warning(addr) {
            say(&warning);
        }
        let stop = stop_signal().context("listening for SIGINT and SIGTERM")?;
        {
            // Scripts and tests wait for this line: the socket accepts connections from now on.
            let mut out = io::stdout().lock();
            writeln!(out, "listening on http://{addr}/")?;
            out.flush()?;
        }
        let failed = follower.as_ref().map(|f| f.failed.clone());
        let stop = async move {
            match failed {
                Some(failed) => {
                    tokio::select! {
                        _ = stop => {}
                        _ = failed.notified() => {}
                    }
                }
                None => stop.await,
            }
        };
        serve(listener, router(index, ServerOptions::new()), stop).await.context("serving")?;
        Ok(Exit::Success)
    });
    // The follower commits what is pending, then the process ends.
    match follower.map(Follower::stop) {
        Some(Err(e)) => {
            say(&crate::output::described(&e));
            Ok(Exit::Error)
        }
        _ => served,
    }
}

/// The thread that indexes and follows `serve --watch`'s folders.
struct Follower {
    stop: newsearch::CancelToken,
    /// Told when the watch ends on its own (an error), so the server stops too.
    failed: std::sync::Arc<tokio::sync::Notify>,
    thread: std::thread::JoinHandle<newsearch::Result<()>>,
}

impl Follower {
    fn stop(self) -> newsearch::Result<()> {
        self.stop.cancel();
        self.thread.join().unwrap_or_else(|_| {
            Err(newsearch::Error::Watch { path: None, reason: "the watch failed".into() })
        })
    }
}

fn follow(
    index: &Index,
    roots: Vec<std::path::PathBuf>,
    poll: Option<std::time::Duration>,
) -> Result<Follower> {
    use newsearch::{UpdateEvent, WatchEvent, WatchOptions};
    let mut writer = index.writer()?;
    let stop = newsearch::CancelToken::new();
    let failed = std::sync::Arc::new(tokio::sync::Notify::new());
    let (token, told) = (stop.clone(), failed.clone());
    let thread = std::thread::spawn(move || {
        let options = WatchOptions::new().poll(poll);
        let watched = writer.watch(&roots, &options, &token, &mut |event| match event {
            WatchEvent::Update(UpdateEvent::Error(e)) | WatchEvent::Problem(e) => {
                say(&crate::output::described(e));
            }
            WatchEvent::Update(UpdateEvent::Warning(w)) => say(&format!("warning: {w}")),
            _ => {}
        });
        let finished = watched.and_then(|()| writer.finish());
        if finished.is_err() {
            told.notify_one();
        }
        finished
    });
    Ok(Follower { stop, failed, thread })
}

/// The warning for an address other machines may reach: the server has no authentication.
fn exposure_warning(addr: SocketAddr) -> Option<String> {
    (!addr.ip().is_loopback()).then(|| {
        format!(
            "warning: listening on {addr}, which other machines may reach; there is no authentication, so \
             anyone who can reach it can read every indexed article"
        )
    })
}

/// A future that completes on SIGINT (Ctrl-C) or SIGTERM. The handlers are installed before it
/// is returned, so a signal that arrives once the server has said it listens is never missed.
fn stop_signal() -> io::Result<impl Future<Output = ()> + Send + 'static> {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{SignalKind, signal};
        let mut interrupt = signal(SignalKind::interrupt())?;
        let mut terminate = signal(SignalKind::terminate())?;
        Ok(async move {
            tokio::select! {
                _ = interrupt.recv() => {}
                _ = terminate.recv() => {}
            }
        })
    }
    #[cfg(not(unix))]
    {
        Ok(async {
            let _ = tokio::signal::ctrl_c().await;
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_loopback_addresses_go_without_a_warning() {
        for quiet in ["127.0.0.1:7700", "127.1.2.3:80", "[::1]:7700"] {
            assert_eq!(exposure_warning(quiet.parse().unwrap()), None, "{quiet}");
        }
        for exposed in ["0.0.0.0:7700", "192.0.2.10:7700", "[::]:7700"] {
            let warning = exposure_warning(exposed.parse().unwrap()).expect(exposed);
            assert!(warning.contains("no authentication"), "{warning}");
        }
    }
}
