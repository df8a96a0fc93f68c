//! A TAXII 2.1 client for publishing: the collection's information, its API root's size
//! limit, `POST .../objects/` of an envelope, and the status resource polled until the
//! server has finished. HTTP is ureq's (rustls for `https://`).
//!
//! Guarantees: every failure is a sentence naming the URL and what to do: 401 (credentials),
//! 403 (no write access), 404 (no such API root or collection), 413 (request too large),
//! other statuses with the server's own message, and timeouts (`--timeout`). Credentials come
//! from the environment only: `IOCC_TAXII_USER` with `IOCC_TAXII_PASSWORD` (HTTP Basic), or
//! `IOCC_TAXII_TOKEN` (Bearer).

use std::time::{Duration, Instant};

use base64::Engine as _;
use serde_json::Value;

/// The TAXII 2.1 media type, for `Accept` and `Content-Type`.
pub const MEDIA_TYPE: &str = "application/taxii+json;version=2.1";

pub const USER_ENV: &str = "IOCC_TAXII_USER";
pub const PASSWORD_ENV: &str = "IOCC_TAXII_PASSWORD";
pub const TOKEN_ENV: &str = "IOCC_TAXII_TOKEN";

/// A TAXII 2.1 collection to write to.
pub struct Client {
    agent: ureq::Agent,
    api_root: String,
    collection: String,
    auth: Option<String>,
    timeout: Duration,
}

/// The `Authorization` header from the environment, if any.
fn auth_from_env() -> Option<String> {
    if let Ok(token) = std::env::var(TOKEN_ENV) {
        return Some(format!("Bearer {token}"));
    }
    let user = std::env::var(USER_ENV).ok()?;
    let password = std::env::var(PASSWORD_ENV).unwrap_or_default();
    let pair = base64::engine::general_purpose::STANDARD.encode(format!("{user}:{password}"));
    Some(format!("Basic {pair}"))
}

impl Client {
    pub fn new(api_root: &str, collection: &str, timeout: Duration) -> Client {
        let agent = ureq::Agent::config_builder()
            .timeout_global(Some(timeout))
            .http_status_as_error(false)
            .build()
            .into();
        let mut api_root = api_root.to_owned();
        if !api_root.ends_with('/') {
            api_root.push('/');
        }
        Client {
            agent,
            api_root,
            collection: collection.to_owned(),
            auth: auth_from_env(),
            timeout,
        }
    }

    fn collection_url(&self) -> String {
        format!("{}collections/{}/", self.api_root, self.collection)
    }

    /// Sends one request and reads its JSON answer; any status but 200/202 is an error.
    fn request(&self, method: &str, url: &str, body: Option<&[u8]>) -> Result<Value, String> {
        let response = match body {
            None => {
                let mut r = self.agent.get(url).header("Accept", MEDIA_TYPE);
                if let Some(a) = &self.auth {
                    r = r.header("Authorization", a);
                }
                r.call()
            }
            Some(bytes) => {
                let mut r = self
                    .agent
                    .post(url)
                    .header("Accept", MEDIA_TYPE)
                    .header("Content-Type", MEDIA_TYPE);
                if let Some(a) = &self.auth {
                    r = r.header("Authorization", a);
                }
                r.send(bytes)
            }
        };
        let response = response.map_err(|e| self.transport_error(method, url, &e))?;
        let status = response.status().as_u16();
        let text = response
            .into_body()
            .read_to_string()
            .map_err(|e| self.transport_error(method, url, &e))?;
        if !matches!(status, 200 | 202) {
            return Err(status_error(
                method,
                url,
                status,
                &text,
                self.auth.is_some(),
            ));
        }
        serde_json::from_str(&text)
            .map_err(|e| format!("{method} {url}: the answer is not TAXII JSON: {e}"))
    }

    fn transport_error(&self, method: &str, url: &str, e: &ureq::Error) -> String {
        match e {
            ureq::Error::Timeout(_) => format!(
                "{method} {url}: no answer within {} s (raise --timeout, or check the server)",
                self.timeout.as_secs()
            ),
            ureq::Error::HostNotFound => format!("{method} {url}: the host name does not resolve"),
            ureq::Error::Io(io) if io.kind() == std::io::ErrorKind::ConnectionRefused => {
                format!("{method} {url}: connection refused (is the TAXII server running there?)")
            }
            ureq::Error::Io(io) if io.kind() == std::io::ErrorKind::TimedOut => format!(
                "{method} {url}: no answer within {} s (raise --timeout, or check the server)",
                self.timeout.as_secs()
            ),
            other => format!("{method} {url}: {other}"),
        }
    }

    /// Checks that the API root and collection exist and the credentials open them, before
    /// anything is sent (write access itself is the server's to grant: a refusal is a 403
    /// on the first `POST`).
    pub fn check_collection(&self) -> Result<(), String> {
        self.request("GET", &self.collection_url(), None)
            .map(|_| ())
    }

    /// Whether the collection already holds this version of an object (a server may report
    /// a resent object as a failure; it is there all the same).
    pub fn holds(&self, id: &str, version: &str) -> Result<bool, String> {
        let url = format!(
            "{}objects/{id}/?match%5Bversion%5D={}",
            self.collection_url(),
            version.replace(':', "%3A")
        );
        let found = self.request("GET", &url, None);
        match found {
            Ok(v) => Ok(v["objects"].as_array().is_some_and(|a| !a.is_empty())),
            Err(e) if e.contains("(404)") => Ok(false),
            Err(e) => Err(e),
        }
    }

    /// The API root's `max_content_length`, if it states one.
    pub fn max_content_length(&self) -> Result<Option<usize>, String> {
        let info = self.request("GET", &self.api_root, None)?;
        Ok(info["max_content_length"]
            .as_u64()
            .and_then(|n| usize::try_from(n).ok()))
    }

    /// Posts one envelope; returns the status resource the server answered.
    pub fn add_objects(&self, envelope: &[u8]) -> Result<Value, String> {
        let url = format!("{}objects/", self.collection_url());
        self.request("POST", &url, Some(envelope))
    }

    /// Polls a status resource until the server reports it `complete`.
    pub fn wait(&self, mut status: Value) -> Result<Value, String> {
        let deadline = Instant::now() + self.timeout;
        let mut pause = Duration::from_millis(200);
        while status["status"] != "complete" {
            let Some(id) = status["id"].as_str() else {
                return Err("the server's status resource has no `id`".into());
            };
            if Instant::now() >= deadline {
                return Err(format!(
                    "the server had not finished after {} s (status {id}: {} pending): check it later at {}status/{id}/",
                    self.timeout.as_secs(),
                    status["pending_count"],
                    self.api_root
                ));
            }
            std::thread::sleep(pause);
            pause = (pause * 2).min(Duration::from_secs(5));
            let url = format!("{}status/{id}/", self.api_root);
            status = self.request("GET", &url, None)?;
        }
        Ok(status)
    }
}

/// The message of an HTTP error status, with what to do about it.
fn status_error(method: &str, url: &str, status: u16, body: &str, has_auth: bool) -> String {
    let said = serde_json::from_str::<Value>(body)
        .ok()
        .and_then(|v| {
            v["description"]
                .as_str()
                .or(v["title"].as_str())
                .map(str::to_owned)
        })
        .unwrap_or_default();
    let what = match status {
        401 if has_auth => format!("the server refused the credentials (401): check {USER_ENV} and {PASSWORD_ENV}, or {TOKEN_ENV}"),
        401 => format!("the server asks for credentials (401): set {USER_ENV} and {PASSWORD_ENV}, or {TOKEN_ENV}"),
        403 => "the account may not do this (403): it needs write access to the collection".to_owned(),
        404 => "no such API root or collection (404): check --api-root and --collection (`GET <api-root>/collections/` lists the collections)".to_owned(),
        413 => "the server refused the request as too large (413): its API root's max_content_length is lower than one object".to_owned(),
        s => format!("the server answered HTTP {s}"),
    };
    if said.is_empty() {
        format!("{method} {url}: {what}")
    } else {
        format!("{method} {url}: {what}; the server said: {said}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn statuses_say_what_to_do() {
        let e = status_error("POST", "u", 401, "{\"title\": \"Unauthorized\"}", true);
        assert!(
            e.contains("refused the credentials (401)") && e.contains("Unauthorized"),
            "{e}"
        );
        assert!(status_error("GET", "u", 401, "", false).contains("asks for credentials"));
        assert!(status_error("GET", "u", 403, "", true).contains("write access"));
        assert!(status_error("GET", "u", 404, "", true).contains("--collection"));
        assert!(status_error("POST", "u", 413, "", true).contains("too large (413)"));
        assert!(status_error("POST", "u", 500, "x", true).contains("HTTP 500"));
    }
}
