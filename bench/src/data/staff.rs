//! The office's staff: social workers (the case managers), educators, area coordinators, the
//! office manager, administrative staff, the privacy officer and the system administrator,
//! all with one shared password whose hash is computed once.

use std::collections::{BTreeSet, HashMap};

use anyhow::{Context, anyhow};
use argon2::password_hash::{PasswordHasher, SaltString};
use argon2::{Algorithm, Argon2, Params, Version};
use chrono::{DateTime, Utc};
use rand::rngs::StdRng;
use rand::{Rng, RngCore};
use socialcare_domain::{Area, DisplayName, Email, Password, Role, StaffProfile, Username};
use socialcare_persistence::sql_types::DbUuid;
use uuid::Uuid;

use super::catalog::{STAFF_FAMILY, STAFF_FEMALE, STAFF_MALE};
use super::rows::{Batch, UserAreaRow, UserRoleRow, UserRow};
use super::util::{id_at, inst, pick};

/// The password of every generated account: the one of the demo data (`socialcare demo-data`),
/// so that a developer needs to know only one.
pub const PASSWORD: &str = "demo-Pa55word-2026";

/// Position of an area in per-area arrays.
pub fn area_index(area: Area) -> usize {
    match area {
        Area::AdultsDisability => 0,
        Area::SocialInclusion => 1,
        Area::Transversal => 2,
    }
}

/// Short code of an area in usernames.
pub fn area_code(area: Area) -> &'static str {
    match area {
        Area::AdultsDisability => "add",
        Area::SocialInclusion => "inc",
        Area::Transversal => "tra",
    }
}

/// Share of the case files owned by each area (see the planner's weights), used to size the
/// teams.
const AREA_SHARE: [f64; 3] = [0.33, 0.47, 0.20];

/// The generated staff.
#[derive(Debug, Default)]
pub struct Staff {
    /// Social workers (case managers) per area.
    pub social_workers: [Vec<Uuid>; 3],
    /// Educators per area.
    pub educators: [Vec<Uuid>; 3],
    /// Area coordinators per area.
    pub coordinators: [Vec<Uuid>; 3],
    /// Administrative staff.
    pub administrative: Vec<Uuid>,
    /// The office manager.
    pub office_manager: Uuid,
    /// The privacy officer.
    pub privacy_officer: Uuid,
    /// The system administrator (`admin`).
    pub system_admin: Uuid,
    /// Username of every account.
    pub usernames: HashMap<Uuid, String>,
}

/// Number of case managers for `persons` persons: 0.3·√persons (at least one per area), so
/// that a case manager holds about √persons files: ~100 at 10,000 persons, ~1,000 at 1,000,000.
pub fn case_manager_count(persons: usize) -> usize {
    ((0.3 * (persons as f64).sqrt()).round() as usize).max(3)
}

/// Hashes `password` with argon2id and the application's parameters (see
/// `socialcare_api::auth::password`), with a salt drawn from the generator's stream so that the
/// hash, like every other column, depends only on the seed.
pub fn hash_password(rng: &mut StdRng, password: &str) -> anyhow::Result<String> {
    let mut salt = [0u8; 16];
    rng.fill_bytes(&mut salt);
    let salt = SaltString::encode_b64(&salt).map_err(|e| anyhow!("password salt: {e}"))?;
    let hasher = Argon2::new(Algorithm::Argon2id, Version::V0x13, Params::default());
    Ok(hasher
        .hash_password(password.as_bytes(), &salt)
        .map_err(|e| anyhow!("password hash: {e}"))?
        .to_string())
}

impl Staff {
    /// Creates the staff of an office serving `persons` persons, as accounts created on
    /// `created_at`, into `batch`.
    pub fn generate(
        rng: &mut StdRng,
        persons: usize,
        created_at: DateTime<Utc>,
        batch: &mut Batch,
    ) -> anyhow::Result<Self> {
        let hash = hash_password(rng, PASSWORD)?;
        let mut staff = Staff::default();
        let managers = case_manager_count(persons);
        let mut add = |staff: &mut Staff,
                       rng: &mut StdRng,
                       username: String,
                       roles: &[Role],
                       areas: &[Area]|
         -> anyhow::Result<Uuid> {
            let female = rng.random_bool(0.7);
            let display = if username == "admin" {
                "Amministratore di sistema".to_owned()
            } else {
                format!(
                    "{} {}",
                    pick(rng, if female { STAFF_FEMALE } else { STAFF_MALE }),
                    pick(rng, STAFF_FAMILY)
                )
            };
            let user =
                Username::parse(&username).map_err(|e| anyhow!("username {username}: {e}"))?;
            Password::parse(PASSWORD, Some(&user))
                .map_err(|e| anyhow!("password for {username}: {e}"))?;
            let display = DisplayName::parse(&display).map_err(|e| anyhow!("{e}"))?;
            let email = Email::parse(&format!("{}@comune.example.it", user.as_str()))
                .map_err(|e| anyhow!("{e}"))?;
            let profile = StaffProfile::new(
                roles.iter().copied().collect::<BTreeSet<_>>(),
                areas.iter().copied().collect::<BTreeSet<_>>(),
            )
            .map_err(|e| anyhow!("profile of {username}: {e}"))?;
            let id = id_at(rng, created_at);
            batch.users.push(UserRow {
                id: DbUuid(id),
                username: user.as_str().to_owned(),
                display_name: display.as_str().to_owned(),
                email: email.as_str().to_owned(),
                password_hash: hash.clone(),
                active: true,
                created_at: inst(created_at),
                updated_at: inst(created_at),
                disabled_at: None,
                version: 1,
            });
            for role in profile.roles() {
                batch.user_roles.push(UserRoleRow {
                    user_id: DbUuid(id),
                    role: role.as_str().to_owned(),
                });
            }
            for area in profile.areas() {
                batch.user_areas.push(UserAreaRow {
                    user_id: DbUuid(id),
                    area: area.as_str().to_owned(),
                });
            }
            staff.usernames.insert(id, user.as_str().to_owned());
            Ok(id)
        };
        for area in Area::ALL {
            let i = area_index(area);
            let code = area_code(area);
            let workers = ((managers as f64) * AREA_SHARE[i]).round().max(1.0) as usize;
            for n in 1..=workers {
                let id = add(
                    &mut staff,
                    rng,
                    format!("sw.{code}.{n:03}"),
                    &[Role::SocialWorker],
                    &[area],
                )?;
                staff.social_workers[i].push(id);
            }
            for n in 1..=(workers / 2).max(1) {
                let id = add(
                    &mut staff,
                    rng,
                    format!("ed.{code}.{n:03}"),
                    &[Role::Educator],
                    &[area],
                )?;
                staff.educators[i].push(id);
            }
            for n in 1..=(workers / 40).max(1) {
                let id = add(
                    &mut staff,
                    rng,
                    format!("coord.{code}.{n}"),
                    &[Role::AreaCoordinator],
                    &[area],
                )?;
                staff.coordinators[i].push(id);
            }
        }
        for n in 1..=(managers / 10).max(2) {
            let id = add(
                &mut staff,
                rng,
                format!("clerk.{n:02}"),
                &[Role::Administrative],
                &Area::ALL,
            )?;
            staff.administrative.push(id);
        }
        staff.office_manager = add(
            &mut staff,
            rng,
            "office.manager".into(),
            &[Role::OfficeManager],
            &[],
        )?;
        staff.privacy_officer = add(
            &mut staff,
            rng,
            "privacy.officer".into(),
            &[Role::PrivacyOfficer],
            &[],
        )?;
        staff.system_admin = add(&mut staff, rng, "admin".into(), &[Role::SystemAdmin], &[])?;
        Ok(staff)
    }

    /// Username of an account.
    pub fn username(&self, id: Uuid) -> anyhow::Result<&str> {
        self.usernames
            .get(&id)
            .map(String::as_str)
            .with_context(|| format!("no generated account {id}"))
    }

    /// A social worker of `area`.
    pub fn social_worker(&self, rng: &mut StdRng, area: Area) -> Uuid {
        pick(rng, &self.social_workers[area_index(area)])
    }

    /// An educator of `area`.
    pub fn educator(&self, rng: &mut StdRng, area: Area) -> Uuid {
        pick(rng, &self.educators[area_index(area)])
    }

    /// A coordinator of `area`.
    pub fn coordinator(&self, rng: &mut StdRng, area: Area) -> Uuid {
        pick(rng, &self.coordinators[area_index(area)])
    }

    /// An administrative clerk.
    pub fn clerk(&self, rng: &mut StdRng) -> Uuid {
        pick(rng, &self.administrative)
    }
}
