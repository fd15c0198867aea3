//! `credsite serve` (issue 12): the real binary on a free port, serving a copy of the
//! example site; edits, broken files, paths outside the site, a port in use.

mod common;

use std::fs;
use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use common::{example_site, roster};

/// A running `credsite serve`, stopped when dropped.
struct Server {
    child: Child,
    port: u16,
    log: Arc<Mutex<String>>,
}

impl Server {
    fn start(root: &Path, extra: &[&str]) -> Server {
        let mut child = Command::new(env!("CARGO_BIN_EXE_credsite"))
            .arg("--root")
            .arg(root)
            .args(["serve", "--port", "0"])
            .args(extra)
            .env_remove("CREDSITE_SECRET_KEY")
            .env("SOURCE_DATE_EPOCH", "1795478400")
            .stderr(Stdio::piped())
            .stdout(Stdio::null())
            .spawn()
            .unwrap();
        let log = Arc::new(Mutex::new(String::new()));
        let stderr = child.stderr.take().unwrap();
        let (sender, port) = std::sync::mpsc::channel();
        let shared = log.clone();
        std::thread::spawn(move || {
            for line in BufReader::new(stderr).lines() {
                let Ok(line) = line else { break };
                if let Some(at) = line.find("http://127.0.0.1:") {
                    let rest = &line[at + "http://127.0.0.1:".len()..];
                    let digits: String = rest.chars().take_while(char::is_ascii_digit).collect();
                    let _ = sender.send(digits.parse::<u16>().unwrap());
                }
                let mut log = shared.lock().unwrap();
                log.push_str(&line);
                log.push('\n');
            }
        });
        let port = port
            .recv_timeout(Duration::from_secs(60))
            .unwrap_or_else(|_| panic!("serve did not start: {}", log.lock().unwrap()));
        Server { child, port, log }
    }

    fn get(&self, path: &str) -> Response {
        request(self.port, "GET", path)
    }

    fn log(&self) -> String {
        self.log.lock().unwrap().clone()
    }

    /// Waits until the page at `path` satisfies `ok`, for up to 30 s.
    fn wait_for(&self, path: &str, what: &str, ok: impl Fn(&Response) -> bool) -> Response {
        let started = Instant::now();
        loop {
            let response = self.get(path);
            if ok(&response) {
                return response;
            }
            if started.elapsed() > Duration::from_secs(30) {
                panic!(
                    "{path}: {what} did not happen; last response {} {}\nserver log:\n{}",
                    response.status,
                    response.body,
                    self.log()
                );
            }
            std::thread::sleep(Duration::from_millis(100));
        }
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

struct Response {
    status: u16,
    head: String,
    body: String,
}

impl Response {
    fn header(&self, name: &str) -> Option<&str> {
        self.head.lines().find_map(|line| {
            let (key, value) = line.split_once(':')?;
            key.eq_ignore_ascii_case(name).then(|| value.trim())
        })
    }
}

/// One HTTP/1.1 request over a plain socket, the path sent exactly as given.
fn request(port: u16, method: &str, path: &str) -> Response {
    let mut stream = TcpStream::connect(("127.0.0.1", port)).unwrap();
    stream
        .set_read_timeout(Some(Duration::from_secs(30)))
        .unwrap();
    write!(
        stream,
        "{method} {path} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nConnection: close\r\n\r\n"
    )
    .unwrap();
    let mut raw = Vec::new();
    stream.read_to_end(&mut raw).unwrap();
    let text = String::from_utf8_lossy(&raw).into_owned();
    let (head, body) = text.split_once("\r\n\r\n").unwrap_or((&text, ""));
    let status = head
        .split(' ')
        .nth(1)
        .and_then(|s| s.parse().ok())
        .unwrap_or(0);
    Response {
        status,
        head: head.to_string(),
        body: body.to_string(),
    }
}

const PAGE: &str = "/c/66/cdpp-2019-0001/";

#[test]
fn serves_the_site_and_shows_an_edit() {
    let site = example_site();
    let server = Server::start(site.path(), &[]);

    let page = server.get(PAGE);
    assert_eq!(page.status, 200, "{}", page.body);
    assert_eq!(
        page.header("content-type"),
        Some("text/html; charset=utf-8")
    );
    assert!(page.body.contains("Javier Rahman"));
    assert!(
        page.body
            .contains("preview: not signed with the issuer&#39;s key")
            || page
                .body
                .contains("preview: not signed with the issuer's key"),
        "the throwaway-key banner"
    );
    assert!(
        page.body
            .contains("<script data-build=\"1\">(function(){var c=document.currentScript")
    );

    // Other files: MIME types, index.html of folders, HEAD, a folder without its '/'.
    let json = server.get("/c/66/cdpp-2019-0001/credential.json");
    assert_eq!(json.header("content-type"), Some("application/json"));
    assert!(
        json.body.contains(
            "\"id\": \"https://registry.harbourline.example/c/66/cdpp-2019-0001/credential.json\""
        ),
        "signed data keeps the real base_url"
    );
    assert!(
        !json.body.contains("EventSource"),
        "nothing injected outside HTML"
    );
    let script = server.get("/verifier.js");
    assert_eq!(
        script.header("content-type"),
        Some("text/javascript; charset=utf-8")
    );
    let css = server.get("/style.css");
    assert_eq!(css.header("content-type"), Some("text/css; charset=utf-8"));
    let home = server.get("/");
    assert_eq!(home.status, 200);
    let head = request(server.port, "HEAD", PAGE);
    assert_eq!(head.status, 200);
    assert!(head.body.is_empty());
    let folder = server.get("/c/66/cdpp-2019-0001");
    assert_eq!(folder.status, 308);
    assert_eq!(folder.header("location"), Some(PAGE));
    let missing = server.get("/c/66/no-such-id/");
    assert_eq!(missing.status, 404);
    assert!(missing.body.contains("No such page"));
    assert!(
        missing.body.contains("href=\"/style.css\""),
        "the not-found page links from the root at any depth"
    );
    assert!(
        !missing
            .body
            .contains("href=\"https://registry.harbourline.example"),
        "links to the real site stay local"
    );

    // Edit the record's file: the page shows the new name.
    let roster = roster(site.path());
    let text = fs::read_to_string(&roster).unwrap();
    fs::write(
        &roster,
        text.replace("Javier Rahman", "Javier Rahman-Okafor"),
    )
    .unwrap();
    server.wait_for(PAGE, "the new name", |r| {
        r.body.contains("Javier Rahman-Okafor")
    });

    // Preview only: no output folder, no state file, no key.
    assert!(!site.path().join("public").exists());
    assert!(!site.path().join("credsite.state.json").exists());
    assert!(!site.path().join("keys").exists());
}

#[test]
fn a_broken_file_shows_an_overlay_until_it_is_fixed() {
    let site = example_site();
    let server = Server::start(site.path(), &[]);
    assert_eq!(server.get(PAGE).status, 200);

    let roster = roster(site.path());
    let good = fs::read_to_string(&roster).unwrap();
    let lines = good.lines().count();
    fs::write(&roster, format!("{good}bad-row,only two\n")).unwrap();
    let broken = server.wait_for(PAGE, "the error overlay", |r| {
        r.body.contains("credsite-serve-overlay")
    });
    assert_eq!(broken.status, 200, "the last good site is still served");
    assert!(broken.body.contains("Javier Rahman"));
    let location = format!("content/credentials/roster-2019-2026.csv:{}", lines + 1);
    assert!(broken.body.contains(&location), "{}", broken.body);
    let other = server.get("/");
    assert!(
        other.body.contains("credsite-serve-overlay"),
        "on every page"
    );
    let started = Instant::now();
    while !server.log().contains(&location) {
        assert!(
            started.elapsed() < Duration::from_secs(10),
            "{}",
            server.log()
        );
        std::thread::sleep(Duration::from_millis(50));
    }

    fs::write(&roster, &good).unwrap();
    let fixed = server.wait_for(PAGE, "recovery", |r| {
        !r.body.contains("credsite-serve-overlay")
    });
    assert!(fixed.body.contains("Javier Rahman"));

    // Deleting the whole content/ folder: an overlay, no crash; back when restored.
    let content = site.path().join("content");
    let aside = site.path().join("content-aside");
    fs::rename(&content, &aside).unwrap();
    let gone = server.wait_for("/", "the missing-content overlay", |r| {
        r.body.contains("credsite-serve-overlay")
    });
    assert!(
        gone.body.contains("content: the folder is missing"),
        "{}",
        gone.body
    );
    fs::rename(&aside, &content).unwrap();
    server.wait_for(PAGE, "recovery after content/ is back", |r| {
        r.status == 200 && !r.body.contains("credsite-serve-overlay")
    });
}

#[test]
fn a_page_that_connects_after_a_rebuild_is_told_to_reload_at_once() {
    let site = example_site();
    let server = Server::start(site.path(), &[]);
    let first = server.get(PAGE);
    assert!(
        first.body.contains("<script data-build=\"1\">"),
        "{}",
        first.body
    );

    // A rebuild the page was not connected for (it was loading, say).
    let roster = roster(site.path());
    let good = fs::read_to_string(&roster).unwrap();
    fs::write(&roster, good.replace("Javier Rahman", "Javier Later")).unwrap();
    let second = server.wait_for(PAGE, "the rebuild", |r| r.body.contains("Javier Later"));
    assert!(second.body.contains("<script data-build=\"2\">"));

    // Connecting now, the page from build 1 hears of build 2 at once, with no further
    // change: its script reloads on any number but its own.
    let mut stream = TcpStream::connect(("127.0.0.1", server.port)).unwrap();
    stream
        .set_read_timeout(Some(Duration::from_secs(10)))
        .unwrap();
    write!(
        stream,
        "GET /__credsite/events HTTP/1.1\r\nHost: 127.0.0.1:{}\r\n\r\n",
        server.port
    )
    .unwrap();
    let data = BufReader::new(stream)
        .lines()
        .map_while(Result::ok)
        .find(|line| line.starts_with("data:"))
        .expect("an event before the timeout");
    assert_eq!(data, "data: 2");
}

#[test]
fn paths_outside_the_site_are_not_found() {
    let site = example_site();
    let server = Server::start(site.path(), &[]);
    for path in [
        "/../credsite.toml",
        "/%2e%2e/credsite.toml",
        "/%2E%2E/%2E%2E/etc/passwd",
        "/credentials/%2e%2e/%2e%2e/credsite.toml",
        "/credentials/..%2f..%2fcredsite.toml",
        "/..%5ccredsite.toml",
        "/content/credentials/roster-2019-2026.csv",
    ] {
        let response = server.get(path);
        assert_eq!(response.status, 404, "{path}");
        assert!(!response.body.contains("base_url ="), "{path}");
        assert!(!response.body.contains("holder_email"), "{path}");
    }
}

#[test]
fn a_burst_of_changes_gives_one_rebuild() {
    let site = example_site();
    let server = Server::start(site.path(), &[]);
    let burst = site.path().join("static/burst");
    fs::create_dir_all(&burst).unwrap();
    for i in 0..1000 {
        fs::write(burst.join(format!("f{i}.txt")), format!("{i}")).unwrap();
    }
    server.wait_for("/burst/f999.txt", "the burst's last file", |r| {
        r.status == 200
    });
    std::thread::sleep(Duration::from_secs(2));
    let log = server.log();
    // One rebuild; two when the machine is so busy that the writer paused for longer
    // than the quiet window in the middle of the burst. Never one per file.
    let rebuilds = log.matches("Rebuilt").count();
    assert!((1..=2).contains(&rebuilds), "{log}");
    assert!(log.contains(" changes."), "{log}");
}

#[test]
fn a_port_in_use_is_a_clear_error() {
    let taken = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = taken.local_addr().unwrap().port().to_string();
    let site = example_site();
    let mut child = Command::new(env!("CARGO_BIN_EXE_credsite"))
        .arg("--root")
        .arg(site.path())
        .args(["serve", "--port", &port])
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let started = Instant::now();
    let status = loop {
        if let Some(status) = child.try_wait().unwrap() {
            break status;
        }
        if started.elapsed() > Duration::from_secs(30) {
            let _ = child.kill();
            panic!("serve did not stop on a port in use");
        }
        std::thread::sleep(Duration::from_millis(50));
    };
    let mut stderr = String::new();
    child
        .stderr
        .take()
        .unwrap()
        .read_to_string(&mut stderr)
        .unwrap();
    assert_eq!(status.code(), Some(2), "{stderr}");
    assert!(
        stderr.starts_with(&format!(
            "error: port {port} on 127.0.0.1 is already in use"
        )),
        "{stderr}"
    );
    assert!(stderr.contains("--port"), "{stderr}");
    assert!(!stderr.contains("panicked"), "{stderr}");
    drop(taken);
}

#[test]
fn binding_to_the_network_warns() {
    let site = example_site();
    let server = Server::start(site.path(), &["--bind", "0.0.0.0"]);
    assert!(
        server
            .log()
            .contains("warning: serving on 0.0.0.0 to the network"),
        "{}",
        server.log()
    );
    assert_eq!(server.get("/").status, 200);
}
