//! Who is signed in: sessions, their form tokens, and the brake on guessing passwords.
//!
//! A session is a random identifier in an HttpOnly, Secure, SameSite=Strict cookie; the server
//! keeps only its SHA-256, with the account, the session's form token (CSRF) and its expiry, in
//! memory and in `portail/sessions.json` (so that a restart signs nobody out). Every request
//! checks the expiry, and that the account still exists.

use std::collections::HashMap;
use std::net::IpAddr;
use std::path::{Path, PathBuf};
use std::sync::Mutex;
use std::time::{Duration, Instant};

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use super::accounts::random_token;
use crate::error::Result;
use crate::files::write_bytes_atomically;
use crate::store::sha256_hex;

const SESSIONS_FILE: &str = "sessions.json";

/// How long a session lasts after signing in.
pub const SESSION_HOURS: i64 = 12;

/// A signed-in account.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Session {
    /// The account's address.
    pub email: String,
    /// The token every form of the session carries.
    #[serde(rename = "jeton")]
    pub token: String,
    /// When the session ends.
    #[serde(rename = "expire")]
    pub expires: DateTime<Utc>,
}

impl Session {
    /// Whether a form carries this session's token (it was sent from one of its pages),
    /// compared in constant time.
    pub fn sent_with(&self, token: &str) -> bool {
        super::accounts::same_secret(&self.token, token)
    }
}

/// Every session of the portal.
#[derive(Debug)]
pub struct Sessions {
    path: PathBuf,
    by_hash: Mutex<HashMap<String, Session>>,
}

impl Sessions {
    /// The sessions kept in `folder`, those still valid read back.
    pub fn load(folder: &Path) -> Self {
        let path = folder.join(SESSIONS_FILE);
        let now = Utc::now();
        let by_hash: HashMap<String, Session> = std::fs::read(&path)
            .ok()
            .and_then(|bytes| serde_json::from_slice(&bytes).ok())
            .unwrap_or_default();
        let by_hash = by_hash
            .into_iter()
            .filter(|(_, s)| s.expires > now)
            .collect();
        Sessions {
            path,
            by_hash: Mutex::new(by_hash),
        }
    }

    fn save(&self, by_hash: &HashMap<String, Session>) -> Result<()> {
        let bytes = serde_json::to_vec(by_hash).expect("sessions serialize");
        write_bytes_atomically(&self.path, &bytes)
    }

    /// Opens a session for an account; returns the cookie's value.
    pub fn open(&self, email: &str) -> Result<String> {
        let id = random_token();
        let session = Session {
            email: email.to_string(),
            token: random_token(),
            expires: Utc::now() + chrono::Duration::hours(SESSION_HOURS),
        };
        let mut by_hash = self.by_hash.lock().expect("sessions lock");
        let now = Utc::now();
        by_hash.retain(|_, s| s.expires > now);
        by_hash.insert(sha256_hex(id.as_bytes()), session);
        self.save(&by_hash)?;
        Ok(id)
    }

    /// The session a cookie's value names, if it is still valid.
    pub fn get(&self, id: &str) -> Option<Session> {
        let by_hash = self.by_hash.lock().expect("sessions lock");
        by_hash
            .get(&sha256_hex(id.as_bytes()))
            .filter(|s| s.expires > Utc::now())
            .cloned()
    }

    /// Closes a session (signing out).
    pub fn close(&self, id: &str) -> Result<()> {
        let mut by_hash = self.by_hash.lock().expect("sessions lock");
        if by_hash.remove(&sha256_hex(id.as_bytes())).is_some() {
            self.save(&by_hash)?;
        }
        Ok(())
    }

    /// Closes every session of an account (removed, or its password reset).
    pub fn close_all_of(&self, email: &str) -> Result<()> {
        let mut by_hash = self.by_hash.lock().expect("sessions lock");
        let before = by_hash.len();
        by_hash.retain(|_, s| s.email != email);
        if by_hash.len() != before {
            self.save(&by_hash)?;
        }
        Ok(())
    }
}

/// Failed sign-ins allowed per address typed within [`THROTTLE_WINDOW`].
pub const MAX_FAILURES_PER_ACCOUNT: usize = 5;
/// Failed sign-ins allowed per client address within [`THROTTLE_WINDOW`].
pub const MAX_FAILURES_PER_CLIENT: usize = 20;
/// How long a failure counts.
pub const THROTTLE_WINDOW: Duration = Duration::from_secs(15 * 60);

/// Counts failed sign-ins, per address typed and per client, to stop password guessing.
#[derive(Debug, Default)]
pub struct Throttle {
    failures: Mutex<HashMap<String, Vec<Instant>>>,
}

impl Throttle {
    fn keys(email: &str, client: IpAddr) -> [String; 2] {
        [
            format!("compte:{}", email.trim().to_lowercase()),
            format!("client:{client}"),
        ]
    }

    /// How long until this sign-in may be tried, if it is held back now.
    pub fn wait(&self, email: &str, client: IpAddr) -> Option<Duration> {
        let mut failures = self.failures.lock().expect("throttle lock");
        let now = Instant::now();
        let [account, from] = Self::keys(email, client);
        let mut wait = None;
        for (key, limit) in [
            (account, MAX_FAILURES_PER_ACCOUNT),
            (from, MAX_FAILURES_PER_CLIENT),
        ] {
            let times = failures.entry(key).or_default();
            times.retain(|t| now.duration_since(*t) < THROTTLE_WINDOW);
            if times.len() >= limit {
                let free_at = times[times.len() - limit] + THROTTLE_WINDOW;
                let left = free_at.saturating_duration_since(now);
                wait = Some(wait.map_or(left, |w: Duration| w.max(left)));
            }
        }
        wait
    }

    /// Counts a failed sign-in.
    pub fn failed(&self, email: &str, client: IpAddr) {
        let mut failures = self.failures.lock().expect("throttle lock");
        for key in Self::keys(email, client) {
            failures.entry(key).or_default().push(Instant::now());
        }
    }

    /// Forgets an account's failures once it signs in.
    pub fn succeeded(&self, email: &str, client: IpAddr) {
        let mut failures = self.failures.lock().expect("throttle lock");
        failures.remove(&Self::keys(email, client)[0]);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sessions_survive_a_restart_and_close() {
        let dir = tempfile::tempdir().unwrap();
        let sessions = Sessions::load(dir.path());
        let id = sessions.open("a@x.fr").unwrap();
        let session = sessions.get(&id).unwrap();
        assert_eq!(session.email, "a@x.fr");
        assert_ne!(session.token, id);
        let stored = std::fs::read_to_string(dir.path().join(SESSIONS_FILE)).unwrap();
        assert!(!stored.contains(&id), "only the identifier's hash is kept");
        let restarted = Sessions::load(dir.path());
        assert_eq!(restarted.get(&id), Some(session));
        restarted.close(&id).unwrap();
        assert!(restarted.get(&id).is_none());
        assert!(Sessions::load(dir.path()).get(&id).is_none());
    }

    #[test]
    fn the_sixth_failure_of_an_account_waits_and_a_success_clears_it() {
        let throttle = Throttle::default();
        let client: IpAddr = "192.0.2.1".parse().unwrap();
        for _ in 0..MAX_FAILURES_PER_ACCOUNT {
            assert!(throttle.wait("a@x.fr", client).is_none());
            throttle.failed("a@x.fr", client);
        }
        let wait = throttle.wait("A@x.fr", client).unwrap();
        assert!(wait > Duration::from_secs(14 * 60) && wait <= THROTTLE_WINDOW);
        assert!(
            throttle.wait("b@x.fr", client).is_none(),
            "other accounts go on"
        );
        throttle.succeeded("a@x.fr", client);
        assert!(throttle.wait("a@x.fr", client).is_none());
    }
}
