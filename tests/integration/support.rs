//! A small builder for end-to-end tests: a temporary folder, files put into it, and the
//! `mesure` binary run inside it.

use std::fs;
use std::path::{Path, PathBuf};
use std::process::Command;

/// The repository's root, which is itself a workspace on the sample network.
pub fn repo() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// A file or folder under `tests/fixtures`.
pub fn fixture(relative: &str) -> PathBuf {
    repo().join("tests/fixtures").join(relative)
}

/// What a run of the binary gave.
#[derive(Debug)]
pub struct Outcome {
    pub code: i32,
    pub stdout: String,
    pub stderr: String,
}

/// A temporary folder where the binary runs.
pub struct Workdir {
    dir: tempfile::TempDir,
}

impl Workdir {
    /// An empty folder.
    pub fn new() -> Self {
        Workdir {
            dir: tempfile::tempdir().expect("temporary folder"),
        }
    }

    /// A folder made a workspace by `mesure init .`.
    pub fn workspace() -> Self {
        let workdir = Workdir::new();
        let outcome = workdir.run(&["init", "."]);
        assert_eq!(outcome.code, 0, "{outcome:?}");
        workdir
    }

    /// A workspace with the repository's definitions and the sample registry, and an empty store.
    pub fn sample_workspace() -> Self {
        let workdir = Workdir::new();
        workdir.copy(&repo().join("indicators"), "indicators");
        workdir.copy(
            &repo().join("sample-data/manufactures.csv"),
            "manufactures.csv",
        );
        workdir
    }

    pub fn path(&self) -> &Path {
        self.dir.path()
    }

    /// Copies a file, or a folder's contents, to a path inside the folder.
    pub fn copy(&self, from: &Path, to: &str) {
        copy_recursively(from, &self.path().join(to));
    }

    /// Writes a file inside the folder.
    pub fn write(&self, to: &str, contents: impl AsRef<[u8]>) {
        let path = self.path().join(to);
        fs::create_dir_all(path.parent().unwrap()).unwrap();
        fs::write(path, contents).unwrap();
    }

    /// The folder's store, for reading.
    pub fn store(&self) -> mesure::store::Store {
        mesure::store::Store::read(&self.path().join("store"))
    }

    /// Runs `mesure ingest FILES` inside the folder.
    pub fn ingest(&self, files: &[impl AsRef<Path>]) -> Outcome {
        let mut args = vec!["ingest"];
        args.extend(files.iter().map(|f| path_str(f.as_ref())));
        self.run(&args)
    }

    /// Every figure of the workspace at the manufacture and national levels, for these kinds
    /// of period (`month`, `year`...), as `mesure compute` writes them.
    pub fn figures(&self, pers: &[&str]) -> String {
        let mut args = vec!["compute", "--level", "manufacture", "--level", "national"];
        for per in pers {
            args.extend(["--per", per]);
        }
        let outcome = self.run(&args);
        assert_eq!(outcome.code, 0, "{outcome:?}");
        assert!(outcome.stdout.lines().count() > 1);
        outcome.stdout
    }

    /// Runs `mesure ARGS` inside the folder.
    pub fn run(&self, args: &[&str]) -> Outcome {
        self.run_with_env(args, &[])
    }

    /// Runs `mesure ARGS` inside the folder with extra environment variables.
    pub fn run_with_env(&self, args: &[&str], env: &[(&str, &str)]) -> Outcome {
        let output = Command::new(env!("CARGO_BIN_EXE_mesure"))
            .args(args)
            .envs(env.iter().copied())
            .current_dir(self.path())
            .output()
            .expect("the binary runs");
        Outcome {
            code: output.status.code().unwrap_or(-1),
            stdout: String::from_utf8(output.stdout).expect("UTF-8 output"),
            stderr: String::from_utf8(output.stderr).expect("UTF-8 output"),
        }
    }
}

fn copy_recursively(from: &Path, to: &Path) {
    if from.is_dir() {
        fs::create_dir_all(to).unwrap();
        for entry in fs::read_dir(from).unwrap() {
            let entry = entry.unwrap();
            copy_recursively(&entry.path(), &to.join(entry.file_name()));
        }
    } else {
        fs::create_dir_all(to.parent().unwrap()).unwrap();
        fs::copy(from, to).unwrap();
    }
}

/// An HTTP/1.1 answer read by [`http`].
#[derive(Debug)]
pub struct HttpAnswer {
    pub status: u16,
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
}

impl HttpAnswer {
    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.body).to_string()
    }

    /// Every `name=value` pair the answer sets as a cookie.
    pub fn cookies(&self) -> Vec<String> {
        self.headers
            .iter()
            .filter(|(k, _)| k.eq_ignore_ascii_case("set-cookie"))
            .map(|(_, v)| v.split(';').next().unwrap_or("").to_string())
            .collect()
    }

    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }
}

/// One HTTP/1.1 request to a server on 127.0.0.1 (`Connection: close`), for the tests that
/// talk to a real `mesure serve` process: enough for forms, files and cookies.
pub fn http(
    port: u16,
    method: &str,
    path: &str,
    cookies: &str,
    content_type: Option<&str>,
    body: &[u8],
) -> std::io::Result<HttpAnswer> {
    use std::io::{Read, Write};
    let mut stream = std::net::TcpStream::connect(("127.0.0.1", port))?;
    stream.set_read_timeout(Some(std::time::Duration::from_secs(120)))?;
    let mut head = format!(
        "{method} {path} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nConnection: close\r\nContent-Length: {}\r\n",
        body.len()
    );
    if !cookies.is_empty() {
        head.push_str(&format!("Cookie: {cookies}\r\n"));
    }
    if let Some(kind) = content_type {
        head.push_str(&format!("Content-Type: {kind}\r\n"));
    }
    head.push_str("\r\n");
    stream.write_all(head.as_bytes())?;
    stream.write_all(body)?;
    let mut raw = Vec::new();
    stream.read_to_end(&mut raw)?;
    let split = raw
        .windows(4)
        .position(|w| w == b"\r\n\r\n")
        .ok_or_else(|| std::io::Error::other("no header end"))?;
    let head = String::from_utf8_lossy(&raw[..split]).to_string();
    let mut lines = head.lines();
    let status = lines
        .next()
        .and_then(|l| l.split_whitespace().nth(1))
        .and_then(|s| s.parse().ok())
        .ok_or_else(|| std::io::Error::other("no status"))?;
    let headers: Vec<(String, String)> = lines
        .filter_map(|l| l.split_once(':'))
        .map(|(k, v)| (k.trim().to_string(), v.trim().to_string()))
        .collect();
    let mut body = raw[split + 4..].to_vec();
    let chunked = headers.iter().any(|(k, v)| {
        k.eq_ignore_ascii_case("transfer-encoding") && v.eq_ignore_ascii_case("chunked")
    });
    if chunked {
        body = dechunk(&body);
    }
    Ok(HttpAnswer {
        status,
        headers,
        body,
    })
}

fn dechunk(mut raw: &[u8]) -> Vec<u8> {
    let mut out = Vec::new();
    while let Some(end) = raw.windows(2).position(|w| w == b"\r\n") {
        let size =
            usize::from_str_radix(String::from_utf8_lossy(&raw[..end]).trim(), 16).unwrap_or(0);
        if size == 0 {
            break;
        }
        let start = end + 2;
        out.extend_from_slice(&raw[start..(start + size).min(raw.len())]);
        raw = &raw[(start + size + 2).min(raw.len())..];
    }
    out
}

/// A multipart body as the upload form posts it: the form token, then the files.
pub fn multipart(token: &str, files: &[(&str, &[u8])]) -> (String, Vec<u8>) {
    let boundary = "----mesure-test-boundary";
    let mut body = format!(
        "--{boundary}\r\nContent-Disposition: form-data; name=\"jeton\"\r\n\r\n{token}\r\n"
    )
    .into_bytes();
    for (name, bytes) in files {
        body.extend_from_slice(
            format!(
                "--{boundary}\r\nContent-Disposition: form-data; name=\"fichiers\"; filename=\"{name}\"\r\nContent-Type: application/octet-stream\r\n\r\n"
            )
            .as_bytes(),
        );
        body.extend_from_slice(bytes);
        body.extend_from_slice(b"\r\n");
    }
    body.extend_from_slice(format!("--{boundary}--\r\n").as_bytes());
    (format!("multipart/form-data; boundary={boundary}"), body)
}

/// The value of the first `name="jeton" value="..."` in a page.
pub fn form_token(page: &str) -> Option<String> {
    let marker = "name=\"jeton\" value=\"";
    let at = page.find(marker)? + marker.len();
    Some(page[at..at + page[at..].find('"')?].to_string())
}

/// Kills a child process when dropped, even if the test fails.
pub struct Running(pub std::process::Child);

impl Running {
    /// Kills the process now, as `kill -9` would.
    pub fn kill(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

impl Drop for Running {
    fn drop(&mut self) {
        self.kill();
    }
}

/// A TCP port free at the time of asking.
pub fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// Waits until something listens on the port (20 s at most).
pub fn wait_for_port(port: u16) {
    let start = std::time::Instant::now();
    while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
        assert!(
            start.elapsed() < std::time::Duration::from_secs(20),
            "nothing listens on port {port}"
        );
        std::thread::sleep(std::time::Duration::from_millis(50));
    }
}

/// Starts `mesure serve` on a free port in the workdir, and waits until it listens.
pub fn start_server(workdir: &Workdir) -> (Running, u16) {
    let port = free_port();
    let child = Command::new(env!("CARGO_BIN_EXE_mesure"))
        .args(["serve", "--adresse", &format!("127.0.0.1:{port}")])
        .env("MESURE_JOURNAL", "warn")
        .current_dir(workdir.path())
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::inherit())
        .spawn()
        .expect("the server starts");
    let running = Running(child);
    wait_for_port(port);
    (running, port)
}

/// Signs in through a real server's sign-in form; returns the session's cookie.
pub fn sign_in(port: u16, email: &str, password: &str) -> String {
    let form = http(port, "GET", "/connexion", "", None, b"").unwrap();
    let token = form_token(&form.text()).unwrap();
    let cookie = form.cookies().join("; ");
    let body = format!(
        "jeton={token}&email={}&mot_de_passe={}",
        email.replace('@', "%40"),
        password.replace(' ', "+")
    );
    let answer = post_form(port, "/connexion", &cookie, &body);
    assert_eq!(answer.status, 303, "{}", answer.text());
    answer
        .cookies()
        .into_iter()
        .find(|c| c.starts_with("__Host-mesure="))
        .expect("a session cookie")
}

/// Posts a URL-encoded form to a real server.
pub fn post_form(port: u16, path: &str, cookie: &str, body: &str) -> HttpAnswer {
    http(
        port,
        "POST",
        path,
        cookie,
        Some("application/x-www-form-urlencoded"),
        body.as_bytes(),
    )
    .unwrap()
}

/// A CSV export of `mesure compute` without its last column, `definitions`, after checking
/// that the column is there and holds one 12-digit fingerprint on every row.
pub fn without_definitions(csv: &str) -> String {
    let separator = if csv.lines().next().unwrap_or("").contains(';') {
        ';'
    } else {
        ','
    };
    let mut fingerprints = std::collections::BTreeSet::new();
    let mut out = String::new();
    for (i, line) in csv.lines().enumerate() {
        let (kept, last) = line
            .rsplit_once(separator)
            .unwrap_or_else(|| panic!("no column in {line}"));
        if i == 0 {
            assert_eq!(last, "definitions", "{line}");
        } else {
            assert!(
                last.len() == 12 && last.chars().all(|c| c.is_ascii_hexdigit()),
                "{line}"
            );
            fingerprints.insert(last.to_string());
        }
        out.push_str(kept);
        out.push('\n');
    }
    assert!(fingerprints.len() <= 1, "{fingerprints:?}");
    out
}

/// A manufacture's id, for tests that build store types by hand.
pub fn id(text: &str) -> mesure::registry::ManufactureId {
    text.parse().expect("a valid id")
}

/// A path as the command line takes it.
pub fn path_str(path: &Path) -> &str {
    path.to_str().expect("a UTF-8 path")
}
