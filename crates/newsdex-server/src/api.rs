//! `/api/*` and `/healthz`: JSON in, JSON out, every error in the envelope of
//! [`crate::error`]. Engine work runs on the blocking pool, never on the async runtime.

use std::sync::Arc;

use axum::Json;
use axum::body::Body;
use axum::extract::{Path, RawQuery, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use newsdex_core::DocId;
use newsdex_engine::{Engine, IdMatch, IdPrefix, IngestOptions};
use utoipa::OpenApi;

use crate::error::{ApiError, Candidate, ErrorEnvelope};
use crate::params::{EXPORT_PARAMS, INGEST_PARAMS, SEARCH_PARAMS, SearchParams, pairs, refuse_unknown};
use crate::state::AppState;
use crate::wire::{ArticleView, Health, IngestResponse, SearchResponse, StoryResponse};

/// Largest body `POST /api/ingest` accepts.
pub const MAX_INGEST_BYTES: usize = 64 << 20;

#[derive(OpenApi)]
#[openapi(
    info(
        title = "newsdex API",
        description = "Search and read the news archive of one newsdex data directory. Errors use one envelope: {\"error\": {\"code\", \"message\", \"status\"}}.",
        license(name = "MIT OR Apache-2.0")
    ),
    paths(
        search,
        export,
        crate::compare::compare_api,
        article,
        story,
        raw,
        ingest,
        crate::sources::list,
        crate::sources::add,
        crate::sources::remove,
        crate::sources::pause,
        crate::sources::resume,
        crate::watches::list,
        crate::watches::add,
        crate::watches::remove,
        crate::watches::matches,
        healthz
    ),
    components(schemas(
        SearchResponse,
        crate::wire::CompareResponse,
        ArticleView,
        StoryResponse,
        IngestResponse,
        Health,
        ErrorEnvelope,
        crate::wire::SourceView,
        crate::wire::AddSource,
        crate::watches::WatchView,
        crate::watches::AddWatch,
        crate::watches::EntryView,
        crate::watches::MatchesResponse
    )),
    modifiers(&BearerAuth, &CommonResponses)
)]
#[derive(Debug)]
pub struct ApiDoc;

/// Declares the `bearer` security scheme that `POST /api/ingest` requires.
#[derive(Debug)]
struct BearerAuth;

impl utoipa::Modify for BearerAuth {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "bearer",
            SecurityScheme::Http(HttpBuilder::new().scheme(HttpAuthScheme::Bearer).build()),
        );
    }
}

/// Answers any operation can give, whatever its parameters: the head limits and the
/// request timeout (see `framework_errors` and `request_timeout` in `lib.rs`).
#[derive(Debug)]
struct CommonResponses;

impl utoipa::Modify for CommonResponses {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        use utoipa::openapi::{ContentBuilder, Ref, ResponseBuilder};
        let common = [
            ("414", "Request target (path and query) over 8 KiB"),
            ("431", "Request headers over 32 KiB, or more than 100 of them"),
            ("503", "The answer took longer than the server's request timeout"),
        ];
        for (path, item) in openapi.paths.paths.iter_mut() {
            // The ingest is not timed once its body is in (it answers 408 for the body).
            let timed = path != "/api/ingest";
            let ops = [&mut item.get, &mut item.post, &mut item.put, &mut item.delete, &mut item.patch];
            for op in ops.into_iter().flatten() {
                for (status, description) in common.into_iter().filter(|(s, _)| timed || *s != "503") {
                    let envelope = ContentBuilder::new().schema(Some(Ref::from_schema_name("ErrorEnvelope"))).build();
                    let response =
                        ResponseBuilder::new().description(description).content("application/json", envelope);
                    op.responses.responses.entry(status.to_string()).or_insert_with(|| response.build().into());
                }
            }
        }
    }
}

/// An id from a path: 16 hex digits or the first 6 or more (anything else names no
/// document: 404).
pub(crate) fn parse_id(id: &str) -> Result<IdPrefix, ApiError> {
    id.parse().map_err(|e: newsdex_core::ParseIdPrefixError| ApiError::not_found(format!("no document: {e}")))
}

/// The document `prefix` names (call off the runtime: it reads the store). None: 404;
/// several: 409 `ambiguous_id` with the candidates.
pub(crate) fn find_id(engine: &Engine, prefix: &IdPrefix) -> Result<DocId, ApiError> {
    id_of(engine.find_id(prefix)?, prefix)
}

/// The one document a lookup of `prefix` found, or the answer saying why there is none.
pub(crate) fn id_of(found: IdMatch, prefix: &IdPrefix) -> Result<DocId, ApiError> {
    match found {
        IdMatch::One(id) => Ok(id),
        IdMatch::None if prefix.whole().is_some() => Err(ApiError::not_found(format!("no document {prefix}"))),
        IdMatch::None => Err(ApiError::not_found(format!("no document id starts with {prefix}"))),
        IdMatch::Many { total, listed } => Err(ambiguous(prefix, total, listed)),
    }
}

fn ambiguous(prefix: &IdPrefix, total: usize, listed: Vec<(DocId, String)>) -> ApiError {
    let shown = if listed.len() < total { format!(" (the first {} are listed)", listed.len()) } else { String::new() };
    let mut e = ApiError::new(
        StatusCode::CONFLICT,
        "ambiguous_id",
        format!("the id prefix {prefix} starts {total} documents{shown}; give more of its digits"),
    );
    e.candidates = Some(listed.into_iter().map(|(id, title)| Candidate { id: id.to_string(), title }).collect());
    e
}

/// Run `f` on tokio's blocking threads (SQLite and index work stay off the async ones).
pub(crate) async fn blocking<T: Send + 'static>(
    f: impl FnOnce() -> Result<T, ApiError> + Send + 'static,
) -> Result<T, ApiError> {
    tokio::task::spawn_blocking(f).await?
}

/// Search.
#[utoipa::path(
    get,
    path = "/api/search",
    params(
        ("q" = String, Query, min_length = 1, pattern = r"\S", example = "Tashkent", description = "The query: words, \"phrases\", AND/OR/NOT, +must -not, title: outlet: lang: url: id:, published:[2020 TO 2021], prefix*; `*` for everything. A query that cannot be parsed is a 400 `bad_query` that shows where."),
        ("limit" = Option<usize>, Query, minimum = 0, maximum = 100, description = "Hits per page, 0–100 (default 10)"),
        ("offset" = Option<usize>, Query, minimum = 0, maximum = 100000, description = "Hits to skip, 0–100000"),
        ("lang" = Option<Vec<String>>, Query, description = "Only these languages (repeatable)"),
        ("outlet" = Option<Vec<String>>, Query, description = "Only these outlets (repeatable)"),
        ("from" = Option<String>, Query, example = "2024-03", description = "Published on or after: 2024, 2024-03, 2024-03-01 or RFC 3339 (a date that does not exist is a 400)"),
        ("to" = Option<String>, Query, example = "2024-06", description = "Published on or before (through the end of the period named)"),
        ("op" = Option<String>, Query, pattern = "^(and|or)?$", description = "`and` (default): all words must match; `or`: any"),
        ("facets" = Option<bool>, Query, description = "Count matches by language, outlet and month (default true)"),
        ("expand" = Option<bool>, Query, description = "Also search other spellings (variants file, cross-script sound key) and word stems (default true); `false`, or `=word` in the query for one word, searches words only as written"),
        ("collapse" = Option<bool>, Query, description = "One hit per story, its other matching copies under `also` (default true); `false` lists every article. Paging counts hits as shown"),
        ("count" = Option<String>, Query, pattern = "^(articles|stories|outlets)$", description = "What facet counts count: `articles` (default), `stories` (copies of one article once) or `outlets` (distinct outlets)"),
        ("sort" = Option<String>, Query, pattern = "^(relevance|newest|oldest)$", description = "Order of hits: `relevance` (default), `newest` or `oldest` by publication date. Articles without a date come last in both date orders (`undated_last` counts them); ties on a date are broken by id, so pages never overlap. With `collapse`, a story is shown by its first member in this order"),
        ("snapshot" = Option<u64>, Query, minimum = 1, description = "Answer as of this snapshot (a batch number a response named in `snapshot`): only documents committed by then, also after later ingests and reindexes. One the archive does not have is a 400 `bad_snapshot`"),
    ),
    responses(
        (status = 200, description = "Results", body = SearchResponse),
        (status = 400, description = "Bad or unknown parameter (`bad_request` names it and lists those taken), a bad query or one over a budget (`bad_query` says where, or which limit), or a snapshot the archive does not have (`bad_snapshot`)", body = ErrorEnvelope),
        (status = 503, description = "The search ran past its time limit (`timeout`; see `Retry-After`)", body = ErrorEnvelope),
    )
)]
pub async fn search(
    State(st): State<Arc<AppState>>,
    RawQuery(query): RawQuery,
) -> Result<Json<SearchResponse>, ApiError> {
    refuse_unknown("/api/search", query.as_deref(), SEARCH_PARAMS)?;
    let params = SearchParams::parse(query.as_deref(), true, 10)?;
    let results = st.search(&params.q, &params.options()).await?;
    Ok(Json(SearchResponse::from(&results)))
}

/// Bytes an export's body is sent in, and how many such chunks may wait for the client.
const EXPORT_CHUNK: usize = 256 << 10;
const EXPORT_CHUNKS_QUEUED: usize = 4;

/// Every match of a search (no cap), streamed as CSV or JSON Lines as of one snapshot.
#[utoipa::path(
    get,
    path = "/api/export",
    params(
        ("q" = String, Query, min_length = 1, pattern = r"\S", example = "Tashkent", description = "The query, as `/api/search` takes it (`*` for everything)"),
        ("format" = Option<String>, Query, pattern = "^(csv|jsonl|parquet)$", description = "`csv` (default; RFC 4180, UTF-8, CRLF), `jsonl` (one JSON object a line) or `parquet` (a column per field, Zstandard level 1; read by pyarrow and pandas). Another is a 400 naming those offered"),
        ("fields" = Option<String>, Query, example = "id,title,outlet,published,story", description = "Columns, comma-separated (default every one): id, title, body, url, outlet, published, published_guessed, ingested_at, lang, authors, story, story_size, story_outlets, warnings, removed, source, line, format. An unknown one is a 400 naming it"),
        ("stories" = Option<bool>, Query, description = "One row per story (its first matching member by id) instead of one per article (default false)"),
        ("bom" = Option<bool>, Query, description = "Start a CSV with a UTF-8 byte-order mark, for spreadsheet programs (default false)"),
        ("snapshot" = Option<u64>, Query, minimum = 1, description = "As of this snapshot (default the latest, named in the `X-Newsdex-Snapshot` header): the same request with it gives the same bytes, after later ingests and reindexes too"),
        ("lang" = Option<Vec<String>>, Query, description = "Only these languages (repeatable)"),
        ("outlet" = Option<Vec<String>>, Query, description = "Only these outlets (repeatable)"),
        ("from" = Option<String>, Query, example = "2024-03", description = "Published on or after"),
        ("to" = Option<String>, Query, example = "2024-06", description = "Published on or before (through the end of the period named)"),
        ("op" = Option<String>, Query, pattern = "^(and|or)?$", description = "`and` (default): all words must match; `or`: any"),
        ("expand" = Option<bool>, Query, description = "Also search other spellings and word forms (default true)"),
    ),
    responses(
        (status = 200, description = "Every matching document, streamed in the order the archive stored them (batch by batch, by document id within a batch; a collection's root: by document id) (no `Content-Length`); `X-Newsdex-Snapshot` names the snapshot and `X-Newsdex-Matches` how many documents match. Rows are read in chunks, so memory does not grow with the export", content(("text/csv"), ("application/jsonl"), ("application/vnd.apache.parquet")),
            headers(("X-Newsdex-Snapshot" = u64, description = "The snapshot answered from (absent on a collection's root: a collection has no single snapshot)"), ("X-Newsdex-Matches" = u64, description = "Matching documents (rows, unless `stories=true`)"))),
        (status = 400, description = "Bad or unknown parameter, format or field (`bad_request` names it and what is offered), a bad query (`bad_query`), or a snapshot the archive does not have (`bad_snapshot`)", body = ErrorEnvelope),
    )
)]
pub async fn export(State(st): State<Arc<AppState>>, RawQuery(query): RawQuery) -> Result<Response, ApiError> {
    use newsdex_export::{Exporter, Field, Format};
    refuse_unknown("/api/export", query.as_deref(), EXPORT_PARAMS)?;
    let params = SearchParams::parse(query.as_deref(), true, 10)?;
    let (mut format, mut fields, mut stories, mut bom) = (Format::Csv, None, false, false);
    let flag = |name: &str, v: &str| match v {
        "true" | "1" => Ok(true),
        "false" | "0" => Ok(false),
        _ => Err(ApiError::bad_request(format!("{name} must be true or false, not {v:?}"))),
    };
    for (k, v) in pairs(query.as_deref()) {
        match k.as_str() {
            "format" => format = Format::parse(v.trim()).map_err(|e| ApiError::bad_request(e.to_string()))?,
            "fields" => fields = Some(v),
            "stories" => stories = flag("stories", &v)?,
            "bom" => bom = flag("bom", &v)?,
            _ => {}
        }
    }
    let fields = Field::parse_list(fields.as_deref()).map_err(|e| ApiError::bad_request(e.to_string()))?;
    let docs = st.documents()?;
    let opts = params.options();
    let q = params.q.clone();
    let (docs, plan) = blocking(move || {
        let plan = docs.export_plan(&q, &opts)?;
        Ok((docs, plan))
    })
    .await?;
    // A collection (a root) has no single snapshot: none is named.
    let snapshot = (!docs.is_collection()).then_some(plan.snapshot);
    let total = plan.total();
    let (tx, rx) = tokio::sync::mpsc::channel::<std::io::Result<axum::body::Bytes>>(EXPORT_CHUNKS_QUEUED);
    let exporter = Exporter { format, fields, bom };
    tokio::task::spawn_blocking(move || {
        let sink = ChannelWriter { tx: tx.clone(), buf: Vec::with_capacity(EXPORT_CHUNK) };
        match newsdex_export::write_all(&docs, &plan, &exporter, stories, sink) {
            Ok(_) => {}
            // The client went away: nothing to tell.
            Err(newsdex_engine::EngineError::Write(e)) if e.kind() == std::io::ErrorKind::BrokenPipe => {}
            Err(e) => {
                tracing::error!(error = %e, "an export stopped part way");
                // The body ends with an error, so the client sees a broken transfer,
                // never a short export that looks whole.
                let _ = tx.blocking_send(Err(std::io::Error::other(e.to_string())));
            }
        }
    });
    let stream = futures_util::stream::unfold(rx, |mut rx| async move { rx.recv().await.map(|item| (item, rx)) });
    let mut resp = Response::new(Body::from_stream(stream));
    let h = resp.headers_mut();
    h.insert(header::CONTENT_TYPE, HeaderValue::from_static(format.media_type()));
    let disposition = match snapshot {
        Some(n) => format!("attachment; filename=\"newsdex-export-{n}.{}\"", format.name()),
        None => format!("attachment; filename=\"newsdex-export.{}\"", format.name()),
    };
    h.insert(header::CONTENT_DISPOSITION, HeaderValue::from_str(&disposition).expect("ascii"));
    if let Some(n) = snapshot {
        h.insert("x-newsdex-snapshot", HeaderValue::from(n));
    }
    h.insert("x-newsdex-matches", HeaderValue::from(total as u64));
    Ok(resp)
}

/// Bytes written to it go to the response body in chunks of [`EXPORT_CHUNK`]; a client
/// gone is a broken pipe, which stops the export.
struct ChannelWriter {
    tx: tokio::sync::mpsc::Sender<std::io::Result<axum::body::Bytes>>,
    buf: Vec<u8>,
}

impl ChannelWriter {
    fn send(&mut self) -> std::io::Result<()> {
        if self.buf.is_empty() {
            return Ok(());
        }
        let chunk = axum::body::Bytes::from(std::mem::replace(&mut self.buf, Vec::with_capacity(EXPORT_CHUNK)));
        self.tx.blocking_send(Ok(chunk)).map_err(|_| std::io::Error::from(std::io::ErrorKind::BrokenPipe))
    }
}

impl std::io::Write for ChannelWriter {
    fn write(&mut self, data: &[u8]) -> std::io::Result<usize> {
        self.buf.extend_from_slice(data);
        if self.buf.len() >= EXPORT_CHUNK {
            self.send()?;
        }
        Ok(data.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        self.send()
    }
}

/// One article: fields, repairs and warnings, provenance.
#[utoipa::path(
    get,
    path = "/api/articles/{id}",
    params(("id" = String, Path, pattern = "^[0-9a-fA-F]{6,16}$", example = "2828a9e1eb96ab63", description = "Document id: 16 hex digits, or its first 6 or more")),
    responses(
        (status = 200, description = "The article", body = ArticleView),
        (status = 400, description = "A query parameter (this endpoint takes none)", body = ErrorEnvelope),
        (status = 404, description = "No such document", body = ErrorEnvelope),
        (status = 409, description = "The id prefix starts several documents (`ambiguous_id`; `candidates` lists them)", body = ErrorEnvelope),
    )
)]
pub async fn article(
    State(st): State<Arc<AppState>>,
    Path(id): Path<String>,
    RawQuery(query): RawQuery,
) -> Result<Json<ArticleView>, ApiError> {
    refuse_unknown("/api/articles/{id}", query.as_deref(), &[])?;
    let prefix = parse_id(&id)?;
    let docs = st.documents()?;
    let (id, row) = blocking(move || {
        let id = docs.find_id(&prefix)?;
        Ok((id, docs.engine_of(id)?.document(id)?))
    })
    .await?;
    let row = row.ok_or_else(|| ApiError::not_found(format!("no document {id}")))?;
    Ok(Json(ArticleView::from(&row)))
}

/// A story: every copy of an article across outlets, with dates and what each copy
/// added, cut or edited compared with the first copy (the canonical, earliest published,
/// copy when a date decides it; otherwise the first seen).
#[utoipa::path(
    get,
    path = "/api/stories/{id}",
    params(("id" = String, Path, pattern = "^[0-9a-fA-F]{6,16}$", example = "2828a9e1eb96ab63", description = "The id of any document of the story: 16 hex digits, or its first 6 or more")),
    responses(
        (status = 200, description = "The story", body = StoryResponse),
        (status = 400, description = "A query parameter (this endpoint takes none)", body = ErrorEnvelope),
        (status = 404, description = "No such document", body = ErrorEnvelope),
        (status = 409, description = "The id prefix starts several documents (`ambiguous_id`; `candidates` lists them)", body = ErrorEnvelope),
    )
)]
pub async fn story(
    State(st): State<Arc<AppState>>,
    Path(id): Path<String>,
    RawQuery(query): RawQuery,
) -> Result<Json<StoryResponse>, ApiError> {
    refuse_unknown("/api/stories/{id}", query.as_deref(), &[])?;
    let prefix = parse_id(&id)?;
    let docs = st.documents()?;
    let (id, story) = blocking(move || {
        let id = docs.find_id(&prefix)?;
        Ok((id, docs.story(id)?))
    })
    .await?;
    let story = story.ok_or_else(|| ApiError::not_found(format!("no document {id}")))?;
    Ok(Json(StoryResponse::from(&story)))
}

/// The original bytes a document was extracted from.
///
/// Served so a browser never runs them as a page of this site: `text/plain` (UTF-8) or
/// `application/octet-stream`, with `nosniff` and a sandboxing content security policy.
#[utoipa::path(
    get,
    path = "/api/raw/{id}",
    params(("id" = String, Path, pattern = "^[0-9a-fA-F]{6,16}$", example = "2828a9e1eb96ab63", description = "Document id: 16 hex digits, or its first 6 or more")),
    responses(
        (status = 200, description = "The record's bytes as ingested (after decompression): `text/plain; charset=utf-8` when they are UTF-8, else `application/octet-stream`", content(("text/plain"), ("application/octet-stream"))),
        (status = 400, description = "A query parameter (this endpoint takes none)", body = ErrorEnvelope),
        (status = 404, description = "No such document", body = ErrorEnvelope),
        (status = 409, description = "The id prefix starts several documents (`ambiguous_id`; `candidates` lists them)", body = ErrorEnvelope),
    )
)]
pub async fn raw(
    State(st): State<Arc<AppState>>,
    Path(id): Path<String>,
    RawQuery(query): RawQuery,
) -> Result<Response, ApiError> {
    refuse_unknown("/api/raw/{id}", query.as_deref(), &[])?;
    let prefix = parse_id(&id)?;
    let docs = st.documents()?;
    let (id, bytes) = blocking(move || {
        let id = docs.find_id(&prefix)?;
        Ok((id, docs.engine_of(id)?.raw_record(id)?))
    })
    .await?;
    let bytes = bytes.ok_or_else(|| ApiError::not_found(format!("no document {id}")))?;
    let text = std::str::from_utf8(&bytes).is_ok();
    let mut resp = Response::new(Body::from(bytes));
    let h = resp.headers_mut();
    h.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static(if text { "text/plain; charset=utf-8" } else { "application/octet-stream" }),
    );
    h.insert(header::X_CONTENT_TYPE_OPTIONS, HeaderValue::from_static("nosniff"));
    h.insert(header::CONTENT_SECURITY_POLICY, HeaderValue::from_static("sandbox; default-src 'none'"));
    let disposition = format!("inline; filename=\"{id}.{}\"", if text { "txt" } else { "bin" });
    h.insert(header::CONTENT_DISPOSITION, HeaderValue::from_str(&disposition).expect("ascii"));
    Ok(resp)
}

/// Add documents: one JSON object, JSON Lines, plain text or HTML (gzip/zstd allowed).
/// Needs `Authorization: Bearer <token>`.
#[utoipa::path(
    post,
    path = "/api/ingest",
    params(
        ("outlet" = Option<String>, Query, description = "Outlet for records that name none"),
        ("lang" = Option<String>, Query, description = "Language for records that name none"),
    ),
    request_body(
        description = "The document(s): a JSON object, JSON Lines, plain text or HTML, optionally gzip or zstd; the format is detected from the bytes",
        content(
            ("application/json", example = json!({"title": "Uyghur scholars meet in Almaty", "text": "Scholars met in Almaty on Monday.", "published": "2024-03-05", "outlet": "Example Times"})),
            ("application/x-ndjson"),
            ("text/plain"),
            ("text/html"),
        )
    ),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "What was added, what was a duplicate, what was rejected and why", body = IngestResponse),
        (status = 400, description = "Empty body, or a bad or unknown parameter (named, with those taken)", body = ErrorEnvelope),
        (status = 401, description = "No or wrong token", body = ErrorEnvelope),
        (status = 408, description = "The body did not arrive within the request timeout", body = ErrorEnvelope),
        (status = 403, description = "Writing is off on this server", body = ErrorEnvelope),
        (status = 409, description = "Another process is writing", body = ErrorEnvelope),
        (status = 507, description = "The disk holding the data directory is full; what was committed before is intact", body = ErrorEnvelope),
        (status = 413, description = "Body over 64 MiB", body = ErrorEnvelope),
    )
)]
pub async fn ingest(
    State(st): State<Arc<AppState>>,
    RawQuery(query): RawQuery,
    headers: HeaderMap,
    body: Body,
) -> Result<Json<IngestResponse>, ApiError> {
    // Everything that can refuse the request is decided from its head: the body is not
    // read (not even buffered) for a request that is refused.
    st.authorize(headers.get(header::AUTHORIZATION).and_then(|v| v.to_str().ok()))?;
    let announced = announced_length(&headers)?;
    if announced.is_some_and(|n| n > MAX_INGEST_BYTES as u64) {
        return Err(too_large());
    }
    refuse_unknown("/api/ingest", query.as_deref(), INGEST_PARAMS)?;
    let mut opts = IngestOptions::default();
    for (k, v) in pairs(query.as_deref()) {
        match k.as_str() {
            "outlet" if !v.trim().is_empty() => opts.outlet = Some(v.trim().to_string()),
            "lang" if !v.trim().is_empty() => {
                opts.lang = Some(
                    newsdex_core::normalize_lang(&v)
                        .ok_or_else(|| ApiError::bad_request(format!("lang {v:?} is not a language code")))?,
                )
            }
            _ => {}
        }
    }
    // One write at a time, and one body in memory at a time: the body is read only once
    // this request's turn has come.
    let _one_writer = st.write_gate.lock().await;
    // The request timeout bounds receiving the body; the ingest then runs to its end.
    let wait = st.limits.request_timeout;
    let body = tokio::time::timeout(wait, read_body(body, announced)).await.map_err(|_| {
        ApiError::new(
            StatusCode::REQUEST_TIMEOUT,
            "request_timeout",
            format!("the body did not arrive within {} s", wait.as_secs_f64()),
        )
    })??;
    if body.is_empty() {
        return Err(ApiError::bad_request("the body is empty: send a JSON object, JSON Lines, text or HTML"));
    }
    let name = format!("api/{}", chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Millis, true));
    let (writer_st, rt) = (st.clone(), tokio::runtime::Handle::current());
    let (report, watched) = blocking(move || {
        writer_st.write(&rt, |w| {
            let report = w.ingest_bytes(&name, &body, &opts, &mut |_| {})?;
            // The watches read what was just committed; their failure does not undo it.
            let watched = (report.new > 0).then(|| crate::watches::run_after_commit(w)).flatten();
            Ok((report, watched))
        })
    })
    .await?;
    st.engine()?.reload()?;
    st.refresh_credits();
    let mut resp = IngestResponse::from(&report);
    resp.watches = watched;
    Ok(Json(resp))
}

fn too_large() -> ApiError {
    ApiError::new(
        StatusCode::PAYLOAD_TOO_LARGE,
        "payload_too_large",
        format!("the body is over {} MiB", MAX_INGEST_BYTES >> 20),
    )
}

/// The body length a request announces (`Content-Length`), if it announces one.
fn announced_length(headers: &HeaderMap) -> Result<Option<u64>, ApiError> {
    let Some(v) = headers.get(header::CONTENT_LENGTH) else { return Ok(None) };
    v.to_str()
        .ok()
        .and_then(|s| s.trim().parse::<u64>().ok())
        .map(Some)
        .ok_or_else(|| ApiError::bad_request("Content-Length is not a number"))
}

/// Read a body of at most [`MAX_INGEST_BYTES`], refusing it as soon as it goes over (a
/// chunked body announces no length, so the limit is enforced while it streams in).
async fn read_body(mut body: Body, announced: Option<u64>) -> Result<Vec<u8>, ApiError> {
    use axum::body::HttpBody;
    // `announced` was checked against the limit, so this reserves at most the limit.
    let mut out = Vec::with_capacity(announced.unwrap_or(0) as usize);
    while let Some(frame) = std::future::poll_fn(|cx| std::pin::Pin::new(&mut body).poll_frame(cx)).await {
        let frame = frame.map_err(|e| ApiError::bad_request(format!("the body could not be read: {e}")))?;
        if let Ok(data) = frame.into_data() {
            if out.len() + data.len() > MAX_INGEST_BYTES {
                return Err(too_large());
            }
            out.extend_from_slice(&data);
        }
    }
    Ok(out)
}

/// Liveness and size.
#[utoipa::path(get, path = "/healthz", responses((status = 200, description = "Up", body = Health)))]
pub async fn healthz(State(st): State<Arc<AppState>>) -> Result<Json<Health>, ApiError> {
    let documents = match &st.fanout {
        Some(f) => f.collection().num_docs(),
        None => st.engine()?.num_docs(),
    };
    Ok(Json(Health { status: "ok".into(), documents }))
}

/// `GET /api/openapi.json`.
pub async fn openapi() -> impl IntoResponse {
    Json(ApiDoc::openapi())
}

/// Unknown `/api/…` routes: the envelope, not an HTML page.
pub async fn not_found() -> ApiError {
    ApiError::not_found("no such endpoint; see /api/openapi.json")
}
