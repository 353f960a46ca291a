//! Sending what an automation says through a block: a notification (`send-notification`) through a
//! notification block, or a webhook call (`call-webhook`) through a `webhook` block. Plain HTTP from the
//! server, with a timeout; a block type Baton cannot send through is a clear failure of the action.

use super::Services;
use crate::domain::Doc;
use serde_json::{json, Value};
use std::time::Duration;
use uuid::Uuid;

const TIMEOUT: Duration = Duration::from_secs(10);

/// One HTTP client for every notification and webhook, built once (with the timeout).
fn client() -> Result<reqwest::Client, String> {
    static CLIENT: std::sync::OnceLock<Result<reqwest::Client, String>> =
        std::sync::OnceLock::new();
    CLIENT
        .get_or_init(|| {
            reqwest::Client::builder()
                .timeout(TIMEOUT)
                .build()
                .map_err(|e| e.to_string())
        })
        .clone()
}

/// A block field as text (secrets are stored as plain strings once decrypted).
fn text(data: &Doc, key: &str) -> Option<String> {
    match data.get(key)? {
        Value::String(s) => Some(s.clone()),
        Value::Null => None,
        other => Some(other.to_string()),
    }
}

/// Replaces `{{name}}` placeholders (Prefect's custom webhook substitution) in every string of `v`.
fn substitute(v: &Value, values: &Doc) -> Value {
    match v {
        Value::String(s) => {
            let mut out = s.clone();
            for (k, val) in values {
                let with = match val {
                    Value::String(x) => x.clone(),
                    other => other.to_string(),
                };
                out = out.replace(&format!("{{{{{k}}}}}", k = k), &with);
                out = out.replace(&format!("{{{{ {k} }}}}", k = k), &with);
            }
            Value::String(out)
        }
        Value::Object(o) => Value::Object(
            o.iter()
                .map(|(k, x)| (k.clone(), substitute(x, values)))
                .collect(),
        ),
        Value::Array(a) => Value::Array(a.iter().map(|x| substitute(x, values)).collect()),
        other => other.clone(),
    }
}

/// What a receiver answered, and through which block.
#[derive(Clone, Debug, Default)]
pub struct Delivery {
    pub block_name: String,
    pub block_type: String,
    pub status_code: u16,
    pub response_body: String,
    pub response_headers: Doc,
}

async fn send(req: reqwest::RequestBuilder) -> Result<Delivery, String> {
    let resp = req.send().await.map_err(|e| {
        let https = e.url().is_some_and(|u| u.scheme() == "https");
        if https && !cfg!(feature = "tls") {
            format!("the request failed: {e} (this Baton was built without HTTPS; build it with `--features tls`)")
        } else {
            format!("the request failed: {e}")
        }
    })?;
    let status = resp.status();
    let response_headers = resp
        .headers()
        .iter()
        .filter_map(|(k, v)| Some((k.to_string(), json!(v.to_str().ok()?))))
        .collect();
    let body = resp.text().await.unwrap_or_default();
    if status.is_success() {
        Ok(Delivery {
            status_code: status.as_u16(),
            response_body: body.chars().take(1000).collect(),
            response_headers,
            ..Default::default()
        })
    } else {
        let said: String = body.chars().take(200).collect();
        Err(format!("the receiver answered {status}: {said}"))
    }
}

fn method(name: Option<String>) -> Result<reqwest::Method, String> {
    let m = name.unwrap_or_else(|| "POST".into()).to_uppercase();
    reqwest::Method::from_bytes(m.as_bytes()).map_err(|_| format!("'{m}' is not an HTTP method"))
}

fn headers(req: reqwest::RequestBuilder, h: Option<&Value>) -> reqwest::RequestBuilder {
    let mut req = req;
    if let Some(Value::Object(h)) = h {
        for (k, v) in h {
            if let Some(v) = v.as_str() {
                req = req.header(k.as_str(), v);
            }
        }
    }
    req
}

impl Services {
    /// Sends `subject` and `body` through the notification block `id`.
    pub(super) async fn notify_through(
        &self,
        id: Uuid,
        subject: &str,
        body: &str,
    ) -> Result<Delivery, String> {
        let block = self
            .block_document(id, true)
            .await
            .map_err(|e| format!("the notification block {id} could not be read: {e}"))?;
        let data = &block.doc.data;
        let slug = block.block_type.slug.as_str();
        let http = client()?;
        let sent = match slug {
            "custom-webhook" => {
                let mut values = Doc::new();
                values.insert("subject".into(), json!(subject));
                values.insert("body".into(), json!(body));
                values.insert("name".into(), json!(text(data, "name").unwrap_or_default()));
                if let Some(Value::Object(secrets)) = data.get("secrets") {
                    values.extend(secrets.clone());
                }
                let url = substitute(&json!(text(data, "url").unwrap_or_default()), &values);
                let url = url.as_str().unwrap_or_default().to_string();
                let mut req = http.request(method(text(data, "method"))?, url);
                req = headers(req, Some(&substitute(data.get("headers").unwrap_or(&Value::Null), &values)));
                if let Some(p) = data.get("params").filter(|v| v.is_object()) {
                    req = req.query(&substitute(p, &values));
                }
                if let Some(j) = data.get("json_data").filter(|v| !v.is_null()) {
                    req = req.json(&substitute(j, &values));
                } else if let Some(f) = data.get("form_data").filter(|v| !v.is_null()) {
                    req = req.form(&substitute(f, &values));
                }
                send(req).await
            }
            "slack-webhook" | "discord-webhook" | "mattermost-webhook" | "ms-teams-webhook" => {
                let url = text(data, "url").ok_or("the block has no url")?;
                let message = if subject.is_empty() {
                    body.to_string()
                } else {
                    format!("{subject}\n{body}")
                };
                let payload = match slug {
                    "discord-webhook" => json!({"content": message}),
                    _ => json!({"text": message}),
                };
                send(http.post(url).json(&payload)).await
            }
            "webhook" => {
                let payload = json!({"subject": subject, "body": body});
                return self.call_webhook(id, &payload.to_string()).await;
            }
            other => Err(format!(
                "Baton cannot send notifications through a '{other}' block (it can through custom-webhook, \
                 slack-webhook, discord-webhook, mattermost-webhook, ms-teams-webhook and webhook blocks)"
            )),
        };
        sent.map(|d| Delivery {
            block_name: block.doc.name.clone(),
            block_type: slug.to_string(),
            ..d
        })
    }

    /// Calls the `webhook` block `id` with a payload (sent as JSON when it parses as JSON).
    pub(super) async fn call_webhook(&self, id: Uuid, payload: &str) -> Result<Delivery, String> {
        let block = self
            .block_document(id, true)
            .await
            .map_err(|e| format!("the webhook block {id} could not be read: {e}"))?;
        let data = &block.doc.data;
        let url = text(data, "url").ok_or("the webhook block has no url")?;
        let mut req = client()?.request(method(text(data, "method"))?, url);
        req = headers(req, data.get("headers"));
        req = match serde_json::from_str::<Value>(payload) {
            Ok(v) if !payload.trim().is_empty() => req.json(&v),
            _ => req.body(payload.to_string()),
        };
        let d = send(req).await?;
        Ok(Delivery {
            block_name: block.doc.name.clone(),
            block_type: block.block_type.slug.clone(),
            ..d
        })
    }
}
