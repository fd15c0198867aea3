//! The HTTP side of `credsite serve`: request paths to site pages, MIME types,
//! the not-found page, `HEAD`, folders' `index.html`, and the reload channel.

use std::convert::Infallible;
use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use axum::body::Body;
use axum::extract::{Request, State};
use axum::http::{HeaderValue, Method, StatusCode, header};
use axum::response::sse::{Event, KeepAlive, Sse};
use axum::response::{IntoResponse, Response};
use futures_util::stream::{self, Stream, StreamExt};
use tokio::sync::broadcast;

use super::Shared;
use super::inject::{self, CSS, EVENTS, PREFIX, STYLE};
use crate::urls;

/// The server's routes: the reload channel, the preview stylesheet, and the site.
pub fn router(shared: Arc<Shared>) -> Router {
    Router::new().fallback(handle).with_state(shared)
}

async fn handle(State(shared): State<Arc<Shared>>, request: Request) -> Response {
    let method = request.method().clone();
    if method != Method::GET && method != Method::HEAD {
        return (StatusCode::METHOD_NOT_ALLOWED, "GET or HEAD only\n").into_response();
    }
    let raw = request.uri().path().to_string();
    if raw == EVENTS {
        // Subscribed before the latest rebuild is read: a rebuild in between is sent
        // again, never missed.
        let receiver = shared.reload.subscribe();
        return events(shared.current().extras.build, receiver).into_response();
    }
    // Decompressing a page or rendering a credential is blocking work.
    tokio::task::spawn_blocking(move || respond(&shared, &method, &raw))
        .await
        .unwrap_or_else(|e| {
            let text = format!("credsite serve: {e}\n");
            with_type(
                StatusCode::INTERNAL_SERVER_ERROR,
                "text/plain; charset=utf-8",
                text.into_bytes(),
            )
        })
}

fn respond(shared: &Shared, method: &Method, raw: &str) -> Response {
    let response = if raw == STYLE {
        with_type(
            StatusCode::OK,
            "text/css; charset=utf-8",
            CSS.as_bytes().to_vec(),
        )
    } else if raw.starts_with(PREFIX) {
        not_found(shared)
    } else {
        match site_path(raw) {
            Some(path) => page(shared, raw, &path),
            None => not_found(shared),
        }
    };
    if method == Method::HEAD {
        let (parts, _) = response.into_parts();
        return Response::from_parts(parts, Body::empty());
    }
    response
}

/// The page at `path`, a redirect to a folder's `/`, or the not-found page.
fn page(shared: &Shared, raw: &str, path: &str) -> Response {
    let current = shared.current();
    let file = if path.is_empty() || path.ends_with('/') {
        format!("{path}index.html")
    } else {
        path.to_string()
    };
    match current.file(&file) {
        Some(Ok(found)) => {
            if let Some(warning) = found.warning {
                let mut warned = current.extras.clone();
                warned.error.get_or_insert(warning);
                return send(&warned, &file, found.bytes, StatusCode::OK, false);
            }
            return send(&current.extras, &file, found.bytes, StatusCode::OK, false);
        }
        Some(Err(problem)) => {
            let text = format!("credsite serve: cannot render {file}: {problem}\n");
            return with_type(
                StatusCode::INTERNAL_SERVER_ERROR,
                "text/plain; charset=utf-8",
                text.into_bytes(),
            );
        }
        None => {}
    }
    if !path.is_empty() && !path.ends_with('/') && current.contains(&format!("{path}/index.html")) {
        let mut response = StatusCode::PERMANENT_REDIRECT.into_response();
        let location = format!("{raw}/");
        if let Ok(value) = HeaderValue::from_str(&location) {
            response.headers_mut().insert(header::LOCATION, value);
        }
        return response;
    }
    not_found(shared)
}

/// The site's own `404.html` with status 404.
fn not_found(shared: &Shared) -> Response {
    let current = shared.current();
    match current.file(urls::NOT_FOUND_PAGE).and_then(Result::ok) {
        Some(found) => send(
            &current.extras,
            urls::NOT_FOUND_PAGE,
            found.bytes,
            StatusCode::NOT_FOUND,
            true,
        ),
        None => {
            let html = inject::page(&inject::no_site_page(), &current.extras, true);
            with_type(
                StatusCode::NOT_FOUND,
                "text/html; charset=utf-8",
                html.into_bytes(),
            )
        }
    }
}

fn send(
    extras: &inject::Extras,
    file: &str,
    bytes: Vec<u8>,
    status: StatusCode,
    absolute: bool,
) -> Response {
    let mime = mime_type(file);
    let body = if mime.starts_with("text/html") {
        let html = String::from_utf8_lossy(&bytes);
        inject::page(&html, extras, absolute).into_bytes()
    } else {
        bytes
    };
    with_type(status, mime, body)
}

fn with_type(status: StatusCode, mime: &'static str, body: Vec<u8>) -> Response {
    let length = body.len();
    let mut response = (status, body).into_response();
    let headers = response.headers_mut();
    headers.insert(header::CONTENT_TYPE, HeaderValue::from_static(mime));
    headers.insert(header::CONTENT_LENGTH, HeaderValue::from(length));
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    response
}

/// The reload channel: the number of the latest rebuild, `latest`, at once, then the
/// number of each rebuild as it ends (`reload` if this page fell behind the channel).
fn events(
    latest: u64,
    receiver: broadcast::Receiver<u64>,
) -> Sse<impl Stream<Item = Result<Event, Infallible>>> {
    let first = stream::once(async move { Ok(Event::default().data(latest.to_string())) });
    let rebuilds = stream::unfold(receiver, |mut receiver| async move {
        let data = match receiver.recv().await {
            Ok(build) => build.to_string(),
            Err(broadcast::error::RecvError::Lagged(_)) => "reload".to_string(),
            Err(broadcast::error::RecvError::Closed) => return None,
        };
        Some((Ok(Event::default().data(data)), receiver))
    });
    Sse::new(first.chain(rebuilds)).keep_alive(KeepAlive::new().interval(Duration::from_secs(15)))
}

/// The site path a request path names ('/'-separated, no leading '/', a trailing
/// '/' kept), or `None` for a path that leaves the site: `..` or `.` parts, also
/// percent-encoded (`%2e%2e`), backslashes, NUL or invalid UTF-8.
pub fn site_path(raw: &str) -> Option<String> {
    let decoded = percent_decode(raw.strip_prefix('/')?)?;
    if decoded.contains(['\\', '\0']) || decoded.starts_with('/') {
        return None;
    }
    let parts: Vec<&str> = decoded.split('/').collect();
    let last = parts.len() - 1;
    for (i, part) in parts.iter().enumerate() {
        if *part == ".." || *part == "." || (part.is_empty() && i != last) {
            return None;
        }
    }
    Some(decoded)
}

fn percent_decode(text: &str) -> Option<String> {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' {
            let hex = std::str::from_utf8(bytes.get(i + 1..i + 3)?).ok()?;
            out.push(u8::from_str_radix(hex, 16).ok()?);
            i += 3;
        } else {
            out.push(bytes[i]);
            i += 1;
        }
    }
    String::from_utf8(out).ok()
}

/// The MIME type of a site file, by its name.
pub fn mime_type(path: &str) -> &'static str {
    let name = path.rsplit('/').next().unwrap_or(path);
    let ext = name.rsplit_once('.').map(|(_, e)| e.to_ascii_lowercase());
    match ext.as_deref() {
        Some("html" | "htm") => "text/html; charset=utf-8",
        Some("css") => "text/css; charset=utf-8",
        Some("js" | "mjs") => "text/javascript; charset=utf-8",
        Some("json") => "application/json",
        Some("jsonld") => "application/ld+json",
        Some("svg") => "image/svg+xml",
        Some("png") => "image/png",
        Some("jpg" | "jpeg") => "image/jpeg",
        Some("gif") => "image/gif",
        Some("webp") => "image/webp",
        Some("avif") => "image/avif",
        Some("ico") => "image/x-icon",
        Some("txt" | "md") => "text/plain; charset=utf-8",
        Some("xml") => "application/xml",
        Some("pdf") => "application/pdf",
        Some("ics") => "text/calendar; charset=utf-8",
        Some("woff") => "font/woff",
        Some("woff2") => "font/woff2",
        Some("ttf") => "font/ttf",
        Some("webmanifest") => "application/manifest+json",
        Some("wasm") => "application/wasm",
        _ if name == "_headers" || name == "_redirects" || name == ".nojekyll" => {
            "text/plain; charset=utf-8"
        }
        _ => "application/octet-stream",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_outside_the_site_are_refused() {
        for raw in [
            "/../credsite.toml",
            "/%2e%2e/credsite.toml",
            "/%2E%2E/keys/issuer.key",
            "/credentials/../../x",
            "/a/%2e%2e%2f%2e%2e/x",
            "/..%5c..%5cx",
            "/./x",
            "//etc/passwd",
            "/a//b",
            "/%00",
            "/%zz",
        ] {
            assert_eq!(site_path(raw), None, "{raw}");
        }
        assert_eq!(site_path("/").as_deref(), Some(""));
        assert_eq!(
            site_path("/credentials/a%2Db/").as_deref(),
            Some("credentials/a-b/")
        );
        assert_eq!(site_path("/feed.json").as_deref(), Some("feed.json"));
    }

    #[test]
    fn mime_types() {
        assert_eq!(mime_type("a/index.html"), "text/html; charset=utf-8");
        assert_eq!(mime_type(".well-known/did.json"), "application/json");
        assert_eq!(mime_type("credentials/a/qr.svg"), "image/svg+xml");
        assert_eq!(mime_type("_headers"), "text/plain; charset=utf-8");
        assert_eq!(mime_type("x.bin"), "application/octet-stream");
    }
}
