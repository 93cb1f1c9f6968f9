//! [`OpenAiEmbedder`]: embeddings from an OpenAI-compatible `POST {base_url}/embeddings`.
//!
//! OpenAI itself (text-embedding-3-small, 1536 dimensions), and the OpenAI-compatible endpoints
//! of local servers (Ollama, vLLM, LM Studio, llama.cpp): the request is the common subset,
//! `{"model", "input": [texts], "encoding_format": "float"}`, plus `"dimensions"` only when
//! [`OpenAiConfig::send_dimensions`] asks for it (OpenAI's text-embedding-3 models accept it,
//! text-embedding-ada-002 and many local models reject it).
//!
//! Blocking, as the [`Embedder`] trait is: async code calls it from `spawn_blocking`. Each request
//! has a timeout; connection errors, timeouts, HTTP 429 and 5xx are retried with exponential
//! backoff; other statuses fail at once. No error message carries the API key.
use std::collections::hash_map::RandomState;
use std::fmt;
use std::hash::{BuildHasher, Hasher};
use std::time::Duration;

use serde::Deserialize;

use crate::{EmbedError, Embedder, STORAGE_DIMENSION};

/// The longest wait between two attempts, whatever the backoff or a `Retry-After` header says.
pub const MAX_BACKOFF: Duration = Duration::from_secs(10);

/// How much of a provider's error message goes into an [`EmbedError::Provider`] (in characters).
const MAX_MESSAGE_CHARS: usize = 200;

/// How to reach an OpenAI-compatible embeddings endpoint.
///
/// [`Default`] is OpenAI's text-embedding-3-small without a key; [`OpenAiConfig::openai`] adds
/// the key, [`OpenAiConfig::compatible`] points at another server. Every field is public, so
/// `OpenAiConfig { max_batch: 32, ..OpenAiConfig::openai(key) }` works.
#[derive(Clone, PartialEq, Eq)]
pub struct OpenAiConfig {
    /// The API root without the trailing `/embeddings`, e.g. `https://api.openai.com/v1` or
    /// `http://localhost:11434/v1` (Ollama). A trailing `/` is ignored.
    pub base_url: String,
    /// Sent as `Authorization: Bearer <key>` when set (local servers usually need none). Never
    /// printed: not by `Debug`, not in errors.
    pub api_key: Option<String>,
    /// The provider's model name, e.g. `text-embedding-3-small`.
    pub model: String,
    /// The length of the vectors the model returns; a vector of another length is an error.
    /// At least 1, at most [`STORAGE_DIMENSION`].
    pub dimension: usize,
    /// Also send `"dimensions": dimension`, asking the model to shorten its vectors (OpenAI's
    /// text-embedding-3 models). Off by default: models that cannot shorten reject the field.
    pub send_dimensions: bool,
    /// The limit for one attempt: connecting, sending and reading the whole response.
    pub timeout: Duration,
    /// How many times a failed request is tried again (so at most `max_retries + 1` attempts).
    pub max_retries: u32,
    /// The wait before the first retry; it doubles with each further retry (plus up to a quarter
    /// of jitter), capped at [`MAX_BACKOFF`].
    pub initial_backoff: Duration,
    /// The most texts in one request; longer batches are split.
    pub max_batch: usize,
}

impl OpenAiConfig {
    /// OpenAI's endpoint.
    pub const OPENAI_BASE_URL: &'static str = "https://api.openai.com/v1";
    /// OpenAI's small embedding model, whose vectors fill the `vector(1536)` columns.
    pub const OPENAI_MODEL: &'static str = "text-embedding-3-small";
    /// The dimension of [`Self::OPENAI_MODEL`].
    pub const OPENAI_DIMENSION: usize = 1536;

    /// OpenAI's text-embedding-3-small (1536 dimensions) with this API key, and the default
    /// timeout (20 s), retries (4), initial backoff (500 ms) and batch size (96).
    pub fn openai(api_key: impl Into<String>) -> Self {
        Self { api_key: Some(api_key.into()), ..Self::default() }
    }

    /// Another OpenAI-compatible server (no key; set [`Self::api_key`] if it needs one), with
    /// the same defaults as [`Self::openai`].
    pub fn compatible(
        base_url: impl Into<String>,
        model: impl Into<String>,
        dimension: usize,
    ) -> Self {
        Self { base_url: base_url.into(), model: model.into(), dimension, ..Self::default() }
    }

    /// The URL requests go to.
    fn endpoint(&self) -> String {
        format!("{}/embeddings", self.base_url.trim_end_matches('/'))
    }
}

impl Default for OpenAiConfig {
    fn default() -> Self {
        Self {
            base_url: Self::OPENAI_BASE_URL.to_owned(),
            api_key: None,
            model: Self::OPENAI_MODEL.to_owned(),
            dimension: Self::OPENAI_DIMENSION,
            send_dimensions: false,
            timeout: Duration::from_secs(20),
            max_retries: 4,
            initial_backoff: Duration::from_millis(500),
            max_batch: 96,
        }
    }
}

impl fmt::Debug for OpenAiConfig {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("OpenAiConfig")
            .field("base_url", &self.base_url)
            .field("api_key", &self.api_key.as_ref().map(|_| "<redacted>"))
            .field("model", &self.model)
            .field("dimension", &self.dimension)
            .field("send_dimensions", &self.send_dimensions)
            .field("timeout", &self.timeout)
            .field("max_retries", &self.max_retries)
            .field("initial_backoff", &self.initial_backoff)
            .field("max_batch", &self.max_batch)
            .finish()
    }
}

/// An [`Embedder`] calling an OpenAI-compatible `/embeddings` endpoint.
///
/// Its model id is `openai:<model>@<dimension>`, e.g. `openai:text-embedding-3-small@1536`.
/// Empty and whitespace-only texts are not sent (OpenAI rejects empty input): they get `None`,
/// as do zero vectors. Returned vectors are L2-normalised.
pub struct OpenAiEmbedder {
    config: OpenAiConfig,
    endpoint: String,
    model_id: String,
    agent: ureq::Agent,
}

impl fmt::Debug for OpenAiEmbedder {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("OpenAiEmbedder")
            .field("model_id", &self.model_id)
            .field("config", &self.config)
            .finish_non_exhaustive()
    }
}

impl OpenAiEmbedder {
    /// A client for `config`. Makes no request.
    ///
    /// # Errors
    /// [`EmbedError::InvalidConfig`] for a dimension of 0 or above [`STORAGE_DIMENSION`], a
    /// `max_batch` or `timeout` of zero, an empty model name, or a base URL that is not
    /// `http://` or `https://`.
    pub fn new(config: OpenAiConfig) -> Result<Self, EmbedError> {
        let invalid = |reason: String| Err(EmbedError::InvalidConfig { reason });
        if config.dimension == 0 || config.dimension > STORAGE_DIMENSION {
            return invalid(format!(
                "the embedding dimension must be between 1 and {STORAGE_DIMENSION} (the \
                 vector({STORAGE_DIMENSION}) columns), not {}",
                config.dimension
            ));
        }
        if config.max_batch == 0 {
            return invalid("max_batch must be at least 1".to_owned());
        }
        if config.timeout.is_zero() {
            return invalid("the request timeout must be more than zero".to_owned());
        }
        if config.model.trim().is_empty() {
            return invalid("the embedding model name is empty".to_owned());
        }
        let base = config.base_url.to_ascii_lowercase();
        if !(base.starts_with("http://") || base.starts_with("https://")) {
            return invalid(format!(
                "the embedding base URL must start with http:// or https://, not {:?}",
                config.base_url
            ));
        }
        let agent = ureq::Agent::new_with_config(
            ureq::Agent::config_builder()
                // Statuses are read, not turned into errors: the body has the provider's message.
                .http_status_as_error(false)
                .timeout_global(Some(config.timeout))
                .timeout_per_call(Some(config.timeout))
                // A redirected POST would become a GET; an embeddings endpoint has no reason to
                // redirect, so a 3xx is reported as it is.
                .max_redirects(0)
                .max_redirects_will_error(false)
                .build(),
        );
        Ok(Self {
            endpoint: config.endpoint(),
            model_id: format!("openai:{}@{}", config.model, config.dimension),
            config,
            agent,
        })
    }

    /// The configuration it was built from.
    pub fn config(&self) -> &OpenAiConfig {
        &self.config
    }

    /// One request's worth of (non-blank) texts, with its retries; vectors in input order.
    fn embed_request(&self, texts: &[&str]) -> Result<Vec<Option<Vec<f32>>>, EmbedError> {
        let mut body = serde_json::json!({
            "model": self.config.model,
            "input": texts,
            "encoding_format": "float",
        });
        if self.config.send_dimensions {
            body["dimensions"] = self.config.dimension.into();
        }
        let body = body.to_string();
        let mut retries = 0;
        loop {
            match self.attempt(&body, texts.len()) {
                Ok(vectors) => return Ok(vectors),
                Err(failure) if failure.retryable && retries < self.config.max_retries => {
                    std::thread::sleep(self.backoff(retries, failure.retry_after));
                    retries += 1;
                }
                Err(failure) => {
                    let attempts = retries + 1;
                    let reason = if failure.retryable {
                        let s = if attempts == 1 { "" } else { "s" };
                        format!("{} (after {attempts} attempt{s})", failure.reason)
                    } else {
                        failure.reason
                    };
                    return Err(EmbedError::Provider {
                        status: failure.status,
                        reason: self.redact(&reason),
                    });
                }
            }
        }
    }

    /// The wait before retry number `retries` (counting from 0): the server's `Retry-After`
    /// when it sent one, else `initial_backoff * 2^retries` plus up to 25 % jitter; never more
    /// than [`MAX_BACKOFF`].
    fn backoff(&self, retries: u32, retry_after: Option<Duration>) -> Duration {
        if let Some(wait) = retry_after {
            return wait.min(MAX_BACKOFF);
        }
        let base = self.config.initial_backoff.saturating_mul(2u32.saturating_pow(retries));
        // A random fraction in [0, 1) from std's randomly keyed hasher (no `rand` dependency).
        let random =
            (RandomState::new().build_hasher().finish() >> 11) as f64 / (1u64 << 53) as f64;
        base.saturating_add(base.mul_f64(random / 4.0)).min(MAX_BACKOFF)
    }

    /// One HTTP exchange.
    fn attempt(&self, body: &str, expected: usize) -> Result<Vec<Option<Vec<f32>>>, Failure> {
        let mut request = self
            .agent
            .post(&self.endpoint)
            .header("Content-Type", "application/json")
            .header("Accept", "application/json");
        if let Some(key) = &self.config.api_key {
            request = request.header("Authorization", format!("Bearer {key}"));
        }
        let mut response = request.send(body).map_err(Failure::transport)?;
        let status = response.status().as_u16();
        let retry_after = retry_after(response.headers());
        // Generous: a float in JSON takes about 20 bytes.
        let limit = (self.config.max_batch * self.config.dimension * 32 + (1 << 20)) as u64;
        let bytes = response.body_mut().with_config().limit(limit).read_to_vec();
        if !(200..300).contains(&status) {
            let message = bytes.as_deref().map(provider_message).unwrap_or_default();
            let reason = if message.is_empty() {
                format!("the embedding provider answered HTTP {status}")
            } else {
                format!("the embedding provider answered HTTP {status}: {message}")
            };
            let retryable = status == 429 || (500..600).contains(&status);
            return Err(Failure { status: Some(status), reason, retryable, retry_after });
        }
        let bytes = bytes.map_err(Failure::transport)?;
        self.parse(&bytes, expected).map_err(|reason| Failure {
            status: Some(status),
            reason,
            retryable: false,
            retry_after: None,
        })
    }

    /// The vectors of a 2xx response to a request of `expected` texts, in input order.
    fn parse(&self, bytes: &[u8], expected: usize) -> Result<Vec<Option<Vec<f32>>>, String> {
        let response: EmbeddingsResponse = serde_json::from_slice(bytes).map_err(|e| {
            format!("the embedding provider's response is not the expected JSON: {e}")
        })?;
        if response.data.len() != expected {
            return Err(format!(
                "the embedding provider returned {} vectors for {expected} texts",
                response.data.len()
            ));
        }
        let mut vectors: Vec<Option<Vec<f32>>> = vec![None; expected];
        let mut seen = vec![false; expected];
        for (position, item) in response.data.into_iter().enumerate() {
            let index = item.index.unwrap_or(position);
            if index >= expected || seen[index] {
                return Err(format!(
                    "the embedding provider returned a vector with index {index}, out of range or \
                     repeated, for {expected} texts"
                ));
            }
            seen[index] = true;
            if item.embedding.len() != self.config.dimension {
                return Err(format!(
                    "the embedding provider returned a vector of {} dimensions, but {} is \
                     configured for {}",
                    item.embedding.len(),
                    self.config.dimension,
                    self.config.model
                ));
            }
            vectors[index] = crate::normalize(item.embedding);
        }
        Ok(vectors)
    }

    /// `text` without the API key in it, should the provider or the transport have echoed it.
    fn redact(&self, text: &str) -> String {
        match &self.config.api_key {
            Some(key) if !key.is_empty() => text.replace(key.as_str(), "<redacted>"),
            _ => text.to_owned(),
        }
    }
}

impl Embedder for OpenAiEmbedder {
    fn model_id(&self) -> &str {
        &self.model_id
    }

    fn dimension(&self) -> usize {
        self.config.dimension
    }

    fn embed_batch(&self, texts: &[&str]) -> Result<Vec<Option<Vec<f32>>>, EmbedError> {
        let mut out: Vec<Option<Vec<f32>>> = vec![None; texts.len()];
        // Blank texts stay None and are not sent.
        let sent: Vec<usize> = (0..texts.len()).filter(|&i| !texts[i].trim().is_empty()).collect();
        for chunk in sent.chunks(self.config.max_batch) {
            let batch: Vec<&str> = chunk.iter().map(|&i| texts[i]).collect();
            for (&i, vector) in chunk.iter().zip(self.embed_request(&batch)?) {
                out[i] = vector;
            }
        }
        Ok(out)
    }
}

/// A failed attempt: what to report, and whether trying again may help.
struct Failure {
    status: Option<u16>,
    reason: String,
    retryable: bool,
    retry_after: Option<Duration>,
}

impl Failure {
    /// A failure before or while reading a response: connection errors and timeouts are
    /// retried; a bad URL, a TLS failure and the like are not.
    fn transport(error: ureq::Error) -> Self {
        let retryable = matches!(
            error,
            ureq::Error::Io(_)
                | ureq::Error::Timeout(_)
                | ureq::Error::ConnectionFailed
                | ureq::Error::HostNotFound
                | ureq::Error::Protocol(_)
        );
        let reason = match &error {
            ureq::Error::Timeout(_) => {
                format!("the embedding provider did not answer in time ({error})")
            }
            _ => format!("the embedding provider could not be reached: {error}"),
        };
        Self { status: None, reason, retryable, retry_after: None }
    }
}

#[derive(Deserialize)]
struct EmbeddingsResponse {
    data: Vec<EmbeddingItem>,
}

#[derive(Deserialize)]
struct EmbeddingItem {
    embedding: Vec<f32>,
    /// OpenAI always sends it; a server that does not is taken to answer in order.
    #[serde(default)]
    index: Option<usize>,
}

/// `Retry-After` in seconds (or OpenAI's `retry-after-ms`), when present and a number.
fn retry_after(headers: &ureq::http::HeaderMap) -> Option<Duration> {
    let number = |name: &str| {
        headers.get(name)?.to_str().ok()?.trim().parse::<f64>().ok().filter(|v| *v >= 0.0)
    };
    let wait = match number("retry-after-ms") {
        Some(ms) => ms / 1000.0,
        None => number("retry-after")?,
    };
    Duration::try_from_secs_f64(wait.min(MAX_BACKOFF.as_secs_f64())).ok()
}

/// The provider's error message, from OpenAI's `{"error": {"message": ...}}` (or a plain
/// `{"error": "..."}`, as some local servers send), else the body's text; on one line,
/// truncated to [`MAX_MESSAGE_CHARS`].
fn provider_message(body: &[u8]) -> String {
    let json: Option<serde_json::Value> = serde_json::from_slice(body).ok();
    let message = json.as_ref().and_then(|v| {
        let error = v.get("error")?;
        error.get("message").and_then(|m| m.as_str()).or_else(|| error.as_str()).map(str::to_owned)
    });
    let message = message.unwrap_or_else(|| String::from_utf8_lossy(body).into_owned());
    let message = message.split_whitespace().collect::<Vec<_>>().join(" ");
    if message.chars().count() > MAX_MESSAGE_CHARS {
        let cut: String = message.chars().take(MAX_MESSAGE_CHARS).collect();
        format!("{cut}…")
    } else {
        message
    }
}

#[cfg(test)]
mod tests {
    use std::io::{BufRead, BufReader, Read, Write};
    use std::net::{TcpListener, TcpStream};
    use std::sync::{Arc, Mutex};
    use std::time::Instant;

    use super::*;

    /// A request the fake server received.
    #[derive(Debug)]
    struct Received {
        request_line: String,
        headers: Vec<(String, String)>,
        body: serde_json::Value,
    }

    impl Received {
        fn header(&self, name: &str) -> Option<&str> {
            self.headers.iter().find(|(n, _)| n.eq_ignore_ascii_case(name)).map(|(_, v)| v.as_str())
        }

        fn inputs(&self) -> Vec<String> {
            self.body["input"]
                .as_array()
                .expect("input is an array")
                .iter()
                .map(|v| v.as_str().expect("input is strings").to_owned())
                .collect()
        }
    }

    /// What the fake server answers: status, extra headers, body.
    type Answer = (u16, Vec<(&'static str, String)>, String);

    /// A one-thread HTTP/1.1 server on 127.0.0.1 answering each request (one per connection,
    /// `Connection: close`) with `answer(request number from 0, request)`. Returns its base URL
    /// and the requests it received.
    fn fake_server(
        answer: impl Fn(usize, &Received) -> Answer + Send + 'static,
    ) -> (String, Arc<Mutex<Vec<Received>>>) {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let base_url = format!("http://{}/v1", listener.local_addr().unwrap());
        let received = Arc::new(Mutex::new(Vec::new()));
        let log = Arc::clone(&received);
        std::thread::spawn(move || {
            for stream in listener.incoming() {
                let Ok(stream) = stream else { continue };
                let Some(request) = read_request(&stream) else { continue };
                let n = log.lock().unwrap().len();
                let (status, headers, body) = answer(n, &request);
                log.lock().unwrap().push(request);
                let mut out = format!(
                    "HTTP/1.1 {status} Whatever\r\nContent-Type: application/json\r\n\
                     Content-Length: {}\r\nConnection: close\r\n",
                    body.len()
                );
                for (name, value) in headers {
                    out.push_str(&format!("{name}: {value}\r\n"));
                }
                out.push_str("\r\n");
                out.push_str(&body);
                let mut stream = stream;
                let _ = stream.write_all(out.as_bytes());
                let _ = stream.flush();
            }
        });
        (base_url, received)
    }

    fn read_request(stream: &TcpStream) -> Option<Received> {
        let mut reader = BufReader::new(stream);
        let mut request_line = String::new();
        reader.read_line(&mut request_line).ok()?;
        let mut headers = Vec::new();
        loop {
            let mut line = String::new();
            reader.read_line(&mut line).ok()?;
            let line = line.trim_end();
            if line.is_empty() {
                break;
            }
            let (name, value) = line.split_once(':')?;
            headers.push((name.trim().to_owned(), value.trim().to_owned()));
        }
        let length: usize = headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case("content-length"))
            .map(|(_, v)| v.parse().unwrap())
            .expect("the client sends a Content-Length");
        let mut body = vec![0; length];
        reader.read_exact(&mut body).ok()?;
        Some(Received {
            request_line: request_line.trim_end().to_owned(),
            headers,
            body: serde_json::from_slice(&body).unwrap(),
        })
    }

    /// A config for the fake server: 3 dimensions, tiny backoffs, a short timeout.
    fn config(base_url: &str) -> OpenAiConfig {
        OpenAiConfig {
            api_key: Some("sk-test-secret-key-123".to_owned()),
            timeout: Duration::from_secs(5),
            initial_backoff: Duration::from_millis(1),
            ..OpenAiConfig::compatible(base_url, "test-model", 3)
        }
    }

    /// The fake model: `[length, first byte, 1]` for a text, zeros for "zero".
    fn fake_vector(text: &str) -> Vec<f32> {
        if text == "zero" {
            return vec![0.0; 3];
        }
        vec![text.len() as f32, f32::from(text.as_bytes()[0]), 1.0]
    }

    /// A 200 answer for the request's inputs, listed in reverse order (with their indices).
    fn embeddings_answer(request: &Received) -> Answer {
        let data: Vec<serde_json::Value> = request
            .inputs()
            .iter()
            .enumerate()
            .rev()
            .map(|(i, t)| serde_json::json!({"object": "embedding", "index": i, "embedding": fake_vector(t)}))
            .collect();
        let body = serde_json::json!({"object": "list", "data": data, "model": "test-model"});
        (200, vec![], body.to_string())
    }

    fn error_answer(status: u16, message: &str) -> Answer {
        let body = serde_json::json!({"error": {"message": message, "type": "x", "code": null}});
        (status, vec![], body.to_string())
    }

    #[test]
    fn batches_in_order_normalised_and_blank_texts_are_not_sent() {
        let (url, received) = fake_server(|_, r| embeddings_answer(r));
        let embedder = OpenAiEmbedder::new(OpenAiConfig { max_batch: 2, ..config(&url) }).unwrap();
        let texts = ["alpha", "", "beta", "zero", "  \n\t", "gamma", "delta!"];
        let out = embedder.embed_batch(&texts).unwrap();

        assert_eq!(out.len(), texts.len());
        for (text, vector) in texts.iter().zip(&out) {
            let expected = if text.trim().is_empty() || *text == "zero" {
                None
            } else {
                crate::normalize(fake_vector(text))
            };
            assert_eq!(vector, &expected, "{text:?}");
        }
        let alpha = out[0].as_ref().unwrap();
        let norm: f32 = alpha.iter().map(|x| x * x).sum::<f32>().sqrt();
        assert!((norm - 1.0).abs() < 1e-6, "norm {norm}");
        assert!((alpha[0] - 5.0 / (25.0f32 + 97.0 * 97.0 + 1.0).sqrt()).abs() < 1e-6);

        let received = received.lock().unwrap();
        let inputs: Vec<Vec<String>> = received.iter().map(Received::inputs).collect();
        assert_eq!(inputs, vec![vec!["alpha", "beta"], vec!["zero", "gamma"], vec!["delta!"]]);
        let first = &received[0];
        assert_eq!(first.request_line, "POST /v1/embeddings HTTP/1.1");
        assert_eq!(first.header("authorization"), Some("Bearer sk-test-secret-key-123"));
        assert_eq!(first.header("content-type"), Some("application/json"));
        assert_eq!(first.body["model"], "test-model");
        assert_eq!(first.body["encoding_format"], "float");
        assert_eq!(first.body.get("dimensions"), None);
    }

    #[test]
    fn sends_dimensions_only_when_asked_and_no_authorization_without_a_key() {
        let (url, received) = fake_server(|_, r| embeddings_answer(r));
        let embedder = OpenAiEmbedder::new(OpenAiConfig {
            api_key: None,
            send_dimensions: true,
            base_url: format!("{url}/"),
            ..config(&url)
        })
        .unwrap();
        assert_eq!(embedder.embed_batch(&["a"]).unwrap().len(), 1);
        assert_eq!(embedder.embed_batch(&[]).unwrap(), Vec::<Option<Vec<f32>>>::new());
        assert_eq!(embedder.embed_batch(&["", " "]).unwrap(), vec![None, None]);
        let received = received.lock().unwrap();
        assert_eq!(received.len(), 1, "empty and blank batches make no request");
        assert_eq!(received[0].request_line, "POST /v1/embeddings HTTP/1.1");
        assert_eq!(received[0].body["dimensions"], 3);
        assert_eq!(received[0].header("authorization"), None);
    }

    #[test]
    fn a_429_is_retried_after_its_retry_after() {
        let (url, received) = fake_server(|n, r| match n {
            0 => (429, vec![("Retry-After", "1".to_owned())], String::new()),
            _ => embeddings_answer(r),
        });
        let embedder = OpenAiEmbedder::new(config(&url)).unwrap();
        let started = Instant::now();
        let out = embedder.embed_batch(&["alpha"]).unwrap();
        let elapsed = started.elapsed();
        assert_eq!(out, vec![crate::normalize(fake_vector("alpha"))]);
        assert_eq!(received.lock().unwrap().len(), 2);
        // The 1 ms backoff gave way to the server's one second.
        assert!(elapsed >= Duration::from_millis(950), "{elapsed:?}");
        assert!(elapsed < Duration::from_secs(4), "{elapsed:?}");
    }

    #[test]
    fn a_429_without_retry_after_uses_the_backoff() {
        let (url, received) = fake_server(|n, r| match n {
            0 => error_answer(429, "Rate limit reached"),
            _ => embeddings_answer(r),
        });
        let embedder = OpenAiEmbedder::new(config(&url)).unwrap();
        let started = Instant::now();
        assert_eq!(embedder.embed_batch(&["b"]).unwrap(), vec![crate::normalize(fake_vector("b"))]);
        assert_eq!(received.lock().unwrap().len(), 2);
        assert!(started.elapsed() < Duration::from_secs(2), "{:?}", started.elapsed());
    }

    #[test]
    fn server_errors_are_retried_max_retries_times_then_reported() {
        let (url, received) = fake_server(|_, _| error_answer(500, "The server had an error"));
        let embedder =
            OpenAiEmbedder::new(OpenAiConfig { max_retries: 2, ..config(&url) }).unwrap();
        let err = embedder.embed_batch(&["alpha"]).unwrap_err();
        assert_eq!(received.lock().unwrap().len(), 3, "one attempt and two retries");
        assert!(matches!(err, EmbedError::Provider { status: Some(500), .. }), "{err:?}");
        assert_eq!(
            err.to_string(),
            "the embedding provider answered HTTP 500: The server had an error (after 3 attempts)"
        );
    }

    #[test]
    fn a_401_fails_at_once_without_the_key_in_the_message() {
        // OpenAI's own message names (part of) the key; a careless server might echo all of it.
        let (url, received) = fake_server(|_, r| {
            let auth = r.header("authorization").unwrap_or_default().to_owned();
            error_answer(401, &format!("Incorrect API key provided: {auth}"))
        });
        let embedder = OpenAiEmbedder::new(config(&url)).unwrap();
        let err = embedder.embed_batch(&["alpha", "beta"]).unwrap_err();
        assert_eq!(received.lock().unwrap().len(), 1, "no retry");
        assert!(matches!(err, EmbedError::Provider { status: Some(401), .. }), "{err:?}");
        let message = err.to_string();
        assert!(!message.contains("sk-test-secret-key-123"), "{message}");
        assert!(!format!("{err:?}").contains("sk-test-secret-key-123"));
        assert_eq!(
            message,
            "the embedding provider answered HTTP 401: Incorrect API key provided: Bearer <redacted>"
        );
    }

    #[test]
    fn other_client_errors_fail_at_once_with_a_truncated_message() {
        let long = "x".repeat(500);
        let (url, received) = fake_server(move |_, _| error_answer(400, &long));
        let embedder = OpenAiEmbedder::new(config(&url)).unwrap();
        let err = embedder.embed_batch(&["alpha"]).unwrap_err();
        assert_eq!(received.lock().unwrap().len(), 1);
        let message = err.to_string();
        assert_eq!(
            message,
            format!("the embedding provider answered HTTP 400: {}…", "x".repeat(200))
        );
    }

    #[test]
    fn a_server_that_never_answers_times_out() {
        // Bound but never accepting: the kernel completes the connection, nothing answers.
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let url = format!("http://{}/v1", listener.local_addr().unwrap());
        let embedder = OpenAiEmbedder::new(OpenAiConfig {
            timeout: Duration::from_millis(300),
            max_retries: 0,
            ..config(&url)
        })
        .unwrap();
        let started = Instant::now();
        let err = embedder.embed_batch(&["alpha"]).unwrap_err();
        let elapsed = started.elapsed();
        assert!(elapsed >= Duration::from_millis(290), "{elapsed:?}");
        assert!(elapsed < Duration::from_millis(1500), "{elapsed:?}");
        assert!(matches!(err, EmbedError::Provider { status: None, .. }), "{err:?}");
        assert!(err.to_string().contains("did not answer in time"), "{err}");
        drop(listener);
    }

    #[test]
    fn timeouts_are_retried() {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let url = format!("http://{}/v1", listener.local_addr().unwrap());
        let embedder = OpenAiEmbedder::new(OpenAiConfig {
            timeout: Duration::from_millis(100),
            max_retries: 2,
            ..config(&url)
        })
        .unwrap();
        let started = Instant::now();
        let err = embedder.embed_batch(&["alpha"]).unwrap_err();
        assert!(started.elapsed() >= Duration::from_millis(290), "{:?}", started.elapsed());
        assert!(err.to_string().ends_with("(after 3 attempts)"), "{err}");
        drop(listener);
    }

    #[test]
    fn a_vector_of_the_wrong_length_is_an_error() {
        let (url, received) = fake_server(|_, _| {
            let body =
                serde_json::json!({"data": [{"index": 0, "embedding": [1.0, 2.0, 3.0, 4.0]}]});
            (200, vec![], body.to_string())
        });
        let embedder = OpenAiEmbedder::new(config(&url)).unwrap();
        let err = embedder.embed_batch(&["alpha"]).unwrap_err();
        assert_eq!(received.lock().unwrap().len(), 1, "not retried");
        assert_eq!(
            err.to_string(),
            "the embedding provider returned a vector of 4 dimensions, but 3 is configured for \
             test-model"
        );
    }

    #[test]
    fn a_response_with_missing_or_repeated_vectors_is_an_error() {
        let (url, _) = fake_server(|n, _| {
            let data = match n {
                0 => serde_json::json!([{"index": 0, "embedding": [1.0, 0.0, 0.0]}]),
                _ => serde_json::json!([
                    {"index": 1, "embedding": [1.0, 0.0, 0.0]},
                    {"index": 1, "embedding": [0.0, 1.0, 0.0]},
                ]),
            };
            (200, vec![], serde_json::json!({ "data": data }).to_string())
        });
        let embedder = OpenAiEmbedder::new(config(&url)).unwrap();
        let err = embedder.embed_batch(&["a", "b"]).unwrap_err();
        assert_eq!(err.to_string(), "the embedding provider returned 1 vectors for 2 texts");
        let err = embedder.embed_batch(&["a", "b"]).unwrap_err();
        assert!(err.to_string().contains("index 1, out of range or repeated"), "{err}");
    }

    #[test]
    fn the_constructor_checks_the_config_and_debug_hides_the_key() {
        for dimension in [0, STORAGE_DIMENSION + 1] {
            let err = OpenAiEmbedder::new(OpenAiConfig { dimension, ..OpenAiConfig::openai("k") })
                .unwrap_err();
            assert!(matches!(err, EmbedError::InvalidConfig { .. }), "{err:?}");
            assert!(err.to_string().contains(&format!("not {dimension}")), "{err}");
        }
        for config in [
            OpenAiConfig { max_batch: 0, ..OpenAiConfig::default() },
            OpenAiConfig { timeout: Duration::ZERO, ..OpenAiConfig::default() },
            OpenAiConfig { model: " ".to_owned(), ..OpenAiConfig::default() },
            OpenAiConfig { base_url: "api.openai.com/v1".to_owned(), ..OpenAiConfig::default() },
        ] {
            assert!(matches!(OpenAiEmbedder::new(config), Err(EmbedError::InvalidConfig { .. })));
        }

        let embedder = OpenAiEmbedder::new(OpenAiConfig::openai("sk-very-secret")).unwrap();
        assert_eq!(embedder.model_id(), "openai:text-embedding-3-small@1536");
        assert_eq!(embedder.dimension(), 1536);
        assert_eq!(embedder.endpoint, "https://api.openai.com/v1/embeddings");
        let debug = format!("{embedder:?}");
        assert!(!debug.contains("sk-very-secret"), "{debug}");
        assert!(debug.contains("<redacted>"), "{debug}");
        let small = OpenAiEmbedder::new(OpenAiConfig::compatible(
            "http://localhost:11434/v1",
            "nomic-embed-text",
            768,
        ))
        .unwrap();
        assert_eq!(small.model_id(), "openai:nomic-embed-text@768");
        let max = OpenAiEmbedder::new(OpenAiConfig {
            dimension: STORAGE_DIMENSION,
            ..OpenAiConfig::default()
        });
        assert!(max.is_ok());
    }

    #[test]
    fn backoff_doubles_with_jitter_and_is_capped() {
        let embedder = OpenAiEmbedder::new(OpenAiConfig {
            initial_backoff: Duration::from_millis(400),
            ..OpenAiConfig::default()
        })
        .unwrap();
        for (retries, base) in [(0, 400), (1, 800), (2, 1600), (3, 3200)] {
            let wait = embedder.backoff(retries, None);
            let base = Duration::from_millis(base);
            assert!(wait >= base && wait <= base + base / 4, "{retries}: {wait:?}");
        }
        assert_eq!(embedder.backoff(10, None), MAX_BACKOFF);
        assert_eq!(embedder.backoff(40, None), MAX_BACKOFF);
        assert_eq!(embedder.backoff(0, Some(Duration::from_secs(2))), Duration::from_secs(2));
        assert_eq!(embedder.backoff(0, Some(Duration::from_secs(600))), MAX_BACKOFF);
    }

    #[test]
    fn provider_messages_are_extracted_flattened_and_truncated() {
        assert_eq!(provider_message(br#"{"error":{"message":"bad\n  input"}}"#), "bad input");
        assert_eq!(provider_message(br#"{"error":"model not found"}"#), "model not found");
        assert_eq!(provider_message(b"Bad Gateway"), "Bad Gateway");
        assert_eq!(provider_message(b""), "");
        let long = provider_message("é".repeat(300).as_bytes());
        assert_eq!(long.chars().count(), MAX_MESSAGE_CHARS + 1);
    }
}
