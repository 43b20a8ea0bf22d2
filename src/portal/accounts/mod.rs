//! The portal's accounts: who may sign in, with which role, over which manufactures.
//!
//! Accounts live in `portail/comptes.json` in the workspace, rewritten whole (through a
//! temporary file and a rename) under the portal's lock, so that `mesure acces` and a running
//! `mesure serve` never lose each other's changes: every change reads the file, changes it and
//! writes it back while holding the lock. Passwords are stored as argon2 hashes; an
//! invitation (or a reset) is a random token given once, of which only the SHA-256 is kept, and
//! which expires.
//!
//! `account.rs` holds what one account is (its role and scope: who sees and manages what).
//!
//! Size: under 300 lines of code; the rest is unit tests of invitations, resets and scopes.

mod account;

use std::path::{Path, PathBuf};

use argon2::Argon2;
use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use chrono::{Duration, Utc};
use serde::{Deserialize, Serialize};
use subtle::ConstantTimeEq;

use crate::error::{Error, Result};
use crate::files::write_bytes_atomically;
use crate::registry::Registry;

use crate::store::{WriteLock, sha256_hex};
use account::check_scope;
pub use account::{Account, Invitation, NewAccount, Role};

/// The accounts file, in the portal's folder.
const ACCOUNTS_FILE: &str = "comptes.json";

/// How long an invitation link can be used.
pub const INVITATION_DAYS: i64 = 7;

/// The shortest password accepted.
pub const MIN_PASSWORD_CHARS: usize = 12;

/// Why an account operation was refused, in French.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum AccountError {
    /// The address is not one.
    #[error("« {0} » n'est pas une adresse électronique")]
    BadEmail(String),
    /// An account exists already.
    #[error("un compte existe déjà pour {0}")]
    Exists(String),
    /// No such account.
    #[error("aucun compte pour {0}")]
    Unknown(String),
    /// A gestionnaire without manufacture, or with one the registry does not know.
    #[error("{0}")]
    Scope(String),
    /// The invitation link is unknown, used or expired.
    #[error(
        "ce lien d'invitation n'est plus valable (déjà utilisé, ou expiré) : demandez-en un nouveau à la tête de réseau"
    )]
    BadInvitation,
    /// The password is too short.
    #[error("le mot de passe doit compter au moins {MIN_PASSWORD_CHARS} caractères")]
    WeakPassword,
}

/// The accounts of a workspace's portal.
#[derive(Debug, Clone)]
pub struct Accounts {
    folder: PathBuf,
}

/// The file's content.
#[derive(Debug, Default, Serialize, Deserialize)]
struct AccountsFile {
    comptes: Vec<Account>,
}

impl Accounts {
    /// The accounts kept in `folder` (the workspace's `portail/`).
    pub fn new(folder: &Path) -> Self {
        Accounts {
            folder: folder.to_path_buf(),
        }
    }

    fn path(&self) -> PathBuf {
        self.folder.join(ACCOUNTS_FILE)
    }

    /// Every account, in creation order.
    pub fn list(&self) -> Result<Vec<Account>> {
        let path = self.path();
        match std::fs::read(&path) {
            Ok(bytes) => serde_json::from_slice::<AccountsFile>(&bytes)
                .map(|file| file.comptes)
                .map_err(|e| Error::Refused(format!("{} illisible : {e}", path.display()))),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(Vec::new()),
            Err(e) => Err(Error::io(&path, e)),
        }
    }

    /// The account of an address, if any.
    pub fn get(&self, email: &str) -> Result<Option<Account>> {
        let email = normalize_email(email);
        Ok(self.list()?.into_iter().find(|a| a.email == email))
    }

    /// Reads, changes and writes the accounts under the portal's lock.
    fn change<T>(
        &self,
        change: impl FnOnce(&mut Vec<Account>) -> std::result::Result<T, AccountError>,
    ) -> Result<std::result::Result<T, AccountError>> {
        let _lock = WriteLock::acquire(&self.folder, "la gestion des comptes", &|_| {})?;
        let mut accounts = self.list()?;
        let outcome = change(&mut accounts);
        if outcome.is_ok() {
            let file = AccountsFile { comptes: accounts };
            let bytes = serde_json::to_vec_pretty(&file).expect("accounts serialize");
            write_bytes_atomically(&self.path(), &bytes)?;
        }
        Ok(outcome)
    }

    /// Creates an account and returns its invitation token (to put in the link).
    pub fn invite(
        &self,
        new: NewAccount,
        by: &str,
        registry: &Registry,
    ) -> Result<std::result::Result<String, AccountError>> {
        let email = normalize_email(&new.email);
        if !is_email(&email) {
            return Ok(Err(AccountError::BadEmail(new.email)));
        }
        if let Err(e) = check_scope(&new, registry) {
            return Ok(Err(e));
        }
        let token = random_token();
        let invitation = invitation_for(&token);
        let manufactures = new.known_manufactures(registry);
        self.change(|accounts| {
            if accounts.iter().any(|a| a.email == email) {
                return Err(AccountError::Exists(email.clone()));
            }
            accounts.push(Account {
                email: email.clone(),
                role: new.role,
                manufactures,
                regions: new.regions.clone(),
                password_hash: None,
                invitation: Some(invitation),
                invited_by: by.to_string(),
                created_at: Utc::now(),
            });
            Ok(token)
        })
    }

    /// A new invitation for an existing account (a forgotten password): the old password
    /// stops working at once.
    pub fn reset(&self, email: &str) -> Result<std::result::Result<String, AccountError>> {
        let email = normalize_email(email);
        let token = random_token();
        let invitation = invitation_for(&token);
        self.change(|accounts| {
            let account = accounts
                .iter_mut()
                .find(|a| a.email == email)
                .ok_or_else(|| AccountError::Unknown(email.clone()))?;
            account.password_hash = None;
            account.invitation = Some(invitation);
            Ok(token)
        })
    }

    /// Removes an account.
    pub fn remove(&self, email: &str) -> Result<std::result::Result<Account, AccountError>> {
        let email = normalize_email(email);
        self.change(|accounts| {
            let at = accounts
                .iter()
                .position(|a| a.email == email)
                .ok_or_else(|| AccountError::Unknown(email.clone()))?;
            Ok(accounts.remove(at))
        })
    }

    /// The account an invitation token opens, if it is valid now.
    pub fn invited(&self, token: &str) -> Result<Option<Account>> {
        let hash = sha256_hex(token.as_bytes());
        let now = Utc::now();
        Ok(self.list()?.into_iter().find(|a| {
            a.invitation
                .as_ref()
                .is_some_and(|i| same_secret(&i.hash, &hash) && i.expires > now)
        }))
    }

    /// Sets the password of the account an invitation opens, and uses the invitation up.
    pub fn accept(
        &self,
        token: &str,
        password: &str,
    ) -> Result<std::result::Result<Account, AccountError>> {
        if password.chars().count() < MIN_PASSWORD_CHARS {
            return Ok(Err(AccountError::WeakPassword));
        }
        let hash = sha256_hex(token.as_bytes());
        let password_hash = hash_password(password);
        let now = Utc::now();
        self.change(|accounts| {
            let account = accounts
                .iter_mut()
                .find(|a| {
                    a.invitation
                        .as_ref()
                        .is_some_and(|i| same_secret(&i.hash, &hash) && i.expires > now)
                })
                .ok_or(AccountError::BadInvitation)?;
            account.password_hash = Some(password_hash);
            account.invitation = None;
            Ok(account.clone())
        })
    }

    /// The account whose address and password these are. The password is checked even for
    /// an unknown address, so that the time taken does not tell which addresses exist.
    pub fn verify(&self, email: &str, password: &str) -> Result<Option<Account>> {
        let email = normalize_email(email);
        let account = self.list()?.into_iter().find(|a| a.email == email);
        let stored = account
            .as_ref()
            .and_then(|a| a.password_hash.clone())
            .unwrap_or_else(|| dummy_hash().to_string());
        let matches = PasswordHash::new(&stored)
            .map(|hash| {
                Argon2::default()
                    .verify_password(password.as_bytes(), &hash)
                    .is_ok()
            })
            .unwrap_or(false);
        Ok(account.filter(|a| matches && a.is_active()))
    }
}

/// An argon2 hash of a password nobody has, checked for unknown addresses.
fn dummy_hash() -> &'static str {
    static HASH: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    HASH.get_or_init(|| hash_password(&random_token()))
}

fn hash_password(password: &str) -> String {
    let mut salt = [0u8; 16];
    getrandom::fill(&mut salt).expect("the system gives random bytes");
    let salt = SaltString::encode_b64(&salt).expect("16 bytes make a salt");
    Argon2::default()
        .hash_password(password.as_bytes(), &salt)
        .expect("argon2 hashes any password")
        .to_string()
}

fn invitation_for(token: &str) -> Invitation {
    Invitation {
        hash: sha256_hex(token.as_bytes()),
        expires: Utc::now() + Duration::days(INVITATION_DAYS),
    }
}

/// 32 random bytes in hex: an invitation, session or form token.
pub fn random_token() -> String {
    let mut bytes = [0u8; 32];
    getrandom::fill(&mut bytes).expect("the system gives random bytes");
    hex::encode(bytes)
}

/// Compares two secrets in constant time.
pub fn same_secret(a: &str, b: &str) -> bool {
    a.len() == b.len() && bool::from(a.as_bytes().ct_eq(b.as_bytes()))
}

fn normalize_email(email: &str) -> String {
    email.trim().to_lowercase()
}

fn is_email(email: &str) -> bool {
    let Some((local, domain)) = email.split_once('@') else {
        return false;
    };
    !local.is_empty()
        && domain.contains('.')
        && !domain.starts_with('.')
        && !domain.ends_with('.')
        && email.len() <= 200
        && !email
            .chars()
            .any(|c| c.is_whitespace() || c.is_control() || "<>\"'".contains(c))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn registry() -> Registry {
        let root = Path::new(env!("CARGO_MANIFEST_DIR"));
        Registry::load(&root.join("sample-data/manufactures.csv")).unwrap()
    }

    fn manager(folder: &Path, id: &str) -> String {
        let accounts = Accounts::new(folder);
        let new = NewAccount {
            email: format!("Gestion.{id}@Exemple.fr"),
            role: Role::Manager,
            manufactures: vec![id.to_string()],
            regions: vec![],
        };
        accounts.invite(new, "test", &registry()).unwrap().unwrap()
    }

    #[test]
    fn an_invitation_opens_once_and_the_password_then_signs_in() {
        let dir = tempfile::tempdir().unwrap();
        let accounts = Accounts::new(dir.path());
        let token = manager(dir.path(), "mp003");
        let account = accounts.invited(&token).unwrap().unwrap();
        assert_eq!(account.email, "gestion.mp003@exemple.fr");
        assert_eq!(
            accounts.accept(&token, "court").unwrap(),
            Err(AccountError::WeakPassword)
        );
        accounts
            .accept(&token, "un mot de passe assez long")
            .unwrap()
            .unwrap();
        assert_eq!(
            accounts
                .accept(&token, "un autre mot de passe long")
                .unwrap(),
            Err(AccountError::BadInvitation),
            "an invitation is used once"
        );
        assert!(
            accounts
                .verify("GESTION.mp003@exemple.fr ", "un mot de passe assez long")
                .unwrap()
                .is_some()
        );
        assert!(
            accounts
                .verify("gestion.mp003@exemple.fr", "un mot de passe assez lonG")
                .unwrap()
                .is_none()
        );
        assert!(
            accounts
                .verify("personne@exemple.fr", "x")
                .unwrap()
                .is_none()
        );
        let stored = std::fs::read_to_string(dir.path().join(ACCOUNTS_FILE)).unwrap();
        assert!(!stored.contains(&token), "only the token's hash is kept");
        assert!(
            !stored.contains("assez long"),
            "only the password's hash is kept"
        );
    }

    #[test]
    fn a_reset_stops_the_old_password_and_an_expired_link_opens_nothing() {
        let dir = tempfile::tempdir().unwrap();
        let accounts = Accounts::new(dir.path());
        let token = manager(dir.path(), "mp003");
        accounts
            .accept(&token, "premier mot de passe")
            .unwrap()
            .unwrap();
        let reset = accounts.reset("gestion.mp003@exemple.fr").unwrap().unwrap();
        assert!(
            accounts
                .verify("gestion.mp003@exemple.fr", "premier mot de passe")
                .unwrap()
                .is_none()
        );
        // Age the invitation past its expiry.
        let path = dir.path().join(ACCOUNTS_FILE);
        let text = std::fs::read_to_string(&path).unwrap();
        let mut file: AccountsFile = serde_json::from_str(&text).unwrap();
        file.comptes[0].invitation.as_mut().unwrap().expires = Utc::now() - Duration::hours(1);
        std::fs::write(&path, serde_json::to_vec(&file).unwrap()).unwrap();
        assert!(accounts.invited(&reset).unwrap().is_none());
        assert_eq!(
            accounts.accept(&reset, "second mot de passe").unwrap(),
            Err(AccountError::BadInvitation)
        );
    }

    #[test]
    fn scopes_are_checked_against_the_registry() {
        let dir = tempfile::tempdir().unwrap();
        let accounts = Accounts::new(dir.path());
        let registry = registry();
        let invite = |role, manufactures: &[&str], regions: &[&str]| {
            let new = NewAccount {
                email: "x@exemple.fr".into(),
                role,
                manufactures: manufactures.iter().map(|s| s.to_string()).collect(),
                regions: regions.iter().map(|s| s.to_string()).collect(),
            };
            accounts.invite(new, "test", &registry).unwrap()
        };
        assert!(matches!(
            invite(Role::Manager, &[], &[]),
            Err(AccountError::Scope(_))
        ));
        assert!(matches!(
            invite(Role::Manager, &["mp999"], &[]),
            Err(AccountError::Scope(_))
        ));
        assert!(matches!(
            invite(Role::Network, &[], &["99"]),
            Err(AccountError::Scope(_))
        ));
        invite(Role::Manager, &["MP001"], &[]).unwrap();
        assert_eq!(
            invite(Role::Consultant, &[], &[]),
            Err(AccountError::Exists("x@exemple.fr".into()))
        );
        let stored = accounts.get("x@exemple.fr").unwrap().unwrap();
        assert_eq!(stored.manufactures, ["mp001"], "the registry's spelling");
        let mp001 = registry.get("mp001").unwrap();
        let mp002 = registry.get("mp002").unwrap();
        assert!(stored.sees(mp001));
        assert!(!stored.sees(mp002));
    }
}
