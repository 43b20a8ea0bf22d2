//! One account: its role, the manufactures or régions it covers, what it may see and whom it
//! may manage; a new account as asked, checked against the registry.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use super::AccountError;
use crate::registry::{Manufacture, ManufactureId, Registry};

/// What an account may see and do.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, clap::ValueEnum)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    /// The manager of one or more manufactures: sees and sends only theirs.
    #[serde(rename = "gestionnaire")]
    #[value(name = "gestionnaire")]
    Manager,
    /// The network's head: every manufacture (or those of some régions), accounts of their
    /// scope.
    #[serde(rename = "reseau")]
    #[value(name = "reseau")]
    Network,
    /// A consultant: the definitions and every figure.
    Consultant,
}

impl Role {
    /// The role as a user reads it.
    pub fn label(self) -> &'static str {
        match self {
            Role::Manager => "gestionnaire",
            Role::Network => "réseau",
            Role::Consultant => "consultant",
        }
    }
}

/// A pending invitation (or password reset): the hash of its token and when it expires.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Invitation {
    /// SHA-256 of the token, in hex.
    #[serde(rename = "empreinte")]
    pub hash: String,
    /// When the link stops working.
    #[serde(rename = "expire")]
    pub expires: DateTime<Utc>,
}

/// One person's account.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Account {
    /// The e-mail address, in lower case: the login, and the contact shown to the network.
    pub email: String,
    /// The role.
    pub role: Role,
    /// The manufactures of a gestionnaire.
    #[serde(default)]
    pub manufactures: Vec<ManufactureId>,
    /// The région codes of a réseau account; none means the whole network.
    #[serde(default)]
    pub regions: Vec<String>,
    /// The argon2 hash of the password, once chosen.
    #[serde(default)]
    #[serde(rename = "mot_de_passe")]
    pub password_hash: Option<String>,
    /// The invitation (or reset) not yet used.
    #[serde(default)]
    pub invitation: Option<Invitation>,
    /// Who created the account.
    #[serde(rename = "invite_par")]
    pub invited_by: String,
    /// When.
    #[serde(rename = "cree_le")]
    pub created_at: DateTime<Utc>,
}

impl Account {
    /// Whether this account may see (and, for a gestionnaire, send) this manufacture's data.
    pub fn sees(&self, manufacture: &Manufacture) -> bool {
        match self.role {
            Role::Manager => self
                .manufactures
                .iter()
                .any(|id| id.eq_ignore_ascii_case(&manufacture.id)),
            Role::Network => {
                self.regions.is_empty()
                    || self.regions.iter().any(|r| *r == manufacture.region.code)
            }
            Role::Consultant => true,
        }
    }

    /// Whether this account sees every manufacture of the network.
    pub fn sees_everything(&self) -> bool {
        match self.role {
            Role::Manager => false,
            Role::Network => self.regions.is_empty(),
            Role::Consultant => true,
        }
    }

    /// Whether this account may create, reset or remove `other`: a réseau account, for
    /// accounts wholly within its scope.
    pub fn manages(&self, other: &Account, registry: &Registry) -> bool {
        if self.role != Role::Network || other.email == self.email {
            return false;
        }
        if self.regions.is_empty() {
            return true;
        }
        match other.role {
            Role::Manager => other.manufactures.iter().all(|id| {
                registry
                    .get(id)
                    .is_some_and(|m| self.regions.iter().any(|r| *r == m.region.code))
            }),
            Role::Network => {
                !other.regions.is_empty() && other.regions.iter().all(|r| self.regions.contains(r))
            }
            Role::Consultant => false,
        }
    }

    /// What the account covers, in words: « mp003, mp007 », « toutes les régions ».
    pub fn scope_label(&self) -> String {
        match self.role {
            Role::Manager => self.manufactures.join(", "),
            Role::Network if self.regions.is_empty() => "tout le réseau".to_string(),
            Role::Network => format!("régions {}", self.regions.join(", ")),
            Role::Consultant => "définitions et chiffres".to_string(),
        }
    }

    /// Whether the account has chosen a password (it can sign in).
    pub fn is_active(&self) -> bool {
        self.password_hash.is_some()
    }
}

/// A new account, as asked by `mesure acces inviter` or a réseau account.
#[derive(Debug, Clone)]
pub struct NewAccount {
    /// The e-mail address.
    pub email: String,
    /// The role.
    pub role: Role,
    /// The manufactures of a gestionnaire, as typed.
    pub manufactures: Vec<String>,
    /// The régions of a réseau account (none: all).
    pub regions: Vec<String>,
}

impl NewAccount {
    /// The registry's ids of the manufactures typed that it knows (case aside); an unknown
    /// one is refused by [`Accounts::invite`](super::Accounts::invite), which names it.
    pub fn known_manufactures(&self, registry: &Registry) -> Vec<ManufactureId> {
        self.manufactures
            .iter()
            .filter_map(|id| find_manufacture(registry, id).map(|m| m.id.clone()))
            .collect()
    }
}

/// A manufacture by its id, whatever its case (ids are compared case-insensitively).
fn find_manufacture<'a>(registry: &'a Registry, id: &str) -> Option<&'a Manufacture> {
    registry.get(id).or_else(|| {
        registry
            .manufactures()
            .iter()
            .find(|m| m.id.eq_ignore_ascii_case(id.trim()))
    })
}

/// Refuses a new account whose manufactures or régions the registry does not know.
pub(super) fn check_scope(new: &NewAccount, registry: &Registry) -> Result<(), AccountError> {
    match new.role {
        Role::Manager if new.manufactures.is_empty() => Err(AccountError::Scope(
            "un compte gestionnaire gère au moins une manufacture (--manufacture ID)".to_string(),
        )),
        Role::Manager => match new
            .manufactures
            .iter()
            .find(|id| find_manufacture(registry, id).is_none())
        {
            Some(id) => Err(AccountError::Scope(format!(
                "manufacture « {id} » absente du registre{}",
                crate::text::did_you_mean(id, registry.ids())
            ))),
            None => Ok(()),
        },
        Role::Network => {
            let known = |code: &String| {
                registry
                    .manufactures()
                    .iter()
                    .any(|m| m.region.code == *code)
            };
            match new.regions.iter().find(|code| !known(code)) {
                Some(code) => Err(AccountError::Scope(format!(
                    "aucune manufacture du registre n'est dans la région « {code} » (code INSEE de la région, par exemple 27)"
                ))),
                None => Ok(()),
            }
        }
        Role::Consultant => Ok(()),
    }
}

#[cfg(test)]
mod tests {
    use std::path::Path;

    use chrono::Utc;

    use super::*;

    fn registry() -> Registry {
        let root = Path::new(env!("CARGO_MANIFEST_DIR"));
        Registry::load(&root.join("sample-data/manufactures.csv")).unwrap()
    }

    #[test]
    fn typed_manufactures_are_known_in_the_registrys_spelling_and_unknown_ones_dropped() {
        let new = NewAccount {
            email: "x@exemple.fr".into(),
            role: Role::Manager,
            manufactures: vec![" MP001".into(), "mp999".into(), "mp002".into()],
            regions: Vec::new(),
        };
        let known = new.known_manufactures(&registry());
        assert_eq!(known, ["mp001", "mp002"]);
    }

    #[test]
    fn a_regional_network_account_sees_and_manages_only_its_regions() {
        let registry = registry();
        let mp001 = registry.get("mp001").unwrap();
        let elsewhere = registry
            .manufactures()
            .iter()
            .find(|m| m.region.code != mp001.region.code)
            .unwrap();
        let account = |role, manufactures: Vec<ManufactureId>, regions: Vec<String>| Account {
            email: format!(
                "{}@exemple.fr",
                manufactures
                    .iter()
                    .map(ManufactureId::as_str)
                    .collect::<Vec<_>>()
                    .join("-")
            ),
            role,
            manufactures,
            regions,
            password_hash: None,
            invitation: None,
            invited_by: "test".into(),
            created_at: Utc::now(),
        };
        let regional = account(
            Role::Network,
            vec!["r".parse().unwrap()],
            vec![mp001.region.code.to_string()],
        );
        assert!(regional.sees(mp001));
        assert!(!regional.sees(elsewhere));
        let here = account(Role::Manager, vec![mp001.id.clone()], vec![]);
        let there = account(Role::Manager, vec![elsewhere.id.clone()], vec![]);
        assert!(regional.manages(&here, &registry));
        assert!(!regional.manages(&there, &registry));
        let national = account(Role::Network, vec!["n".parse().unwrap()], vec![]);
        assert!(!regional.manages(&national, &registry));
        assert!(national.manages(&regional, &registry));
        assert!(!here.manages(&there, &registry), "a manager manages nobody");
    }
}
