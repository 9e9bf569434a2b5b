//! The verifiable audit log's signing key, its checkpoints, the sequencer that integrates the
//! chained audit records into the Merkle tree, and the witness directory (docs/audit.md, "The
//! Merkle tree and its checkpoints").
//!
//! A checkpoint is the C2SP `tlog-checkpoint` text (origin, tree size, base64 root hash) in a
//! C2SP `signed-note`, signed with the office's Ed25519 key: `tlog_tiles::Checkpoint` and the
//! `signed_note` crate (both ports of the Go checksum database's formats, BSD-3-Clause).

use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::Mutex;
use std::time::Duration;

use actix_web::web;
use anyhow::{Context, anyhow, bail};
use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use chrono::Utc;
use signed_note::{Note, Signer, StandardSigner, StandardVerifier, VerifierList};
use socialcare_persistence::audit_tree::{self, Hash, Integration};
use socialcare_persistence::{Database, Dedicated, StoreError};
use tlog_tiles::Checkpoint;

use crate::config::{Config, Profile};
use crate::state::AppState;

/// The key file used in development when none is configured.
pub const DEVELOPMENT_KEY_FILE: &str = "socialcare-audit.key";

/// The signed-note algorithm byte of Ed25519.
const ED25519: u8 = 1;

/// The office's key for the audit log: signs its checkpoints.
pub struct LogKey {
    signer: StandardSigner,
    origin: String,
    verifier_key: String,
}

impl std::fmt::Debug for LogKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("LogKey")
            .field("origin", &self.origin)
            .field("verifier_key", &self.verifier_key)
            .finish_non_exhaustive()
    }
}

/// A new signing key for `origin`, in the signed-note format
/// (`PRIVATE+KEY+<origin>+<key id>+<base64 of 0x01 and the 32-byte seed>`).
pub fn generate_key(origin: &str) -> anyhow::Result<String> {
    if !signed_note::is_key_name_valid(origin) {
        bail!("the audit log's origin `{origin}` cannot name a key (no spaces, no `+`)");
    }
    let seed: [u8; 32] = rand::random();
    let signing = ed25519_dalek::SigningKey::from_bytes(&seed);
    let public = [&[ED25519], signing.verifying_key().to_bytes().as_slice()].concat();
    let private = [&[ED25519], seed.as_slice()].concat();
    Ok(format!(
        "PRIVATE+KEY+{origin}+{:08x}+{}",
        signed_note::key_id(origin, &public),
        STANDARD.encode(private)
    ))
}

impl LogKey {
    /// Reads a signing key in the signed-note format; its name must be the log's origin.
    pub fn parse(text: &str, origin: &str) -> anyhow::Result<Self> {
        let text = text.trim();
        let signer = StandardSigner::new(text)
            .map_err(|e| anyhow!("the audit log's signing key is not a signed-note key: {e}"))?;
        if signer.name() != origin {
            bail!(
                "the audit log's signing key is named `{}`, not the log's origin `{origin}` (SOCIALCARE_AUDIT_LOG_ORIGIN)",
                signer.name()
            );
        }
        // The verifier key, from the seed (the fifth part of the key: base64 may hold `+`).
        let seed = text
            .splitn(5, '+')
            .nth(4)
            .and_then(|b| STANDARD.decode(b).ok())
            .filter(|k| k.len() == 33 && k[0] == ED25519)
            .ok_or_else(|| anyhow!("the audit log's signing key is not an Ed25519 key"))?;
        let mut bytes = [0_u8; 32];
        bytes.copy_from_slice(&seed[1..]);
        let public = ed25519_dalek::SigningKey::from_bytes(&bytes).verifying_key();
        Ok(Self {
            signer,
            origin: origin.to_owned(),
            verifier_key: signed_note::new_ed25519_verifier_key(origin, &public),
        })
    }

    /// The key of the configuration: `SOCIALCARE_AUDIT_SIGNING_KEY`, the file of
    /// `SOCIALCARE_AUDIT_SIGNING_KEY_FILE`, or (development only) [`DEVELOPMENT_KEY_FILE`],
    /// created when missing.
    pub fn from_config(config: &Config) -> anyhow::Result<Self> {
        let origin = config.audit_log_origin.as_str();
        if let Some(text) = &config.audit_signing_key {
            return Self::parse(text, origin);
        }
        if let Some(path) = &config.audit_signing_key_file {
            return Self::from_file(path, origin);
        }
        if config.profile == Profile::Production {
            bail!(
                "the production profile needs the audit log's signing key: set SOCIALCARE_AUDIT_SIGNING_KEY_FILE (make one with `socialcare audit generate-key`)"
            );
        }
        let path = Path::new(DEVELOPMENT_KEY_FILE);
        if !path.exists() {
            create_key_file(path, &generate_key(origin)?)?;
            tracing::warn!(
                path = DEVELOPMENT_KEY_FILE,
                "created a signing key for the audit log (development): keep it, or set SOCIALCARE_AUDIT_SIGNING_KEY_FILE"
            );
        }
        Self::from_file(path, origin)
    }

    fn from_file(path: &Path, origin: &str) -> anyhow::Result<Self> {
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            if let Ok(meta) = std::fs::metadata(path)
                && meta.permissions().mode() & 0o077 != 0
            {
                tracing::warn!(path = %path.display(), "the audit log's signing key is readable by others than its owner: chmod 600 it");
            }
        }
        let text = std::fs::read_to_string(path).with_context(|| {
            format!("cannot read the audit log's signing key {}", path.display())
        })?;
        Self::parse(&text, origin)
    }

    /// The configured key, without creating one: `None` when none is configured (and, in
    /// development, the default key file does not exist).
    pub fn configured(config: &Config) -> anyhow::Result<Option<Self>> {
        let origin = config.audit_log_origin.as_str();
        if config.audit_signing_key.is_some() || config.audit_signing_key_file.is_some() {
            return Self::from_config(config).map(Some);
        }
        let path = Path::new(DEVELOPMENT_KEY_FILE);
        if config.profile != Profile::Production && path.exists() {
            return Self::from_file(path, origin).map(Some);
        }
        Ok(None)
    }

    /// The log's origin.
    pub fn origin(&self) -> &str {
        &self.origin
    }

    /// The verifier key (`<origin>+<key id>+<base64>`) that checks the checkpoints.
    pub fn verifier_key(&self) -> &str {
        &self.verifier_key
    }

    /// The signed checkpoint of a tree of `size` records with root `root`.
    pub fn sign(&self, size: u64, root: &Hash) -> Result<String, String> {
        let text = Checkpoint::new(&self.origin, size, *root, "")
            .map_err(|_| "the audit log's origin cannot start a checkpoint".to_owned())?
            .to_bytes();
        let mut note = Note::new(&text, &[]).map_err(|e| e.to_string())?;
        note.add_sigs(&[&self.signer]).map_err(|e| e.to_string())?;
        String::from_utf8(note.to_bytes()).map_err(|e| e.to_string())
    }
}

/// Writes a new key file readable by its owner only; refuses to replace one.
pub fn create_key_file(path: &Path, key: &str) -> anyhow::Result<()> {
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600);
    }
    let mut file = options
        .open(path)
        .with_context(|| format!("cannot create {}", path.display()))?;
    file.write_all(format!("{key}\n").as_bytes())?;
    Ok(())
}

/// A checkpoint whose signature was checked.
#[derive(Debug, Clone)]
pub struct OpenedCheckpoint {
    /// The log's origin.
    pub origin: String,
    /// The tree size.
    pub size: u64,
    /// The root hash.
    pub root: Hash,
}

/// Checks the signature of a signed checkpoint with the verifier key `vkey` and reads it.
pub fn open_checkpoint(text: &[u8], vkey: &str) -> anyhow::Result<OpenedCheckpoint> {
    let verifier = StandardVerifier::new(vkey)
        .map_err(|e| anyhow!("the verifier key is not a signed-note verifier key: {e}"))?;
    let origin = signed_note::Verifier::name(&verifier).to_owned();
    let note = Note::from_bytes(text).map_err(|e| anyhow!("not a signed note: {e}"))?;
    note.verify(&VerifierList::new(vec![Box::new(verifier)]))
        .map_err(|e| anyhow!("the checkpoint's signature does not verify with {vkey}: {e}"))?;
    let checkpoint = Checkpoint::from_bytes(note.text())
        .map_err(|_| anyhow!("the signed note is not a checkpoint"))?;
    if checkpoint.origin() != origin {
        bail!(
            "the checkpoint is of the log `{}`, not `{origin}`",
            checkpoint.origin()
        );
    }
    Ok(OpenedCheckpoint {
        origin,
        size: checkpoint.size(),
        root: *checkpoint.hash(),
    })
}

/// The audit log's settings in the server's state.
#[derive(Debug)]
pub struct AuditLog {
    /// The signing key.
    pub key: LogKey,
    /// The maximum merge delay.
    pub merge_delay: Duration,
    /// Where every checkpoint is also written.
    pub witness_dir: Option<PathBuf>,
    /// The `add-checkpoint` URLs of the witnesses every checkpoint is pushed to.
    pub witness_urls: Vec<String>,
    /// The last broken link reported, so that it is logged once.
    last_broken: Mutex<Option<i64>>,
}

impl AuditLog {
    /// From the configuration.
    pub fn from_config(config: &Config) -> anyhow::Result<Self> {
        let witness_dir = config.audit_witness_dir.clone();
        if let Some(dir) = &witness_dir {
            std::fs::create_dir_all(dir.join("checkpoints")).with_context(|| {
                format!(
                    "cannot create the audit witness directory {}",
                    dir.display()
                )
            })?;
        }
        for url in &config.audit_witness_urls {
            let parsed = url::Url::parse(url)
                .map_err(|e| anyhow!("SOCIALCARE_AUDIT_WITNESS_URL `{url}`: {e}"))?;
            let https = parsed.scheme() == "https";
            if !(https || parsed.scheme() == "http") {
                bail!("SOCIALCARE_AUDIT_WITNESS_URL `{url}`: not an http(s) URL");
            }
            if config.profile == Profile::Production && !https {
                bail!("SOCIALCARE_AUDIT_WITNESS_URL `{url}`: the production profile needs https");
            }
        }
        Ok(Self {
            key: LogKey::from_config(config)?,
            merge_delay: Duration::from_millis(u64::from(config.audit_merge_delay_ms)),
            witness_dir,
            witness_urls: config.audit_witness_urls.clone(),
            last_broken: Mutex::new(None),
        })
    }

    /// Writes a checkpoint to the witness directory, if there is one.
    fn witness(&self, checkpoint: &str) {
        let Some(dir) = &self.witness_dir else {
            return;
        };
        let day = Utc::now().format("%Y-%m-%d").to_string();
        for target in [dir.join("checkpoint"), dir.join("checkpoints").join(day)] {
            if let Err(error) = replace_file(&target, checkpoint) {
                tracing::warn!(%error, path = %target.display(), "the audit checkpoint could not be written to the witness directory");
            }
        }
    }
}

/// Replaces `path` with `text` atomically: a new temporary file (created exclusively, so that
/// nothing planted at its name, a symbolic link included, is followed) renamed over it.
fn replace_file(path: &Path, text: &str) -> std::io::Result<()> {
    let suffix: u64 = rand::random();
    let temporary = path.with_extension(format!("tmp{}-{suffix:016x}", std::process::id()));
    let written = std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .open(&temporary)
        .and_then(|mut file| file.write_all(text.as_bytes()));
    match written {
        Ok(()) => std::fs::rename(&temporary, path),
        Err(error) => {
            let _ = std::fs::remove_file(&temporary);
            Err(error)
        }
    }
}

/// Chains every staged record and integrates every record not yet in the tree, batch after
/// batch, signing a checkpoint after each and writing it to the witness directory; when another
/// sequencer (another server process) holds the batch lock, waits for it (up to `patience`) and
/// goes on, so that the tree holds every record staged before the call, up to a broken link.
/// Returns the tree's size afterwards. For the command line and the tests; the server's
/// [`sequencer`] runs batches on its own connection and leaves them to the process that holds
/// the lock.
pub fn sequence_all(db: &Database, log: &AuditLog, patience: Duration) -> Result<u64, StoreError> {
    let deadline = std::time::Instant::now() + patience;
    let mut conn = db.dedicated();
    loop {
        let (size, busy) = sequence(&mut conn, log)?;
        if !busy {
            return Ok(size);
        }
        if std::time::Instant::now() >= deadline {
            return Err(StoreError::Internal(format!(
                "another process held the audit log's sequencing lock for {} s",
                patience.as_secs()
            )));
        }
        std::thread::sleep(Duration::from_millis(10));
    }
}

/// One run of the sequencer: the tree's size, and whether another sequencer held the lock. On
/// SQLite the reads' records chained by it, or by a reader of the trail since the last run,
/// then leave their file ([`Database::forget_chained_reads`]).
fn sequence(db: &mut Dedicated, log: &AuditLog) -> Result<(u64, bool), StoreError> {
    let outcome = sequence_batches(db, log);
    db.database().forget_chained_reads()?;
    outcome
}

/// The batches of one run of the sequencer (see [`sequence`]).
fn sequence_batches(db: &mut Dedicated, log: &AuditLog) -> Result<(u64, bool), StoreError> {
    loop {
        if !db.read(audit_tree::pending)? {
            return Ok((db.read(audit_tree::head)?.size, false));
        }
        let done = db.write::<_, StoreError, _>(|c| {
            audit_tree::integrate(c, audit_tree::BATCH, Utc::now(), &|size, root| {
                log.key.sign(size, root)
            })
        })?;
        match done {
            Integration::Integrated { checkpoint, .. } => {
                log.witness(&checkpoint);
            }
            Integration::Broken {
                size,
                checkpoint,
                link,
            } => {
                if let Some(checkpoint) = checkpoint {
                    log.witness(&checkpoint);
                }
                let mut last = log
                    .last_broken
                    .lock()
                    .unwrap_or_else(std::sync::PoisonError::into_inner);
                if *last != Some(link.seq) {
                    tracing::error!(seq = link.seq, reason = %link.reason, size, "the audit chain is broken: the audit log's tree stops before this record");
                    *last = Some(link.seq);
                }
                return Ok((size, false));
            }
            Integration::Idle => return Ok((db.read(audit_tree::head)?.size, false)),
            Integration::Busy => return Ok((db.read(audit_tree::head)?.size, true)),
        }
    }
}

/// The sequencer: every quarter of the merge delay, chains what was staged meanwhile and
/// integrates it into the tree.
pub async fn sequencer(state: web::Data<AppState>) {
    let tick = (state.audit_log.merge_delay / 4).max(Duration::from_millis(10));
    // Its own connection, kept from one run to the next (see `Dedicated`).
    let mut conn = Some(state.db.dedicated());
    loop {
        let st = state.clone();
        let mut mine = conn.take().unwrap_or_else(|| st.db.dedicated());
        let done = tokio::task::spawn_blocking(move || {
            let outcome = sequence(&mut mine, &st.audit_log);
            (mine, outcome)
        })
        .await;
        match done {
            Ok((mine, outcome)) => {
                conn = Some(mine);
                if let Err(error) = outcome {
                    tracing::warn!(%error, "the audit log's sequencer failed a batch");
                }
            }
            Err(error) => tracing::warn!(%error, "the audit log's sequencer task failed"),
        }
        tokio::time::sleep(tick).await;
    }
}

/// The body of a C2SP `tlog-witness` `add-checkpoint` request: the size the witness is known to
/// hold (`old 0` when unknown), the consistency proof from it, a blank line and the signed
/// checkpoint.
pub fn add_checkpoint_body(old: u64, proof: &[Hash], checkpoint: &str) -> String {
    let mut body = format!("old {old}\n");
    for hash in proof {
        body.push_str(&STANDARD.encode(hash.0));
        body.push('\n');
    }
    body.push('\n');
    body.push_str(checkpoint);
    body
}

/// The most a witness's answer may hold: a few signature lines.
const MAX_COSIGNATURE: usize = 4096;

/// The signature lines of a witness's answer to `add-checkpoint` (C2SP `tlog-witness`: one or
/// more note signature lines, `— <key name> <base64 of key hash and signature>`), each ending
/// with a newline; `None` when the answer is anything else (they are appended to the
/// checkpoint's note as they are: nothing else may slip in).
pub fn cosignature_lines(answer: &str) -> Option<String> {
    if answer.len() > MAX_COSIGNATURE {
        return None;
    }
    let mut lines = String::new();
    for line in answer.lines().filter(|l| !l.is_empty()) {
        let (name, signature) = line.strip_prefix("\u{2014} ")?.split_once(' ')?;
        let bytes = STANDARD.decode(signature).ok()?;
        let printable = |c: char| c.is_ascii_graphic() || !c.is_ascii() && !c.is_control();
        if name.is_empty() || !name.chars().all(printable) || name.contains('+') || bytes.len() < 5
        {
            return None;
        }
        lines.push_str(line);
        lines.push('\n');
    }
    (!lines.is_empty()).then_some(lines)
}

/// A witness the checkpoints are pushed to, and the tree size it is known to hold.
struct Witness {
    url: String,
    holds: Option<u64>,
}

/// Pushes the latest checkpoint to every witness of `SOCIALCARE_AUDIT_WITNESS_URL` (C2SP
/// `tlog-witness`), every merge delay, each from the size it is known to hold with the
/// consistency proof from there. Every server process pushes: a witness answers a push from a
/// size it no longer holds with 409 and that size, from which the next push proves.
pub async fn push_to_witnesses(state: web::Data<AppState>) {
    if state.audit_log.witness_urls.is_empty() {
        return;
    }
    let http = match reqwest::Client::builder()
        .timeout(Duration::from_secs(10))
        .redirect(reqwest::redirect::Policy::none())
        .user_agent("socialcare-audit-log/1")
        .build()
    {
        Ok(http) => http,
        Err(error) => {
            tracing::error!(%error, "the audit log's witnesses cannot be reached");
            return;
        }
    };
    let mut witnesses: Vec<Witness> = state
        .audit_log
        .witness_urls
        .iter()
        .map(|url| Witness {
            url: url.clone(),
            holds: None,
        })
        .collect();
    loop {
        let st = state.clone();
        if let Ok(Ok(head)) =
            tokio::task::spawn_blocking(move || st.db.read(audit_tree::head)).await
            && let Some(checkpoint) = head.checkpoint
        {
            for witness in &mut witnesses {
                if witness.holds.is_some_and(|held| held >= head.size) {
                    continue;
                }
                push(&http, &state, witness, head.size, &checkpoint).await;
            }
        }
        tokio::time::sleep(state.audit_log.merge_delay).await;
    }
}

/// One `add-checkpoint` request to one witness.
async fn push(
    http: &reqwest::Client,
    state: &web::Data<AppState>,
    witness: &mut Witness,
    size: u64,
    checkpoint: &str,
) {
    let old = witness.holds.unwrap_or(0);
    let proof = if old == 0 || old >= size {
        Vec::new()
    } else {
        let st = state.clone();
        match tokio::task::spawn_blocking(move || {
            st.db.read(|c| audit_tree::consistency_proof(c, old, size))
        })
        .await
        {
            Ok(Ok(proof)) => proof,
            Ok(Err(error)) => {
                tracing::warn!(%error, "no consistency proof for the audit log's witness");
                return;
            }
            Err(error) => {
                tracing::warn!(%error, "the consistency proof task failed");
                return;
            }
        }
    };
    let body = add_checkpoint_body(old, &proof, checkpoint);
    let url = witness.url.as_str();
    match http.post(url).body(body).send().await {
        Ok(answer) if answer.status().is_success() => {
            witness.holds = Some(size);
            let answer = answer.text().await.unwrap_or_default();
            let Some(cosignature) = cosignature_lines(&answer) else {
                tracing::warn!(witness = url, size, answer = %answer.trim(), "the audit log's witness accepted the checkpoint but its answer is not signature lines: not kept");
                return;
            };
            tracing::info!(
                witness = url,
                size,
                cosignature = cosignature.trim(),
                "the audit log's witness cosigned the checkpoint"
            );
            let (st, url, checkpoint) = (state.clone(), url.to_owned(), checkpoint.to_owned());
            let kept = tokio::task::spawn_blocking(move || {
                st.db.write(|c| {
                    audit_tree::keep_cosignature(
                        c,
                        &url,
                        size,
                        &checkpoint,
                        &cosignature,
                        chrono::Utc::now(),
                    )
                })
            })
            .await;
            match kept {
                Ok(Ok(_)) => {}
                Ok(Err(error)) => {
                    tracing::warn!(%error, "the witness's cosignature could not be kept")
                }
                Err(error) => tracing::warn!(%error, "the task keeping the cosignature failed"),
            }
        }
        Ok(answer) if answer.status() == reqwest::StatusCode::CONFLICT => {
            let held = answer
                .text()
                .await
                .ok()
                .and_then(|t| t.trim().parse::<u64>().ok());
            match held {
                Some(held) if held <= size => witness.holds = Some(held),
                Some(held) => {
                    // Another process may have pushed a newer checkpoint meanwhile: only a tree
                    // that is still smaller than the witness's is a rewound or forked log.
                    let st = state.clone();
                    let now = tokio::task::spawn_blocking(move || st.db.read(audit_tree::head))
                        .await
                        .ok()
                        .and_then(Result::ok)
                        .map(|h| h.size);
                    if now.is_some_and(|current| current < held) {
                        tracing::error!(
                            witness = url,
                            held,
                            size,
                            "the audit log's witness holds a larger tree than the log: the log was rewound or forked"
                        );
                    }
                    witness.holds = Some(held);
                }
                None => tracing::warn!(
                    witness = url,
                    "the audit log's witness answered 409 without its tree size"
                ),
            }
        }
        Ok(answer) => {
            let status = answer.status();
            let text = answer.text().await.unwrap_or_default();
            tracing::warn!(witness = url, %status, answer = %text.trim(), "the audit log's witness refused the checkpoint");
        }
        Err(error) => {
            tracing::warn!(witness = url, %error, "the audit log's witness cannot be reached")
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_signature_lines_are_kept_from_a_witness_answer() {
        let sig = STANDARD.encode([7_u8; 68]);
        let one = format!("\u{2014} witness.example {sig}\n");
        assert_eq!(cosignature_lines(&one).as_deref(), Some(one.as_str()));
        let two = format!("\u{2014} a.example {sig}\n\u{2014} b.example {sig}");
        assert_eq!(
            cosignature_lines(&two).unwrap(),
            format!("\u{2014} a.example {sig}\n\u{2014} b.example {sig}\n")
        );
        for bad in [
            String::new(),
            "OK\n".to_owned(),
            format!("- witness.example {sig}\n"),
            "\u{2014} witness.example not-base64!\n".to_owned(),
            format!("\u{2014}  {sig}\n"),
            format!("\u{2014} a+b {sig}\n"),
            format!("\u{2014} witness.example {}\n", STANDARD.encode([1_u8; 4])),
            format!("\u{2014} witness.example {sig}\nextra text\n"),
            format!("\u{2014} witness.example {sig}\n").repeat(60),
        ] {
            assert_eq!(cosignature_lines(&bad), None, "{bad:?}");
        }
    }

    #[test]
    fn a_generated_key_signs_checkpoints_its_verifier_key_opens() {
        let key = LogKey::parse(
            &generate_key("example.org/audit").unwrap(),
            "example.org/audit",
        )
        .unwrap();
        let root = tlog_tiles::tlog::record_hash(b"leaf");
        let note = key.sign(1, &root).unwrap();
        let lines: Vec<&str> = note.lines().collect();
        assert_eq!(lines[0], "example.org/audit");
        assert_eq!(lines[1], "1");
        assert_eq!(lines[2], STANDARD.encode(root.0));
        assert_eq!(lines[3], "");
        assert!(lines[4].starts_with("— example.org/audit "), "{note}");
        let opened = open_checkpoint(note.as_bytes(), key.verifier_key()).unwrap();
        assert_eq!((opened.size, opened.root), (1, root));

        // A changed size, another key, another origin: refused.
        let forged = note.replacen("\n1\n", "\n2\n", 1);
        assert!(open_checkpoint(forged.as_bytes(), key.verifier_key()).is_err());
        let other = LogKey::parse(
            &generate_key("example.org/audit").unwrap(),
            "example.org/audit",
        )
        .unwrap();
        assert!(open_checkpoint(note.as_bytes(), other.verifier_key()).is_err());
        assert!(LogKey::parse(&generate_key("elsewhere").unwrap(), "example.org/audit").is_err());
        assert!(LogKey::parse("PRIVATE+KEY+x", "x").is_err());
    }

    #[test]
    fn an_add_checkpoint_body_names_the_old_size_then_the_proof_then_the_checkpoint() {
        let h = tlog_tiles::tlog::record_hash(b"x");
        let body = add_checkpoint_body(3, &[h, h], "o\n5\nroot\n\n— o sig\n");
        let b64 = STANDARD.encode(h.0);
        assert_eq!(
            body,
            format!("old 3\n{b64}\n{b64}\n\no\n5\nroot\n\n— o sig\n")
        );
        assert_eq!(add_checkpoint_body(0, &[], "c\n"), "old 0\n\nc\n");
    }
}
