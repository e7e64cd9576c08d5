//! A local stand-in for PiAPI that answers with the shapes of facts §6, for tests that drive the
//! real HTTP client.
//!
//! It listens on `127.0.0.1:0`, serves `GET /account/info`, `GET /api/v1/task/{id}` and, with
//! a [`History`] (a generated account), `GET /api/open/tasks/histories` (paged and filtered as
//! PiAPI documents: `page` from 1, `page_size` at most 100, `start_time`/`end_time` in Unix
//! seconds, `model`), checks
//! `x-api-key` like PiAPI does (401 otherwise), and can be scripted to fail: N× a 5xx before
//! answering, a fixed status for every authorized request (403, 429, 302, …), answers slower
//! than the client's timeout, or a body that is not JSON. Every request is recorded with its
//! method, URI and headers, so a test can check where the key was sent.
//!
//! Reuse: `mod support;` in a test file, then
//! `let mock = MockPiapi::start(Behaviour::new(KEY)).await;` and point `PIAPI_BASE_URL` (or a
//! `PiapiConfig`) at `mock.base_url()`. The server stops when the `MockPiapi` is dropped.
//!
//! The mock never logs: a test that captures logs to look for the key must see only the
//! client's.

#![allow(dead_code)] // Each test binary uses a different part of this module.

use std::collections::HashMap;
use std::net::SocketAddr;
use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;

use axum::Router;
use axum::body::Body;
use axum::extract::{Request, State};
use axum::http::{HeaderValue, Method, StatusCode, header};
use axum::response::Response;
use serde_json::{Value, json};
use tokio::net::TcpListener;
use tokio::task::JoinHandle;

/// The id of the task in [`Behaviour::new`]'s task list.
pub const KLING_TASK_ID: &str = "0f4a7c52-3f1e-4b6e-9a55-7f2b0b8a9d10";

/// How the mock answers. Built with [`Behaviour::new`] and the chained setters.
#[derive(Clone, Debug)]
pub struct Behaviour {
    /// The only key the mock accepts in `x-api-key`.
    pub api_key: String,
    /// The whole body of `GET /account/info` (an envelope, or any shape a test needs).
    pub account: Value,
    /// Task `data` objects by id; the mock wraps them in PiAPI's envelope.
    pub tasks: HashMap<String, Value>,
    /// Answer the first `fail_first` authorized requests with `fail_status`.
    pub fail_first: u32,
    pub fail_status: u16,
    /// Answer every authorized request after the failures with this status and an envelope
    /// error body, instead of the resource.
    pub status: Option<u16>,
    /// Wait this long before answering the first `slow_first` requests.
    pub delay: Duration,
    pub slow_first: u32,
    /// Answer 200 with a body that is not JSON.
    pub malformed: bool,
    /// An account's history and task views; shared, so each request's clone is cheap.
    pub history: Option<Arc<History>>,
    /// History pages answered with HTTP 500 every time.
    pub failing_pages: Vec<u64>,
    /// History pages without `total`, as an older or terser PiAPI might send them.
    pub omit_total: bool,
    /// Accept `POST /api/v1/task` (see [`Behaviour::creates_tasks`]).
    pub creates: Option<Creates>,
}

/// How created tasks behave: each is `processing` for `polls` views, then `completed` having
/// consumed `consume_points` — or `failed` with nothing consumed when its prompt is "fail".
#[derive(Clone, Copy, Debug)]
pub struct Creates {
    pub consume_points: u64,
    pub polls: u32,
}

/// A task history (newest first) and the views of its tasks, as PiAPI shapes them.
#[derive(Clone, Debug, Default)]
pub struct History {
    pub items: Vec<Value>,
    pub views: HashMap<String, Value>,
}

impl Behaviour {
    /// A healthy PiAPI: the current account shape and one completed Kling task.
    pub fn new(api_key: &str) -> Self {
        Behaviour {
            api_key: api_key.to_owned(),
            account: account_info_new(),
            tasks: HashMap::from([(KLING_TASK_ID.to_owned(), kling_task(KLING_TASK_ID))]),
            fail_first: 0,
            fail_status: 500,
            status: None,
            delay: Duration::ZERO,
            slow_first: 0,
            malformed: false,
            history: None,
            failing_pages: Vec::new(),
            omit_total: false,
            creates: None,
        }
    }

    /// Accepts create-task requests; see [`Creates`].
    pub fn creates_tasks(mut self, consume_points: u64, polls: u32) -> Self {
        self.creates = Some(Creates {
            consume_points,
            polls,
        });
        self
    }

    pub fn omit_total(mut self) -> Self {
        self.omit_total = true;
        self
    }

    pub fn history(mut self, history: History) -> Self {
        self.history = Some(Arc::new(history));
        self
    }

    pub fn failing_page(mut self, page: u64) -> Self {
        self.failing_pages.push(page);
        self
    }

    pub fn account(mut self, body: Value) -> Self {
        self.account = body;
        self
    }

    pub fn task(mut self, id: &str, data: Value) -> Self {
        self.tasks.insert(id.to_owned(), data);
        self
    }

    /// `n` answers of `status` (a 5xx) before the real one; `u32::MAX` fails forever.
    pub fn fail_first(mut self, n: u32, status: u16) -> Self {
        self.fail_first = n;
        self.fail_status = status;
        self
    }

    pub fn status(mut self, status: u16) -> Self {
        self.status = Some(status);
        self
    }

    /// Every request waits `delay` before its answer.
    pub fn delay(self, delay: Duration) -> Self {
        self.delay_first(u32::MAX, delay)
    }

    /// The first `n` requests wait `delay`; later ones answer at once.
    pub fn delay_first(mut self, n: u32, delay: Duration) -> Self {
        self.slow_first = n;
        self.delay = delay;
        self
    }

    pub fn malformed(mut self) -> Self {
        self.malformed = true;
        self
    }
}

/// `GET /account/info` in the current shape: dollars, a credit pack, concurrency limits.
pub fn account_info_new() -> Value {
    json!({"code": 200, "message": "success", "data": {
        "id": 48213, "name": "acme-studio", "plan": "creator", "type": "user", "is_enable": true,
        "equivalent_in_usd": "12.3456789",
        "credit_pack_info": {
            "available_credits": 123_456_789u64, "used_credits": 66_543_211u64,
            "total_credits": 200_000_000u64, "frozen_credits": 10_000_000u64,
            "expired_credits": 0, "inactive_credits": 0, "credit_packs_count": 1,
            "credit_packs": [{"id": 7, "active": true, "capacity": 200_000_000u64,
                              "expired_at": "2027-05-01T00:00:00Z"}]
        },
        "max_concurrent_task_count": 10, "max_kling_concurrency": 5, "max_flux_concurrency": 3
    }})
}

/// `GET /account/info` in the legacy shape: a points wallet.
pub fn account_info_legacy() -> Value {
    json!({"code": 200, "message": "success", "data": {
        "id": "u-1001", "name": "old-timer", "plan": "free",
        "wallet": {"point_remain": 45_000_000u64, "point_frozen": 2_000_000u64,
                   "point_used": 1_000_000u64, "auto_recharge_enabled": false},
        "max_concurrent_task_count": 2
    }})
}

/// `GET /account/info` in the oldest shape: no envelope, `account_*` names, `credits` points.
pub fn account_info_older() -> Value {
    json!({"account_name": "first-user", "account_id": "acc_9", "credits": 5_000_000u64})
}

/// A completed Kling 3.0 pro task, 10 s with audio: PiAPI froze a flat $1 and took $2.
pub fn kling_task(task_id: &str) -> Value {
    json!({
        "task_id": task_id, "model": "kling", "task_type": "video_generation",
        "status": "Completed",
        "input": {"prompt": "a red fox in snow", "version": "3.0", "mode": "pro",
                  "duration": 10, "enable_audio": true},
        "output": {"video_url": "https://example.invalid/fox.mp4"},
        "meta": {"created_at": "2026-11-24T16:58:00Z",
                 "usage": {"type": "point", "frozen": 10_000_000u64, "consume": 20_000_000u64},
                 "is_using_private_pool": false},
        "error": {"code": 0, "message": ""}
    })
}

/// One request as the mock saw it.
#[derive(Clone, Debug)]
pub struct RecordedRequest {
    pub method: String,
    /// Path and query, as sent.
    pub uri: String,
    /// Header names (lower case) and values, in order; non-UTF-8 values lossily decoded.
    pub headers: Vec<(String, String)>,
}

impl RecordedRequest {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.as_str())
    }
}

struct Shared {
    behaviour: Mutex<Behaviour>,
    requests: Mutex<Vec<RecordedRequest>>,
    /// Requests seen so far, for `slow_first`.
    seen: AtomicU32,
    /// Authorized requests seen so far, for `fail_first`.
    authorized: AtomicU32,
    /// Tasks created with `POST /api/v1/task`: the request, and how often it was viewed.
    created: Mutex<HashMap<String, (Value, u32)>>,
    next_task: AtomicU32,
}

/// A running mock; dropping it stops the server.
pub struct MockPiapi {
    pub addr: SocketAddr,
    shared: Arc<Shared>,
    server: JoinHandle<()>,
}

impl MockPiapi {
    pub async fn start(behaviour: Behaviour) -> MockPiapi {
        let shared = Arc::new(Shared {
            behaviour: Mutex::new(behaviour),
            requests: Mutex::new(Vec::new()),
            seen: AtomicU32::new(0),
            authorized: AtomicU32::new(0),
            created: Mutex::new(HashMap::new()),
            next_task: AtomicU32::new(0),
        });
        let listener = TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind 127.0.0.1:0");
        let addr = listener.local_addr().expect("local address");
        let app = Router::new().fallback(answer).with_state(shared.clone());
        let server = tokio::spawn(async move {
            let _ = axum::serve(listener, app).await;
        });
        MockPiapi {
            addr,
            shared,
            server,
        }
    }

    /// The URL to use as `PIAPI_BASE_URL`.
    pub fn base_url(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// Every request so far, in arrival order.
    pub fn requests(&self) -> Vec<RecordedRequest> {
        lock(&self.shared.requests).clone()
    }

    pub fn request_count(&self) -> usize {
        lock(&self.shared.requests).len()
    }

    /// How many tasks were created.
    pub fn created_count(&self) -> usize {
        lock(&self.shared.created).len()
    }

    /// The ids of every created task.
    pub fn task_ids(&self) -> Vec<String> {
        lock(&self.shared.created).keys().cloned().collect()
    }

    /// Changes how later requests are answered.
    pub fn set_behaviour(&self, behaviour: Behaviour) {
        *lock(&self.shared.behaviour) = behaviour;
    }

    pub fn shutdown(self) {
        // Dropping aborts the server task.
    }
}

impl Drop for MockPiapi {
    fn drop(&mut self) {
        self.server.abort();
    }
}

fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
}

async fn answer(State(shared): State<Arc<Shared>>, request: Request) -> Response {
    let recorded = RecordedRequest {
        method: request.method().to_string(),
        uri: request
            .uri()
            .path_and_query()
            .map(|p| p.as_str().to_owned())
            .unwrap_or_default(),
        headers: request
            .headers()
            .iter()
            .map(|(n, v)| {
                (
                    n.as_str().to_owned(),
                    String::from_utf8_lossy(v.as_bytes()).into_owned(),
                )
            })
            .collect(),
    };
    lock(&shared.requests).push(recorded);
    let behaviour = lock(&shared.behaviour).clone();

    let n = shared.seen.fetch_add(1, Ordering::SeqCst);
    if n < behaviour.slow_first && !behaviour.delay.is_zero() {
        tokio::time::sleep(behaviour.delay).await;
    }

    let key_ok = request
        .headers()
        .get("x-api-key")
        .is_some_and(|k| k.as_bytes() == behaviour.api_key.as_bytes());
    if !key_ok {
        return envelope_error(401, "Invalid API key");
    }
    let n = shared.authorized.fetch_add(1, Ordering::SeqCst);
    if n < behaviour.fail_first {
        return envelope_error(behaviour.fail_status, "internal server error");
    }
    if let Some(status) = behaviour.status {
        return envelope_error(status, "refused by the mock");
    }
    if behaviour.malformed {
        return respond(
            200,
            "text/html",
            "<html><body>502 Bad Gateway</body></html>".to_owned(),
        );
    }

    let path = request.uri().path().to_owned();
    if let Some(creates) = behaviour.creates {
        if request.method() == Method::POST && path == "/api/v1/task" {
            return create_task(&shared, creates, request).await;
        }
        let id = path.strip_prefix("/api/v1/task/");
        let created = id.filter(|_| request.method() == Method::GET);
        if let Some(answer) = created.and_then(|id| view_created(&shared, creates, id)) {
            return answer;
        }
    }
    let path = path.as_str();
    if request.method() != Method::GET {
        return envelope_error(405, "method not allowed");
    }
    if path == "/account/info" {
        return respond(200, "application/json", behaviour.account.to_string());
    }
    if path == "/api/open/tasks/histories" {
        return history_page(&behaviour, request.uri().query().unwrap_or(""));
    }
    if let Some(id) = path.strip_prefix("/api/v1/task/") {
        let view = behaviour.history.as_ref().and_then(|h| h.views.get(id));
        return match view.or_else(|| behaviour.tasks.get(id)) {
            Some(data) => respond(
                200,
                "application/json",
                json!({"code": 200, "message": "success", "data": data}).to_string(),
            ),
            None => envelope_error(404, "task not found"),
        };
    }
    envelope_error(404, "not found")
}

/// One page of the history, filtered like PiAPI: records created after `start_time` and
/// before `end_time` (Unix seconds), of `model` when given.
fn history_page(behaviour: &Behaviour, query: &str) -> Response {
    let Some(history) = &behaviour.history else {
        return envelope_error(404, "not found");
    };
    let params: HashMap<&str, &str> = query
        .split('&')
        .filter_map(|kv| kv.split_once('='))
        .collect();
    let number = |name: &str, default: i64| {
        params
            .get(name)
            .and_then(|v| v.parse::<i64>().ok())
            .unwrap_or(default)
    };
    let (page, size) = (number("page", 1), number("page_size", 10));
    if !(1..=100).contains(&size) || page < 1 {
        return envelope_error(400, "page_size must be 1 to 100 and page at least 1");
    }
    if behaviour.failing_pages.contains(&(page as u64)) {
        return envelope_error(500, "internal server error");
    }
    let (start, end) = (number("start_time", i64::MIN), number("end_time", i64::MAX));
    let model = params.get("model").copied();
    let matching: Vec<&Value> = history
        .items
        .iter()
        .filter(|item| {
            let at = item["created_at"]
                .as_str()
                .and_then(piapi_billing::ops::window::parse_rfc3339)
                .unwrap_or(0);
            at >= start && at <= end && model.is_none_or(|m| item["task_model"] == m)
        })
        .collect();
    let from = ((page - 1) * size) as usize;
    let data: Vec<&Value> = matching
        .iter()
        .skip(from)
        .take(size as usize)
        .copied()
        .collect();
    let mut body = json!({"code": 200, "message": "success",
        "data": {"data": data, "page": page, "size": size, "total": matching.len()}});
    if behaviour.omit_total {
        body["data"].as_object_mut().map(|d| d.remove("total"));
    }
    respond(200, "application/json", body.to_string())
}

async fn create_task(shared: &Shared, _creates: Creates, request: Request) -> Response {
    let Ok(bytes) = axum::body::to_bytes(request.into_body(), 1 << 20).await else {
        return envelope_error(400, "body too large");
    };
    let Ok(body) = serde_json::from_slice::<Value>(&bytes) else {
        return envelope_error(400, "invalid json");
    };
    let n = shared.next_task.fetch_add(1, Ordering::SeqCst);
    let id = format!("9a1c0000-0000-4000-8000-{n:012x}");
    lock(&shared.created).insert(id.clone(), (body.clone(), 0));
    let data = task_view(&id, &body, "pending", None);
    respond(
        200,
        "application/json",
        json!({"code": 200, "message": "success", "data": data}).to_string(),
    )
}

fn view_created(shared: &Shared, creates: Creates, id: &str) -> Option<Response> {
    let mut created = lock(&shared.created);
    let (body, polls) = created.get_mut(id)?;
    *polls += 1;
    let fails = body["input"]["prompt"] == "fail";
    let (status, usage) = if *polls <= creates.polls {
        ("processing", Some((creates.consume_points, 0)))
    } else if fails {
        ("failed", Some((0, 0)))
    } else {
        ("completed", Some((0, creates.consume_points)))
    };
    let data = task_view(id, body, status, usage);
    Some(respond(
        200,
        "application/json",
        json!({"code": 200, "message": "success", "data": data}).to_string(),
    ))
}

fn task_view(id: &str, body: &Value, status: &str, usage: Option<(u64, u64)>) -> Value {
    let mut meta = json!({"created_at": "2026-11-29T10:00:00Z", "is_using_private_pool": false});
    if let Some((frozen, consume)) = usage {
        meta["usage"] = json!({"type": "point", "frozen": frozen, "consume": consume});
    }
    json!({
        "task_id": id, "model": body["model"], "task_type": body["task_type"],
        "status": status, "input": body["input"], "output": null, "meta": meta,
        "error": {"code": 0, "message": ""}
    })
}

fn envelope_error(status: u16, message: &str) -> Response {
    respond(
        status,
        "application/json",
        json!({"code": status, "message": message, "data": null}).to_string(),
    )
}

fn respond(status: u16, content_type: &'static str, body: String) -> Response {
    let mut response = Response::new(Body::from(body));
    *response.status_mut() =
        StatusCode::from_u16(status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    response
        .headers_mut()
        .insert(header::CONTENT_TYPE, HeaderValue::from_static(content_type));
    response
}
