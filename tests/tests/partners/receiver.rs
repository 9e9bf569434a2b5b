//! A real local HTTP receiver of webhooks: it records every delivery (headers and body) and
//! answers 503 to the first `fail` ones (or to all while `down`), 204 otherwise.

use std::sync::atomic::{AtomicBool, AtomicU32, Ordering};
use std::sync::{Arc, Mutex};

use actix_web::{App, HttpRequest, HttpResponse, HttpServer, web};

/// One delivery received.
#[derive(Debug, Clone)]
pub struct Delivery {
    /// `webhook-id`.
    pub id: String,
    /// `webhook-timestamp`.
    pub timestamp: String,
    /// `webhook-signature`.
    pub signature: String,
    /// `content-type`.
    pub content_type: String,
    /// The body.
    pub body: String,
    /// Whether it was answered with success.
    pub accepted: bool,
}

/// The receiver's state, shared with the test.
#[derive(Default)]
pub struct Inbox {
    /// Every request, in arrival order.
    pub received: Mutex<Vec<Delivery>>,
    /// How many of the next requests are answered 503.
    pub fail: AtomicU32,
    /// While set, every request is answered 503.
    pub down: AtomicBool,
}

impl Inbox {
    /// The deliveries answered with success, in arrival order.
    pub fn accepted(&self) -> Vec<Delivery> {
        self.received
            .lock()
            .unwrap()
            .iter()
            .filter(|d| d.accepted)
            .cloned()
            .collect()
    }

    /// Every request received.
    pub fn all(&self) -> Vec<Delivery> {
        self.received.lock().unwrap().clone()
    }
}

async fn receive(req: HttpRequest, body: web::Bytes, inbox: web::Data<Arc<Inbox>>) -> HttpResponse {
    let header = |name: &str| {
        req.headers()
            .get(name)
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default()
            .to_owned()
    };
    let failing = inbox.down.load(Ordering::SeqCst)
        || inbox
            .fail
            .fetch_update(Ordering::SeqCst, Ordering::SeqCst, |n| n.checked_sub(1))
            .is_ok();
    inbox.received.lock().unwrap().push(Delivery {
        id: header("webhook-id"),
        timestamp: header("webhook-timestamp"),
        signature: header("webhook-signature"),
        content_type: header("content-type"),
        body: String::from_utf8_lossy(&body).into_owned(),
        accepted: !failing,
    });
    if failing {
        HttpResponse::ServiceUnavailable().finish()
    } else {
        HttpResponse::NoContent().finish()
    }
}

/// Starts a receiver on a free port: its URL and its inbox.
pub async fn start() -> (String, Arc<Inbox>) {
    let inbox = Arc::new(Inbox::default());
    let shared = web::Data::new(inbox.clone());
    let server = HttpServer::new(move || {
        App::new()
            .app_data(shared.clone())
            .route("/hooks", web::post().to(receive))
    })
    .workers(1)
    .bind(("127.0.0.1", 0))
    .unwrap();
    let port = server.addrs()[0].port();
    tokio::spawn(server.run());
    (format!("http://127.0.0.1:{port}/hooks"), inbox)
}

pub use socialcare_tests::until;
