//! Training and supervision of the staff: over the three years before the reference day, a
//! course a fortnight (some on ethics) and a group supervision a month per area, attended by
//! the social workers and coordinators (most in full, some partly, below the share that earns
//! the credits), recorded by the administrative staff. Every event passes the domain's
//! `check_event`, every attendance `check_attendance`.
//!
//! Training has its own random stream, so adding it left every other generated row unchanged.

use chrono::{DateTime, NaiveDate, Utc};
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use socialcare_domain::training::{EventContent, TrainingKind, check_attendance, check_event};
use socialcare_persistence::sql_types::DbUuid;

use super::rows::{AttendanceRow, Batch, TrainingEventRow};
use super::staff::Staff;
use super::util::{add, chance, id_at, inst, office_time};

/// Separates the training stream from the others drawn from the same seed.
const TRAINING_STREAM: u64 = 0x7472_6169_6e69_6e67;

/// Writes the staff's training events and attendance of the three years before `today`.
pub fn generate(
    seed: u64,
    today: NaiveDate,
    now: DateTime<Utc>,
    staff: &Staff,
    batch: &mut Batch,
) -> anyhow::Result<()> {
    let mut rng = StdRng::seed_from_u64(seed ^ TRAINING_STREAM);
    let obliged: Vec<[Vec<uuid::Uuid>; 2]> = (0..3)
        .map(|a| {
            [
                staff.social_workers[a].clone(),
                staff.coordinators[a].clone(),
            ]
        })
        .collect();
    let mut day = add(today, -3 * 365);
    let mut n = 0usize;
    while day < today {
        n += 1;
        let supervision = n.is_multiple_of(3);
        let hours: u16 = if supervision {
            3
        } else {
            rng.random_range(4..=16)
        };
        let credits = if supervision { 3 } else { hours.min(20) };
        let ethics = if !supervision && n % 4 == 1 {
            credits
        } else {
            0
        };
        let content = EventContent {
            kind: if supervision {
                TrainingKind::SupervisionGroup
            } else {
                TrainingKind::Training
            },
            title: format!(
                "{} {}",
                if supervision {
                    "Supervisione di gruppo"
                } else if ethics > 0 {
                    "Etica e deontologia professionale"
                } else {
                    "Aggiornamento professionale"
                },
                n
            ),
            provider: "Ordine degli assistenti sociali del Trentino-Alto Adige".to_owned(),
            from_on: day,
            until_on: day,
            hours,
            credits,
            ethics_credits: ethics,
            notes: None,
        };
        check_event(&content).map_err(|e| anyhow::anyhow!("generated event {n}: {e:?}"))?;
        let clerk = staff.clerk(&mut rng);
        let created = office_time(&mut rng, add(day, -20)).min(now);
        let id = id_at(&mut rng, created);
        batch.training_events.push(TrainingEventRow {
            id: DbUuid(id),
            kind: content.kind.as_str().to_owned(),
            title: content.title.clone(),
            provider: content.provider.clone(),
            from_on: day,
            until_on: day,
            hours: i16::try_from(hours)?,
            credits: i16::try_from(credits)?,
            ethics_credits: i16::try_from(ethics)?,
            notes: None,
            version: 1,
            created_at: inst(created),
            created_by: DbUuid(clerk),
            updated_at: inst(created),
            updated_by: DbUuid(clerk),
        });
        // A supervision is one area's; a course is open to all, a fifth of them attend.
        let area = n % 3;
        for (a, groups) in obliged.iter().enumerate() {
            if supervision && a != area {
                continue;
            }
            for user in groups.iter().flatten() {
                if !supervision && !chance(&mut rng, 0.2) {
                    continue;
                }
                let attended = if chance(&mut rng, 0.9) {
                    hours
                } else {
                    hours / 2
                };
                check_attendance(&content, attended).map_err(|e| anyhow::anyhow!(e))?;
                batch.training_attendance.push(AttendanceRow {
                    event_id: DbUuid(id),
                    user_id: DbUuid(*user),
                    hours: i16::try_from(attended)?,
                    recorded_at: inst(office_time(&mut rng, add(day, 1).min(today)).min(now)),
                    recorded_by: DbUuid(clerk),
                });
            }
        }
        day = add(day, if supervision { 10 } else { 5 });
    }
    Ok(())
}
