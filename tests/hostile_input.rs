//! Hostile input against every operation the server publishes. The real server runs on loopback;
//! its own OpenAPI document is read and every operation in it (method and path template) gets a
//! fixed number of generated requests, so a route added later is covered without touching this
//! file. Requests carry malformed JSON, JSON of the wrong type, nesting 10,000 deep, bodies over
//! the limit, invalid UTF-8, strings with NUL, control characters, ANSI escapes, bidi marks and
//! emoji, boundary numbers, unknown fields, impossible dates, hostile path ids and query strings,
//! odd media types and `If-Match` values, and missing or garbage tokens.
//!
//! For every answer: the status is below 500, `/healthz` still answers, and a refused request
//! (any non-2xx) wrote nothing — the audit trail and the incident count, read straight from the
//! store, are unchanged. Requests that were accepted must leave an audit chain that verifies.

mod common;

use common::*;
use proptest::collection::vec;
use proptest::prelude::*;
use proptest::strategy::{BoxedStrategy, Union};
use proptest::test_runner::{Config, RngAlgorithm, TestCaseError, TestRng, TestRunner};
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};
use std::fmt;
use std::sync::Arc;
use triage::domain::audit::verify_chain;
use triage::store::ListFilter;

/// Generated requests per operation.
const CASES_PER_OPERATION: u32 = 64;

/// The server's body limit in this test (small, so oversized bodies stay cheap to send).
const BODY_LIMIT: usize = 32 * 1024;

/// One operation of the served OpenAPI document.
#[derive(Debug, Clone)]
struct Operation {
    method: Method,
    template: String,
    path_params: Vec<String>,
    query_params: Vec<String>,
    body_schema: Option<Value>,
}

impl Operation {
    fn name(&self) -> String {
        format!("{} {}", self.method, self.template)
    }
}

/// Every operation in the document; fails if a parameter declared `in: path` is not in the
/// template (the document would then send clients to paths that do not exist).
fn operations(doc: &Value) -> Vec<Operation> {
    let paths = doc["paths"].as_object().expect("paths in the document");
    let mut out = Vec::new();
    for (template, item) in paths {
        for (method, op) in item.as_object().expect("a path item") {
            let Ok(method) = method.to_ascii_uppercase().parse::<Method>() else {
                continue; // `parameters`, `summary`… at path level
            };
            let mut path_params = Vec::new();
            let mut query_params = Vec::new();
            for p in op["parameters"].as_array().into_iter().flatten() {
                let name = p["name"].as_str().expect("parameter name").to_string();
                match p["in"].as_str() {
                    Some("path") => {
                        assert!(
                            template.contains(&format!("{{{name}}}")),
                            "{method} {template}: parameter '{name}' is declared in the path, but the path has no {{{name}}}"
                        );
                        path_params.push(name);
                    }
                    Some("query") => query_params.push(name),
                    _ => {}
                }
            }
            let body_schema = op
                .pointer("/requestBody/content/application~1json/schema")
                .cloned();
            out.push(Operation {
                method,
                template: template.clone(),
                path_params,
                query_params,
                body_schema,
            });
        }
    }
    out
}

// ---------------------------------------------------------------------------------------------
// Generators

/// Text that has broken parsers, terminals and databases before.
fn fragment() -> BoxedStrategy<String> {
    let fixed: Vec<&'static str> = vec![
        "Fax sent to the wrong clinic",
        "North Campus",
        "\0",
        "a\0b",
        "\x1b[2J\x1b[31mred",
        "\u{9b}31m",
        "\x07\x08\x0b\x0c\r\n\t",
        "\u{202e}fdp.exe",
        "\u{200f}\u{2066}\u{2069}\u{061c}",
        "🦀👩‍👩‍👧‍👦🏳️‍🌈",
        "\u{feff}",
        "\u{ffff}\u{fffd}",
        "Z\u{336}\u{336}\u{336}\u{336}",
        "' OR 1=1 --",
        "\"; DROP TABLE incidents; --",
        "<script>alert(1)</script>",
        "%s%n%x{0}{{}}",
        "../../etc/passwd",
        "${jndi:ldap://x}",
        " ",
        "me",
        "INC-2026-000001",
    ];
    prop_oneof![
        4 => proptest::sample::select(fixed).prop_map(str::to_string),
        1 => vec(any::<char>(), 0..12).prop_map(|c| c.into_iter().collect()),
    ]
    .boxed()
}

/// A hostile string: fragments glued together, sometimes very long, sometimes empty.
fn hostile_string() -> BoxedStrategy<String> {
    prop_oneof![
        8 => vec(fragment(), 1..5).prop_map(|v| v.concat()),
        1 => (fragment(), 150usize..2500).prop_map(|(f, n)| f.repeat(n).chars().take(n * 4).collect()),
        1 => Just(String::new()),
    ]
    .boxed()
}

/// Numbers at and past every boundary, and things that only look like numbers.
fn hostile_number() -> BoxedStrategy<Value> {
    let fixed = vec![
        json!(i64::MIN),
        json!(i64::MAX),
        json!(u64::MAX),
        json!(i32::MAX),
        json!(i32::MIN),
        json!(u32::MAX),
        json!(-1),
        json!(0),
        json!(1),
        json!(2),
        json!(1e308),
        json!(-1e308),
        json!(0.5),
        json!(f64::EPSILON),
        json!("NaN"),
        json!("Infinity"),
        json!("1"),
    ];
    prop_oneof![
        4 => proptest::sample::select(fixed),
        1 => any::<i64>().prop_map(|n| json!(n)),
    ]
    .boxed()
}

/// Calendar dates: impossible, out of range, wrong format, and a few valid ones.
fn hostile_date() -> BoxedStrategy<Value> {
    let fixed = vec![
        "2025-02-30",
        "2026-13-01",
        "2026-00-10",
        "yesterday",
        "",
        "0000-01-01",
        "1899-12-31",
        "1990-01-01",
        "9999-12-31",
        "+262143-12-31",
        "-262144-01-01",
        "2026-03-05T10:00:00Z",
        "2026-3-5",
        "2026-03-04",
        "2026-03-05",
        "2026-03-06",
        "2027-01-01",
        "2024-02-29",
    ];
    prop_oneof![
        4 => proptest::sample::select(fixed).prop_map(|s| json!(s)),
        1 => hostile_string().prop_map(Value::String),
    ]
    .boxed()
}

/// Times (RFC 3339) at and past the edges.
fn hostile_time() -> BoxedStrategy<Value> {
    let fixed = vec![
        "2026-03-05T10:00:00Z",
        "2026-03-05T10:00:00+14:00",
        "2026-02-30T00:00:00Z",
        "1970-01-01T00:00:00Z",
        "9999-12-31T23:59:60Z",
        "+262143-12-31T23:59:59Z",
        "now",
        "",
    ];
    proptest::sample::select(fixed)
        .prop_map(|s| json!(s))
        .boxed()
}

/// Any JSON value, usually of the wrong type for wherever it lands.
fn wrong_type() -> BoxedStrategy<Value> {
    prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        hostile_number(),
        hostile_string().prop_map(Value::String),
        Just(json!([])),
        Just(json!({})),
        Just(json!([[[[[1]]]]])),
        Just(json!({"a": {"b": {"c": null}}})),
        Just(json!(["x", 1, null, {"k": []}])),
    ]
    .boxed()
}

fn resolve<'a>(doc: &'a Value, schema: &'a Value) -> &'a Value {
    match schema.get("$ref").and_then(Value::as_str) {
        Some(r) => doc
            .pointer(r.trim_start_matches('#'))
            .map(|s| resolve(doc, s))
            .unwrap_or(schema),
        None => schema,
    }
}

/// How far a schema-shaped value strays from what the schema allows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Mode {
    /// Any content, and now and then the wrong type or an unknown field.
    Hostile,
    /// The right types, plausible dates and small numbers, but strings still full of NUL,
    /// escapes, bidi marks and emoji: requests that should be accepted and stored safely.
    Gentle,
}

/// Values shaped by the request schema, so that requests get past parsing and into the
/// validation and storage code.
fn from_schema(doc: &Arc<Value>, schema: &Value, depth: u32, mode: Mode) -> BoxedStrategy<Value> {
    if depth > 5 {
        return match mode {
            Mode::Hostile => wrong_type(),
            Mode::Gentle => Just(Value::Null).boxed(),
        };
    }
    let schema = resolve(doc, schema).clone();
    let typed = typed_from_schema(doc, &schema, depth, mode);
    match mode {
        Mode::Hostile => prop_oneof![8 => typed, 1 => wrong_type()].boxed(),
        Mode::Gentle => typed,
    }
}

/// `Some` with probability `p` (0 and 1 included, which proptest's own `weighted` refuses).
fn maybe<S>(p: f64, s: S) -> BoxedStrategy<Option<S::Value>>
where
    S: Strategy + 'static,
    S::Value: Clone,
{
    if p >= 1.0 {
        s.prop_map(Some).boxed()
    } else if p <= 0.0 {
        Just(None).boxed()
    } else {
        proptest::option::weighted(p, s).boxed()
    }
}

fn gentle_string() -> BoxedStrategy<Value> {
    vec(fragment(), 1..3)
        .prop_map(|v| Value::String(v.concat().chars().take(90).collect()))
        .boxed()
}

fn typed_from_schema(
    doc: &Arc<Value>,
    schema: &Value,
    depth: u32,
    mode: Mode,
) -> BoxedStrategy<Value> {
    for key in ["oneOf", "anyOf", "allOf"] {
        if let Some(variants) = schema.get(key).and_then(Value::as_array) {
            let options: Vec<BoxedStrategy<Value>> = variants
                .iter()
                .map(|v| from_schema(doc, v, depth + 1, mode))
                .collect();
            if !options.is_empty() {
                return Union::new(options).boxed();
            }
        }
    }
    if let Some(values) = schema.get("enum").and_then(Value::as_array) {
        let values = values.clone();
        return match mode {
            Mode::Hostile => prop_oneof![
                6 => proptest::sample::select(values),
                1 => hostile_string().prop_map(Value::String),
            ]
            .boxed(),
            Mode::Gentle => proptest::sample::select(values).boxed(),
        };
    }
    let ty = match &schema["type"] {
        Value::String(t) => t.clone(),
        Value::Array(ts) => ts
            .iter()
            .filter_map(Value::as_str)
            .find(|t| *t != "null")
            .unwrap_or("null")
            .to_string(),
        _ if schema.get("properties").is_some() => "object".into(),
        _ => String::new(),
    };
    let format = schema["format"].as_str();
    match (ty.as_str(), mode) {
        ("string", Mode::Hostile) => match format {
            Some("date") => hostile_date(),
            Some("date-time") => hostile_time(),
            _ => hostile_string().prop_map(Value::String).boxed(),
        },
        ("string", Mode::Gentle) => match format {
            Some("date") => proptest::sample::select(vec![
                "2026-03-05",
                "2026-03-04",
                "2026-02-28",
                "2024-02-29",
                "2020-01-01",
                "2026-06-30",
            ])
            .prop_map(|d| json!(d))
            .boxed(),
            Some("date-time") => Just(json!("2026-03-05T09:00:00Z")).boxed(),
            _ => gentle_string(),
        },
        ("integer" | "number", Mode::Hostile) => hostile_number(),
        ("integer" | "number", Mode::Gentle) => {
            proptest::sample::select(vec![0, 1, 2, 3, 499, 500])
                .prop_map(|n| json!(n))
                .boxed()
        }
        ("boolean", _) => any::<bool>().prop_map(Value::Bool).boxed(),
        ("array", _) => {
            let items = schema.get("items").cloned().unwrap_or(json!({}));
            let most = if mode == Mode::Gentle { 2 } else { 4 };
            vec(from_schema(doc, &items, depth + 1, mode), 0..most)
                .prop_map(Value::Array)
                .boxed()
        }
        ("object", _) => object_from_schema(doc, schema, depth, mode),
        ("null", _) => Just(Value::Null).boxed(),
        (_, Mode::Hostile) => wrong_type(),
        (_, Mode::Gentle) => Just(Value::Null).boxed(),
    }
}

fn object_from_schema(
    doc: &Arc<Value>,
    schema: &Value,
    depth: u32,
    mode: Mode,
) -> BoxedStrategy<Value> {
    let required: Vec<String> = schema["required"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|v| v.as_str().map(str::to_string))
        .collect();
    let fields: Vec<BoxedStrategy<Option<(String, Value)>>> = schema["properties"]
        .as_object()
        .into_iter()
        .flatten()
        // A gentle write leaves the version to `If-Match`.
        .filter(|(name, _)| mode == Mode::Hostile || name.as_str() != "version")
        .map(|(name, prop)| {
            let present = match (required.contains(name), mode) {
                (true, Mode::Gentle) => 1.0,
                (true, Mode::Hostile) => 0.95,
                (false, Mode::Gentle) => 0.3,
                (false, Mode::Hostile) => 0.5,
            };
            let name = name.clone();
            maybe(present, from_schema(doc, prop, depth + 1, mode))
                .prop_map(move |v| v.map(|v| (name.clone(), v)))
                .boxed()
        })
        .collect();
    // A map (`additionalProperties` with a schema): hostile keys, or plausible ones.
    let extra_schema = schema
        .get("additionalProperties")
        .filter(|a| a.is_object())
        .cloned();
    let extra: BoxedStrategy<Vec<(String, Value)>> = match (extra_schema, mode) {
        (Some(s), Mode::Hostile) => vec(
            (hostile_string(), from_schema(doc, &s, depth + 1, mode)),
            0..3,
        )
        .boxed(),
        (Some(s), Mode::Gentle) => vec(
            (
                proptest::sample::select(vec!["CA", "NY", "TX"]).prop_map(str::to_string),
                from_schema(doc, &s, depth + 1, mode),
            ),
            0..3,
        )
        .boxed(),
        (None, _) => Just(Vec::new()).boxed(),
    };
    let unknown_chance = if mode == Mode::Hostile { 0.1 } else { 0.0 };
    let unknown = maybe(
        unknown_chance,
        (
            proptest::sample::select(vec!["colour", "__proto__", "id", "version ", ""]),
            wrong_type(),
        ),
    );
    (fields, extra, unknown)
        .prop_map(|(fields, extra, unknown)| {
            let mut map = serde_json::Map::new();
            for (k, v) in fields.into_iter().flatten().chain(extra) {
                map.insert(k, v);
            }
            if let Some((k, v)) = unknown {
                map.insert(k.to_string(), v);
            }
            Value::Object(map)
        })
        .boxed()
}

/// A request body as bytes, and what kind it is (for the report of a failing case).
#[derive(Clone)]
struct Body {
    kind: &'static str,
    bytes: Vec<u8>,
}

impl fmt::Debug for Body {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let shown: Vec<u8> = self.bytes.iter().copied().take(400).collect();
        write!(
            f,
            "{} ({} bytes): {}",
            self.kind,
            self.bytes.len(),
            String::from_utf8_lossy(&shown)
        )
    }
}

fn body(doc: &Arc<Value>, schema: Option<&Value>) -> BoxedStrategy<Body> {
    let (shaped, gentle) = match schema {
        Some(s) => (
            from_schema(doc, s, 0, Mode::Hostile),
            from_schema(doc, s, 0, Mode::Gentle),
        ),
        None => (wrong_type(), wrong_type()),
    };
    let malformed = vec![
        "{",
        "}",
        "{\"title\":",
        "{'title': 'x'}",
        "{\"title\": \"x\",}",
        "[1, 2,,]",
        "{\"version\": 1e400}",
        "{\"version\": 123456789012345678901234567890}",
        "{\"version\": NaN}",
        "{\"a\": -}",
        "nul",
        "\"unterminated",
        "{\"title\": \"x\"} trailing",
        "{\"\\ud800\": \"lone surrogate\"}",
        "{\"title\": \"\\u0000\"}",
        "",
        " ",
    ];
    prop_oneof![
        6 => shaped.prop_map(|v| Body { kind: "shaped", bytes: v.to_string().into_bytes() }),
        6 => gentle.prop_map(|v| Body { kind: "gentle", bytes: v.to_string().into_bytes() }),
        2 => proptest::sample::select(malformed)
            .prop_map(|m| Body { kind: "malformed", bytes: m.as_bytes().to_vec() }),
        2 => wrong_type().prop_map(|v| Body { kind: "wrong type", bytes: v.to_string().into_bytes() }),
        1 => (any::<bool>(), 2000usize..=10_000).prop_map(|(objects, depth)| Body {
            kind: "deeply nested",
            bytes: nested(objects, depth),
        }),
        1 => Just(Body {
            kind: "deeply nested (10,000)",
            bytes: nested(false, 10_000),
        }),
        1 => (BODY_LIMIT + 1..BODY_LIMIT * 3).prop_map(|n| Body {
            kind: "oversized",
            bytes: format!("{{\"title\":\"{}\",\"site\":\"N\"}}", "x".repeat(n)).into_bytes(),
        }),
        1 => vec(any::<u8>(), 1..64).prop_map(|junk| {
            let mut bytes = b"{\"title\":\"".to_vec();
            bytes.extend_from_slice(&junk);
            bytes.extend_from_slice(b"\xff\xfe\xc3\x28\",\"site\":\"N\"}");
            Body { kind: "invalid UTF-8", bytes }
        }),
    ]
    .boxed()
}

/// `[[[…]]]` or `{"a":{"a":…}}`, `depth` levels.
fn nested(objects: bool, depth: usize) -> Vec<u8> {
    let (open, close): (&str, &str) = if objects {
        ("{\"a\":", "}")
    } else {
        ("[", "]")
    };
    let mut s = open.repeat(depth);
    s.push('1');
    s.push_str(&close.repeat(depth));
    s.into_bytes()
}

/// How a path parameter is filled.
#[derive(Debug, Clone)]
enum PathValue {
    /// The id of a record that exists (an incident, or an action on `/actions/…`).
    Existing,
    /// Raw text put into the path as is (percent-encoding included).
    Raw(String),
}

fn path_value() -> BoxedStrategy<PathValue> {
    let fixed = vec![
        "INC-2026-999999",
        "ACT-999999",
        "..%2F..%2Fetc%2Fpasswd",
        "%2e%2e",
        "..",
        "%FF%FE",
        "%00",
        "%C0%AF",
        "%E2%80%AE",
        "%F0%9F%A6%80",
        "%",
        "%zz",
        "%25",
        "-1",
        "0",
        "9223372036854775808",
        "%0A%0D",
        "%1B%5B2J",
        "'%20OR%201=1",
    ];
    prop_oneof![
        3 => Just(PathValue::Existing),
        4 => proptest::sample::select(fixed).prop_map(|s| PathValue::Raw(s.to_string())),
        1 => (1usize..4000).prop_map(|n| PathValue::Raw("A".repeat(n))),
        2 => hostile_string().prop_map(|s| PathValue::Raw(encode_short(&s))),
    ]
    .boxed()
}

/// Query pairs, each already encoded (some deliberately badly).
fn query(names: &[String]) -> BoxedStrategy<Vec<(String, String)>> {
    let mut all: Vec<String> = names.to_vec();
    for extra in [
        "limit",
        "cursor",
        "since",
        "since_seq",
        "q",
        "unknown",
        "",
        "limit[]",
    ] {
        all.push(extra.to_string());
    }
    let values = vec![
        "-1",
        "0",
        "1",
        "1000",
        "1001",
        "99999999999",
        "99999999999999999999999",
        "-9223372036854775808",
        "9223372036854775807",
        "junk",
        "c",
        "c-1",
        "czzzzzzzzzzzzzzzzzzzz",
        "2025-02-30",
        "2026-03-05",
        "1900-01-01",
        "9999-12-31",
        "0000-01-01",
        "+262143-12-31",
        "2026-03-05T10:00:00Z",
        "yesterday",
        "",
        "NaN",
        "me",
        "month",
        "week",
        "new,triaged,,closed,bogus",
        "%FF%FE",
        "%00",
        "%zz",
        "a%20b%20c%20d%20e%20f%20g%20h%20i%20j%20k%20l%20m%20n%20o%20p%20q%20r%20s%20t%20u%20v%20w%20x%20y%20z%20aa%20bb%20cc%20dd%20ee%20ff%20gg",
    ];
    let value = prop_oneof![
        4 => proptest::sample::select(values).prop_map(str::to_string),
        1 => hostile_string().prop_map(|s| encode_short(&s)),
    ];
    vec(
        (
            proptest::sample::select(all).prop_map(|n| encode(&n)),
            value,
        ),
        0..4,
    )
    .boxed()
}

/// Who sends the request.
#[derive(Debug, Clone)]
enum Auth {
    Admin,
    Nobody,
    Header(String),
}

fn auth() -> BoxedStrategy<Auth> {
    let garbage = vec![
        "Bearer junk",
        "Bearer tc_x_y",
        "Bearer tc__",
        "bearer",
        "Basic YWRtaW46YWRtaW4=",
        "Bearer tc_000000000000_0000000000000000000000000000000000000000000000000000000000000000",
    ];
    prop_oneof![
        20 => Just(Auth::Admin),
        1 => Just(Auth::Nobody),
        1 => proptest::sample::select(garbage).prop_map(|h| Auth::Header(h.to_string())),
        1 => (1usize..5000).prop_map(|n| Auth::Header(format!("Bearer tc_{}_{}", "a".repeat(n), "b"))),
    ]
    .boxed()
}

/// How `If-Match` is sent.
#[derive(Debug, Clone)]
enum IfMatch {
    /// The target's current version (so that a write can succeed).
    Current,
    Raw(String),
}

fn if_match() -> BoxedStrategy<Option<IfMatch>> {
    let raw = vec![
        "-1",
        "0",
        "9223372036854775807",
        "99999999999999999999",
        "W/\"1\"",
        "\"junk\"",
        "1, 2",
        "*",
        "",
    ];
    prop_oneof![
        3 => Just(None),
        4 => Just(Some(IfMatch::Current)),
        2 => proptest::sample::select(raw).prop_map(|r| Some(IfMatch::Raw(r.to_string()))),
    ]
    .boxed()
}

fn content_type() -> BoxedStrategy<Option<String>> {
    let odd = vec![
        "text/plain",
        "application/json; charset=utf-16",
        "APPLICATION/JSON",
        "application/x-www-form-urlencoded",
        "application/json;;;",
        "multipart/form-data; boundary=x",
    ];
    prop_oneof![
        8 => Just(Some("application/json".to_string())),
        1 => Just(None),
        1 => proptest::sample::select(odd).prop_map(|s| Some(s.to_string())),
    ]
    .boxed()
}

/// One generated request.
#[derive(Clone)]
struct Case {
    auth: Auth,
    path: Vec<PathValue>,
    query: Vec<(String, String)>,
    content_type: Option<String>,
    if_match: Option<IfMatch>,
    body: Option<Body>,
}

impl fmt::Debug for Case {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let path: Vec<String> = self
            .path
            .iter()
            .map(|p| match p {
                PathValue::Raw(s) => format!("Raw({})", clip(s)),
                other => format!("{other:?}"),
            })
            .collect();
        let auth = match &self.auth {
            Auth::Header(h) => format!("Header({})", clip(h)),
            other => format!("{other:?}"),
        };
        let query: Vec<(String, String)> =
            self.query.iter().map(|(k, v)| (clip(k), clip(v))).collect();
        f.debug_struct("Case")
            .field("auth", &auth)
            .field("path", &path)
            .field("query", &query)
            .field("content_type", &self.content_type)
            .field("if_match", &self.if_match)
            .field("body", &self.body)
            .finish()
    }
}

fn case(doc: &Arc<Value>, op: &Operation) -> BoxedStrategy<Case> {
    let with_body = op.body_schema.is_some();
    let body = body(doc, op.body_schema.as_ref());
    let body = if with_body {
        proptest::option::weighted(0.95, body).boxed()
    } else {
        proptest::option::weighted(0.2, body).boxed()
    };
    let random = (
        auth(),
        vec(path_value(), op.path_params.len()),
        query(&op.query_params),
        content_type(),
        if_match(),
        body,
    )
        .prop_map(|(auth, path, query, content_type, if_match, body)| Case {
            auth,
            path,
            query,
            content_type,
            if_match,
            body,
        });
    // A third of the cases aim squarely at the write path: an existing record, its current
    // version, a valid token and a body of the right shape with hostile strings in it.
    let gentle: BoxedStrategy<Option<Body>> = match &op.body_schema {
        Some(schema) => from_schema(doc, schema, 0, Mode::Gentle)
            .prop_map(|v| {
                Some(Body {
                    kind: "gentle",
                    bytes: v.to_string().into_bytes(),
                })
            })
            .boxed(),
        None => Just(None).boxed(),
    };
    let targeted = (gentle, Just(op.path_params.len())).prop_map(|(body, params)| Case {
        auth: Auth::Admin,
        path: vec![PathValue::Existing; params],
        query: Vec::new(),
        content_type: Some("application/json".into()),
        if_match: Some(IfMatch::Current),
        body,
    });
    prop_oneof![2 => random, 1 => targeted].boxed()
}

/// Percent-encodes, keeping at most 6,000 bytes (a request line stays within what an HTTP client
/// will send; a cut through a `%XX` is one more piece of junk).
fn encode_short(s: &str) -> String {
    let mut e = encode(s);
    e.truncate(6000);
    e
}

/// Shortens text for a failure report.
fn clip(s: &str) -> String {
    if s.len() <= 120 {
        return s.to_string();
    }
    let mut end = 60;
    while !s.is_char_boundary(end) {
        end -= 1;
    }
    format!("{}… ({} bytes)", &s[..end], s.len())
}

/// Percent-encodes everything but unreserved characters.
fn encode(s: &str) -> String {
    let mut out = String::new();
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || b"-._~".contains(&b) {
            out.push(char::from(b));
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

// ---------------------------------------------------------------------------------------------
// Running

/// What a refused request must leave as it was.
#[derive(Debug, PartialEq, Eq, Clone, Copy)]
struct Written {
    /// Audit entries by people (the escalation job may write on its own schedule).
    audit: usize,
    incidents: usize,
}

async fn written(server: &TestServer) -> Written {
    let store = &server.running.state.store;
    let audit = store
        .audit_rows()
        .await
        .expect("audit rows")
        .iter()
        .filter(|r| !r.actor.starts_with("system:"))
        .count();
    let incidents = triage::store::list_all(
        store.as_ref(),
        ListFilter {
            limit: 1000,
            ..Default::default()
        },
    )
    .await
    .expect("incidents")
    .len();
    Written { audit, incidents }
}

/// The records a case may aim at.
struct Targets {
    incident: String,
    action: String,
}

async fn current_version(server: &TestServer, op: &Operation, targets: &Targets) -> i64 {
    let store = &server.running.state.store;
    if op.template.starts_with("/api/v1/actions/") {
        store
            .get_action(&targets.action)
            .await
            .map(|a| a.version)
            .unwrap_or(1)
    } else {
        store
            .get_incident(&targets.incident)
            .await
            .map(|i| i.version)
            .unwrap_or(1)
    }
}

/// Sends one case; returns the status and the answer's text (empty for an event stream), or why
/// there was none.
async fn send(
    server: &TestServer,
    op: &Operation,
    targets: &Targets,
    case: &Case,
    admin: &str,
) -> Result<(StatusCode, String), String> {
    let mut path = op.template.clone();
    for (name, value) in op.path_params.iter().zip(&case.path) {
        let text = match value {
            PathValue::Existing if op.template.starts_with("/api/v1/actions/") => {
                targets.action.clone()
            }
            PathValue::Existing => targets.incident.clone(),
            PathValue::Raw(raw) => raw.clone(),
        };
        path = path.replace(&format!("{{{name}}}"), &text);
    }
    let mut url = format!("{}{}", server.url(), path);
    if !case.query.is_empty() {
        let q: Vec<String> = case.query.iter().map(|(k, v)| format!("{k}={v}")).collect();
        url.push('?');
        url.push_str(&q.join("&"));
    }
    // Failed authentications are counted per address: each anonymous case comes from a fresh
    // loopback address so that the limit does not lock the test out.
    let anonymous = !matches!(case.auth, Auth::Admin);
    let http = if anonymous {
        raw_client(Some(fresh_loopback()))
    } else {
        unpooled()
    };
    let mut req = http.request(op.method.clone(), &url);
    match &case.auth {
        Auth::Admin => req = req.bearer_auth(admin),
        Auth::Nobody => {}
        Auth::Header(h) => req = req.header("authorization", h.as_str()),
    }
    if let Some(ct) = &case.content_type {
        req = req.header("content-type", ct.as_str());
    }
    match &case.if_match {
        Some(IfMatch::Current) => {
            let v = current_version(server, op, targets).await;
            req = req.header("if-match", v.to_string());
        }
        Some(IfMatch::Raw(r)) => req = req.header("if-match", r.as_str()),
        None => {}
    }
    if let Some(b) = &case.body {
        req = req.body(b.bytes.clone());
    }
    let resp = match tokio::time::timeout(PATIENCE, req.send()).await {
        Err(_) => return Err("no answer in time".into()),
        Ok(Err(e)) if e.is_builder() => {
            panic!("the test built a bad request ({}): {e}", clip(&url))
        }
        Ok(Err(e)) => return Err(format!("the request failed: {e:?}")),
        Ok(Ok(resp)) => resp,
    };
    let status = resp.status();
    let streaming = resp
        .headers()
        .get("content-type")
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("text/event-stream"));
    if !streaming {
        // Read the whole answer: a handler failing halfway through its body shows up here.
        match tokio::time::timeout(PATIENCE, resp.bytes()).await {
            Ok(Ok(bytes)) => return Ok((status, String::from_utf8_lossy(&bytes).into_owned())),
            Ok(Err(e)) => return Err(format!("{status}, then the body failed: {e}")),
            Err(_) => return Err(format!("{status}, then the body never ended")),
        }
    }
    Ok((status, String::new()))
}

/// A client that keeps no connection for later. A server may close a connection after
/// answering without reading a large body; a pooled client would then fail its next request on
/// that dead connection, which says nothing about the server.
fn unpooled() -> reqwest::Client {
    reqwest::Client::builder()
        .pool_max_idle_per_host(0)
        .timeout(PATIENCE)
        .build()
        .expect("http client")
}

async fn healthy(server: &TestServer) -> Result<(), String> {
    let resp = unpooled()
        .get(format!("{}/healthz", server.url()))
        .send()
        .await
        .map_err(|e| format!("{e:?}"))?;
    let status = resp.status();
    let body: Value = resp.json().await.map_err(|e| format!("{e:?}"))?;
    if status == StatusCode::OK && body["status"] == "ok" {
        Ok(())
    } else {
        Err(format!("{status} {body}"))
    }
}

/// Runs one generated case and checks everything the module promises.
async fn check(
    server: &TestServer,
    op: &Operation,
    targets: &Targets,
    admin: &str,
    case: &Case,
) -> Result<(), TestCaseError> {
    let before = written(server).await;
    let outcome = send(server, op, targets, case, admin).await;
    let after = written(server).await;
    let (status, answer) = match outcome {
        Ok(answer) => answer,
        // A body over the limit may be cut off while it is still being sent; the server is
        // then right to close the connection. Anything else without an answer is a failure.
        Err(e)
            if case
                .body
                .as_ref()
                .is_some_and(|b| b.bytes.len() > BODY_LIMIT) =>
        {
            eprintln!("note: {} oversized body: {e}", op.name());
            (StatusCode::PAYLOAD_TOO_LARGE, String::new())
        }
        Err(e) => return Err(TestCaseError::fail(format!("{}: {e}", op.name()))),
    };
    tally(op, status);
    prop_assert!(
        status.as_u16() < 500,
        "{} answered {status} (server error for bad input)",
        op.name()
    );
    if let Err(e) = healthy(server).await {
        return Err(TestCaseError::fail(format!(
            "/healthz stopped answering after {} ({status}): {e}",
            op.name()
        )));
    }
    // A body built from the document's own schema, with the types and values it lists, must not
    // be refused as the wrong shape: that would mean the document and the server disagree.
    let error: Value = serde_json::from_str(&answer).unwrap_or(Value::Null);
    if op.body_schema.is_some()
        && case.body.as_ref().is_some_and(|b| b.kind == "gentle")
        && status == StatusCode::UNPROCESSABLE_ENTITY
        && error.pointer("/error/field") != Some(&json!("query"))
    {
        let message = error
            .pointer("/error/message")
            .and_then(Value::as_str)
            .unwrap_or("");
        for shape_error in [
            "unknown variant",
            "invalid type",
            "missing field",
            "unknown field",
        ] {
            prop_assert!(
                !message.contains(shape_error),
                "{}: a body that follows the OpenAPI document was refused: {}",
                op.name(),
                answer
            );
        }
    }
    if !status.is_success() {
        prop_assert_eq!(
            before,
            after,
            "{} was refused with {} but something was written",
            op.name(),
            status
        );
    }
    Ok(())
}

/// Answers seen per operation and status, printed at the end so that a run shows what the
/// generators reached.
static TALLY: std::sync::Mutex<
    std::collections::BTreeMap<String, std::collections::BTreeMap<u16, u32>>,
> = std::sync::Mutex::new(std::collections::BTreeMap::new());

fn tally(op: &Operation, status: StatusCode) {
    if let Ok(mut t) = TALLY.lock() {
        *t.entry(op.name())
            .or_default()
            .entry(status.as_u16())
            .or_default() += 1;
    }
}

/// A seed of its own for each operation, fixed from run to run.
fn seed_for(name: &str) -> [u8; 32] {
    let mut seed = [0u8; 32];
    for (i, b) in name.bytes().enumerate() {
        seed[i % 32] = seed[i % 32].wrapping_mul(31).wrapping_add(b);
    }
    seed
}

#[test]
fn every_operation_survives_hostile_input() {
    let rt = tokio::runtime::Runtime::new().expect("runtime");
    let server = rt.block_on(TestServer::start_with(Options {
        body_limit: BODY_LIMIT,
        ..Options::default()
    }));
    let admin = server.token(ADMIN);

    // Something to aim at: an incident with an action.
    let targets = rt.block_on(async {
        let incident = server.report(REPORTER, "Fax sent to the wrong clinic").await;
        let incident_id = s(&incident, "id").to_string();
        let (status, action) = server
            .as_user(
                LEAD,
                Method::POST,
                &format!("/api/v1/incidents/{incident_id}/actions"),
                Some(&json!({"title": "Retrain the front desk", "owner": ANALYST, "due": "2026-04-01"})),
            )
            .await;
        assert_eq!(status, StatusCode::CREATED, "{action}");
        Targets {
            incident: incident_id,
            action: s(&action, "id").to_string(),
        }
    });

    let (status, doc) =
        rt.block_on(server.as_user(ANALYST, Method::GET, "/api/v1/openapi.json", None));
    assert_eq!(status, StatusCode::OK);
    let doc = Arc::new(doc);
    let ops = operations(&doc);
    assert!(
        ops.len() >= 15,
        "the document lists only {} operations",
        ops.len()
    );
    for must in [
        "POST /api/v1/reports",
        "PATCH /api/v1/incidents/{id}",
        "GET /api/v1/events",
    ] {
        assert!(
            ops.iter().any(|o| o.name() == must),
            "{must} is missing from the document"
        );
    }

    let mut accepted_writes = 0;
    for op in &ops {
        let config = Config {
            cases: CASES_PER_OPERATION,
            failure_persistence: None,
            max_shrink_iters: 64,
            ..Config::default()
        };
        let rng = TestRng::from_seed(RngAlgorithm::ChaCha, &seed_for(&op.name()));
        let mut runner = TestRunner::new_with_rng(config, rng);
        let before = rt.block_on(written(&server));
        let result = runner.run(&case(&doc, op), |case| {
            rt.block_on(check(&server, op, &targets, &admin, &case))
        });
        if let Err(e) = result {
            panic!("{}: {e}", op.name());
        }
        if rt.block_on(written(&server)) != before {
            accepted_writes += 1;
        }
    }
    // The generators must reach the writing code, not only the parsers.
    assert!(
        accepted_writes >= 2,
        "only {accepted_writes} operations accepted any write"
    );

    if let Ok(t) = TALLY.lock() {
        for (op, statuses) in t.iter() {
            eprintln!("{op}: {statuses:?}");
        }
    }
    let report = verify_chain(
        rt.block_on(server.running.state.store.audit_rows())
            .expect("rows"),
    );
    assert!(
        report.first_broken.is_none(),
        "the audit chain is broken: {:?}",
        report.first_broken
    );
    rt.block_on(server.stop());
}

/// One request must not multiply into an answer of hundreds of megabytes: statistics over
/// 1900–9999 by week would hold 420,000 periods for every site and category.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_statistics_window_is_bounded() {
    let server = TestServer::start().await;
    server
        .report(REPORTER, "Fax sent to the wrong clinic")
        .await;
    let (status, body) = server
        .as_user(
            ANALYST,
            Method::GET,
            "/api/v1/stats?from=1900-01-01&to=9999-12-31&by=week",
            None,
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    assert_eq!(error_field(&body), Some("from"));
    // The longest windows that stay within the bound are still answered.
    for query in [
        "from=2007-03-05&to=2026-03-05&by=week",
        "from=1943-01-01&to=2026-03-05&by=month",
    ] {
        let (status, body) = server
            .as_user(
                ANALYST,
                Method::GET,
                &format!("/api/v1/stats?{query}"),
                None,
            )
            .await;
        assert_eq!(status, StatusCode::OK, "{query}: {body}");
    }
    server.stop().await;
}
