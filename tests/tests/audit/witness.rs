//! A real local witness of the audit log, speaking C2SP `tlog-witness` (`POST add-checkpoint`):
//! it checks the log's signature and the consistency proof from the size it holds, keeps the
//! newer checkpoint and answers with its own signature line; a request from another size than
//! the one it holds is answered 409 with that size (`text/x.tlog.size`). And the tests of the
//! server pushing its checkpoints to it.

use std::sync::{Arc, Mutex};

use actix_web::{App, HttpResponse, HttpServer, web};
use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use signed_note::{Note, StandardSigner};
use socialcare_api::audit_log::open_checkpoint;
use socialcare_persistence::audit_tree::{self, Hash};
use socialcare_tests::{TestApp, audit_verifier_key, on_both_engines, until};
use tlog_tiles::tlog;

use crate::{get, office, person};

/// One request the witness accepted.
#[derive(Debug, Clone)]
pub struct Cosigned {
    /// The size it held before.
    pub old: u64,
    /// The number of proof hashes it checked.
    pub proof: usize,
    /// The new size.
    pub size: u64,
}

/// The witness's state.
pub struct Witness {
    /// The log's verifier key.
    vkey: String,
    /// The witness's own key.
    signer: StandardSigner,
    /// Its verifier key (public).
    pub verifier: String,
    /// The size and root it holds.
    pub held: Mutex<Option<(u64, Hash)>>,
    /// What it cosigned, in order.
    pub cosigned: Mutex<Vec<Cosigned>>,
    /// Requests it refused, with the status.
    pub refused: Mutex<Vec<u16>>,
}

fn refuse(witness: &Witness, status: u16) -> HttpResponse {
    witness.refused.lock().unwrap().push(status);
    HttpResponse::build(actix_web::http::StatusCode::from_u16(status).unwrap()).finish()
}

async fn add_checkpoint(body: web::Bytes, witness: web::Data<Arc<Witness>>) -> HttpResponse {
    let Ok(text) = std::str::from_utf8(&body) else {
        return refuse(&witness, 400);
    };
    let Some((head, note)) = text.split_once("\n\n") else {
        return refuse(&witness, 400);
    };
    let mut lines = head.lines();
    let Some(old) = lines
        .next()
        .and_then(|l| l.strip_prefix("old "))
        .and_then(|n| n.parse::<u64>().ok())
    else {
        return refuse(&witness, 400);
    };
    let proof: Option<Vec<Hash>> = lines
        .map(|l| {
            STANDARD
                .decode(l)
                .ok()
                .and_then(|b| <[u8; 32]>::try_from(b).ok())
                .map(Hash)
        })
        .collect();
    let Some(proof) = proof else {
        return refuse(&witness, 400);
    };
    let Ok(checkpoint) = open_checkpoint(note.as_bytes(), &witness.vkey) else {
        return refuse(&witness, 403);
    };
    let mut held = witness.held.lock().unwrap();
    let (held_size, held_root) = held.unwrap_or((0, tlog::EMPTY_HASH));
    if old != held_size {
        witness.refused.lock().unwrap().push(409);
        return HttpResponse::Conflict()
            .content_type("text/x.tlog.size")
            .body(format!("{held_size}\n"));
    }
    if checkpoint.size < held_size {
        return refuse(&witness, 400);
    }
    let consistent = if held_size == 0 || held_size == checkpoint.size {
        proof.is_empty() && (held_size == 0 || held_root == checkpoint.root)
    } else {
        tlog::check_tree(
            &proof,
            checkpoint.size,
            checkpoint.root,
            held_size,
            held_root,
        )
        .is_ok()
    };
    if !consistent {
        return refuse(&witness, 422);
    }
    *held = Some((checkpoint.size, checkpoint.root));
    witness.cosigned.lock().unwrap().push(Cosigned {
        old,
        proof: proof.len(),
        size: checkpoint.size,
    });
    let mut signed = Note::from_bytes(note.as_bytes()).unwrap();
    signed.add_sigs(&[&witness.signer]).unwrap();
    let text = String::from_utf8(signed.to_bytes()).unwrap();
    let own = text
        .lines()
        .filter(|l| l.starts_with("— witness.test "))
        .collect::<Vec<_>>()
        .join("\n");
    HttpResponse::Ok().body(format!("{own}\n"))
}

/// Starts a witness on a free port, holding `held`: its `add-checkpoint` URL and its state.
pub async fn start(held: Option<(u64, Hash)>) -> (String, Arc<Witness>) {
    let key = socialcare_api::audit_log::generate_key("witness.test").unwrap();
    let witness = Arc::new(Witness {
        vkey: audit_verifier_key(),
        signer: StandardSigner::new(&key).unwrap(),
        verifier: socialcare_api::audit_log::LogKey::parse(&key, "witness.test")
            .unwrap()
            .verifier_key()
            .to_owned(),
        held: Mutex::new(held),
        cosigned: Mutex::new(Vec::new()),
        refused: Mutex::new(Vec::new()),
    });
    let shared = web::Data::new(witness.clone());
    let server = HttpServer::new(move || {
        App::new()
            .app_data(shared.clone())
            .route("/add-checkpoint", web::post().to(add_checkpoint))
    })
    .workers(1)
    .bind(("127.0.0.1", 0))
    .unwrap();
    let port = server.addrs()[0].port();
    tokio::spawn(server.run());
    (format!("http://127.0.0.1:{port}/add-checkpoint"), witness)
}

on_both_engines!(
    every_checkpoint_reaches_the_witness_with_its_consistency_proof,
    the_cosigned_checkpoint_is_served_with_the_witness_signature,
    a_server_that_does_not_know_what_the_witness_holds_learns_it_and_proves_from_there,
);

async fn every_checkpoint_reaches_the_witness_with_its_consistency_proof(app: TestApp) {
    let (url, witness) = start(None).await;
    let pushed = app
        .spawn_beside_with(&["--audit-witness-url", &url, "--audit-merge-delay-ms", "100"])
        .await;
    let office = office(&pushed).await;
    for given in ["Mario", "Luigi", "Carla"] {
        person(&pushed, &office.anna, given).await;
        tokio::time::sleep(std::time::Duration::from_millis(300)).await;
    }
    let size = pushed.sequence_audit_log();
    let head = pushed.db().read(audit_tree::head).unwrap();
    assert!(
        until(10, || witness
            .held
            .lock()
            .unwrap()
            .is_some_and(|(s, _)| s >= size))
        .await,
        "the witness reached the tree's size {size}: {:?}",
        witness.cosigned.lock().unwrap()
    );
    let cosigned = witness.cosigned.lock().unwrap().clone();
    assert_eq!(
        cosigned[0].old, 0,
        "the first push starts from the empty tree"
    );
    assert!(
        cosigned.iter().skip(1).all(|c| c.old > 0 && c.proof > 0),
        "every later push carried a consistency proof the witness checked: {cosigned:?}"
    );
    assert!(cosigned.len() >= 2, "{cosigned:?}");
    assert!(
        cosigned.windows(2).all(|w| w[1].old == w[0].size),
        "{cosigned:?}"
    );
    let held = witness.held.lock().unwrap().unwrap();
    if held.0 == head.size {
        assert_eq!(held.1, head.root);
    }
    assert!(witness.refused.lock().unwrap().is_empty());
}

async fn a_server_that_does_not_know_what_the_witness_holds_learns_it_and_proves_from_there(
    app: TestApp,
) {
    let office = office(&app).await;
    let size = app.sequence_audit_log();
    let checkpoint = app.db().read(audit_tree::head).unwrap().checkpoint.unwrap();
    let opened = open_checkpoint(checkpoint.as_bytes(), &audit_verifier_key()).unwrap();
    assert_eq!(opened.size, size);
    // The witness already holds this checkpoint (from another process, or before a restart).
    let (url, witness) = start(Some((opened.size, opened.root))).await;
    person(&app, &office.anna, "Mario").await;
    let pushed = app
        .spawn_beside_with(&["--audit-witness-url", &url, "--audit-merge-delay-ms", "100"])
        .await;
    let grown = pushed.sequence_audit_log();
    assert!(grown > size);
    assert!(
        until(10, || witness
            .held
            .lock()
            .unwrap()
            .is_some_and(|(s, _)| s >= grown))
        .await,
        "{:?}",
        witness.cosigned.lock().unwrap()
    );
    assert_eq!(
        witness.refused.lock().unwrap().as_slice(),
        &[409],
        "one refusal: the push from size 0"
    );
    let first = witness.cosigned.lock().unwrap()[0].clone();
    assert_eq!(
        first.old, size,
        "then proved from the size the witness holds"
    );
    assert!(first.proof > 0);
}

/// The witness's answer is kept: `GET /audit/checkpoint?cosigned=true` serves the checkpoint it
/// cosigned as one note that verifies with the log's key and with the witness's; before any
/// witness cosigned, 409; the read is recorded.
async fn the_cosigned_checkpoint_is_served_with_the_witness_signature(app: TestApp) {
    use signed_note::{StandardVerifier, VerifierList};
    let office = office(&app).await;
    let r = get(&app, &office.privacy, "/audit/checkpoint?cosigned=true").await;
    assert_eq!(r.status(), 409, "no witness yet");
    let r = get(&app, &office.privacy, "/audit/checkpoint?cosigned=maybe").await;
    assert_eq!(r.status(), 400);
    let (url, witness) = start(None).await;
    let pushed = app
        .spawn_beside_with(&["--audit-witness-url", &url, "--audit-merge-delay-ms", "100"])
        .await;
    person(&pushed, &office.anna, "Mario").await;
    let size = pushed.sequence_audit_log();
    let mut note = String::new();
    assert!(
        until(10, || {
            note = pushed
                .db()
                .read(audit_tree::cosigned_checkpoint)
                .unwrap()
                .unwrap_or_default();
            open_checkpoint(note.as_bytes(), &audit_verifier_key()).is_ok_and(|c| c.size >= size)
        })
        .await,
        "a cosignature of a tree of {size} records was kept: {note:?}"
    );
    let r = get(&pushed, &office.privacy, "/audit/checkpoint?cosigned=true").await;
    assert_eq!(r.status(), 200);
    let served = r.text().await.unwrap();
    let opened = open_checkpoint(served.as_bytes(), &audit_verifier_key()).unwrap();
    assert!(opened.size >= size);
    let witness_line = served
        .lines()
        .filter(|l| l.starts_with("\u{2014} witness.test "))
        .count();
    assert_eq!(witness_line, 1, "{served}");
    let verifiers = VerifierList::new(vec![
        Box::new(StandardVerifier::new(&audit_verifier_key()).unwrap()),
        Box::new(StandardVerifier::new(&witness.verifier).unwrap()),
    ]);
    let (verified, unverified) = signed_note::Note::from_bytes(served.as_bytes())
        .unwrap()
        .verify(&verifiers)
        .unwrap();
    assert_eq!((verified.len(), unverified.len()), (2, 0), "{served}");
    let record = &pushed.audit(1)[0];
    assert_eq!(record.action, "audit.checkpoint");
    assert!(
        record
            .details
            .as_deref()
            .unwrap_or_default()
            .contains("\"cosigned\":true"),
        "{:?}",
        record.details
    );
}
