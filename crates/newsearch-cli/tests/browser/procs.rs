//! The processes the browser test starts, each owned by a guard that stops it (and waits for
//! it) when dropped, so a failed assertion or a timeout leaves nothing running.

use std::fs::File;
use std::io::{BufRead, BufReader, Read, Write};
use std::net::{Ipv4Addr, SocketAddr, TcpListener, TcpStream};
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, ExitStatus, Stdio};
use std::sync::mpsc;
use std::thread;
use std::time::{Duration, Instant};

use anyhow::{Context, Result, anyhow, bail};
use rustix::process::{Pid, Signal, kill_process, kill_process_group};

/// How long a stopped process gets to exit after SIGTERM before it is killed.
const GRACE: Duration = Duration::from_secs(5);

/// A child process, stopped when dropped. With `group`, the child leads a process group of its
/// own and the whole group is signalled (chromedriver's browser processes live in it).
pub struct Guard {
    name: &'static str,
    child: Option<Child>,
    group: bool,
}

impl Guard {
    fn signal(&self, child: &Child, sig: Signal) {
        let pid = Pid::from_child(child);
        // An error means the process (or group) is already gone.
        let _ = if self.group { kill_process_group(pid, sig) } else { kill_process(pid, sig) };
    }

    /// SIGTERM, up to `GRACE` to exit, then SIGKILL; returns how the process ended.
    pub fn stop(&mut self) -> Option<ExitStatus> {
        let mut child = self.child.take()?;
        if let Ok(Some(status)) = child.try_wait() {
            if self.group {
                self.signal(&child, Signal::KILL);
            }
            return Some(status);
        }
        self.signal(&child, Signal::TERM);
        let deadline = Instant::now() + GRACE;
        let mut status = None;
        while Instant::now() < deadline {
            if let Ok(Some(s)) = child.try_wait() {
                status = Some(s);
                break;
            }
            thread::sleep(Duration::from_millis(25));
        }
        if status.is_none() {
            eprintln!("{} did not stop within {GRACE:?} of SIGTERM: killing it", self.name);
        }
        // Leftovers of the group (a browser process that outlived its driver) go too.
        self.signal(&child, Signal::KILL);
        status.or_else(|| child.wait().ok())
    }

    /// Whether the process has exited already (with its status).
    fn exited(&mut self) -> Option<ExitStatus> {
        self.child.as_mut().and_then(|c| c.try_wait().ok().flatten())
    }
}

impl Drop for Guard {
    fn drop(&mut self) {
        self.stop();
    }
}

/// `newsearch serve` on a free loopback port.
pub struct Server {
    pub guard: Guard,
    /// `http://127.0.0.1:PORT/`, as the server announced it.
    pub url: String,
    pub stderr_log: PathBuf,
}

impl Server {
    pub fn start(bin: &Path, index: &Path, logs: &Path, wait: Duration) -> Result<Server> {
        let stderr_log = logs.join("server-stderr.log");
        let mut child = Command::new(bin)
            .args(["serve", "--index"])
            .arg(index)
            .args(["--addr", "127.0.0.1:0"])
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(File::create(&stderr_log)?)
            .spawn()
            .with_context(|| format!("starting {}", bin.display()))?;
        let stdout = child.stdout.take().expect("piped stdout");
        let guard = Guard { name: "newsearch serve", child: Some(child), group: false };

        // The first line says where it listens; the rest is drained so the server never
        // blocks on a full pipe. The thread ends when the server closes its stdout.
        let (tx, rx) = mpsc::channel();
        thread::spawn(move || {
            let mut lines = BufReader::new(stdout).lines();
            if let Some(line) = lines.next() {
                let _ = tx.send(line);
            }
            for _ in lines {}
        });
        let line = match rx.recv_timeout(wait) {
            Ok(line) => line.context("reading the server's stdout")?,
            Err(mpsc::RecvTimeoutError::Timeout) => {
                bail!("the server printed no `listening on` line within {wait:?}")
            }
            Err(mpsc::RecvTimeoutError::Disconnected) => bail!(
                "the server closed its stdout without a `listening on` line; its stderr: {}",
                read_log(&stderr_log)
            ),
        };
        let url = line
            .strip_prefix("listening on ")
            .filter(|u| u.starts_with("http://127.0.0.1:") && u.ends_with('/'))
            .ok_or_else(|| {
                anyhow!("first stdout line is not `listening on http://127.0.0.1:PORT/`: {line:?}")
            })?
            .to_owned();
        Ok(Server { guard, url, stderr_log })
    }
}

/// chromedriver on a free loopback port (it accepts local connections only by default).
pub struct Driver {
    pub guard: Guard,
    /// `http://127.0.0.1:PORT`
    pub url: String,
}

impl Driver {
    pub fn start(bin: &Path, logs: &Path, wait: Duration) -> Result<Driver> {
        let port = free_port()?;
        let output = File::create(logs.join("chromedriver-output.log"))?;
        let child = Command::new(bin)
            .arg(format!("--port={port}"))
            .arg(format!("--log-path={}", logs.join("chromedriver.log").display()))
            .stdin(Stdio::null())
            .stdout(output.try_clone()?)
            .stderr(output)
            .process_group(0)
            .spawn()
            .with_context(|| format!("starting {}", bin.display()))?;
        let mut guard = Guard { name: "chromedriver", child: Some(child), group: true };
        let deadline = Instant::now() + wait;
        loop {
            if status_ready(port) {
                return Ok(Driver { guard, url: format!("http://127.0.0.1:{port}") });
            }
            if let Some(status) = guard.exited() {
                bail!("chromedriver exited ({status}) before it was ready; see chromedriver-output.log");
            }
            if Instant::now() > deadline {
                bail!("chromedriver did not answer /status within {wait:?}");
            }
            thread::sleep(Duration::from_millis(50));
        }
    }
}

impl Driver {
    /// Stops chromedriver and whatever browser processes it left.
    pub fn stop(mut self) {
        self.guard.stop();
    }
}

/// A port nobody listens on right now (the OS picks it; it is released for the driver).
fn free_port() -> Result<u16> {
    let listener = TcpListener::bind((Ipv4Addr::LOCALHOST, 0))?;
    Ok(listener.local_addr()?.port())
}

/// Whether the WebDriver server on `port` answers `GET /status` with `"ready":true`. (The
/// answer is read until it says so: chromedriver keeps the connection open after it.)
fn status_ready(port: u16) -> bool {
    let addr = SocketAddr::from((Ipv4Addr::LOCALHOST, port));
    let Ok(mut stream) = TcpStream::connect_timeout(&addr, Duration::from_millis(200)) else {
        return false;
    };
    let _ = stream.set_read_timeout(Some(Duration::from_millis(500)));
    let request = format!("GET /status HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nConnection: close\r\n\r\n");
    if stream.write_all(request.as_bytes()).is_err() {
        return false;
    }
    let mut answer = Vec::new();
    let mut chunk = [0; 1024];
    while answer.len() < 64 * 1024 {
        match stream.read(&mut chunk) {
            Ok(0) | Err(_) => return false,
            Ok(n) => answer.extend_from_slice(&chunk[..n]),
        }
        if String::from_utf8_lossy(&answer).replace(' ', "").contains("\"ready\":true") {
            return true;
        }
    }
    false
}

/// A log file's text, for error messages (empty when it can't be read).
pub fn read_log(path: &Path) -> String {
    std::fs::read_to_string(path).unwrap_or_default()
}
