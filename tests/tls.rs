//! HTTPS end to end: a private CA and a server certificate for `localhost`/127.0.0.1 are made at
//! test time, the real server serves TLS with them on a loopback port, and then the typed client
//! (with and without the CA), plain HTTP to the TLS port, the live event stream, graceful
//! shutdown, and the real binary (`serve --tls-cert/--tls-key`, `list --json --ca-cert`, and the
//! refusals of a half or unreadable TLS configuration) are checked.

mod common;

use rcgen::{
    BasicConstraints, CertificateParams, DnType, ExtendedKeyUsagePurpose, IsCa, Issuer, KeyPair,
    KeyUsagePurpose,
};
use serde_json::Value;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::sync::Arc;
use std::time::Duration;
use triage::client::{ApiClient, ClientError};
use triage::domain::{NewReport, Role};
use triage::server::tls::TlsFiles;
use triage::server::{self, RunningServer, ServerConfig};

/// Bounds waits so a broken build fails instead of hanging; nothing here measures time.
const PATIENCE: Duration = Duration::from_secs(60);

/// A private CA, a server certificate it issued for localhost and 127.0.0.1, all as PEM files in
/// a temporary directory.
struct Pki {
    dir: tempfile::TempDir,
    ca_pem: String,
}

impl Pki {
    fn new() -> Pki {
        let dir = tempfile::tempdir().expect("temp dir");
        let ca_key = KeyPair::generate().expect("CA key");
        let mut ca_params = CertificateParams::new(Vec::<String>::new()).expect("CA params");
        ca_params
            .distinguished_name
            .push(DnType::CommonName, "triage test CA");
        ca_params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
        ca_params.key_usages = vec![
            KeyUsagePurpose::KeyCertSign,
            KeyUsagePurpose::CrlSign,
            KeyUsagePurpose::DigitalSignature,
        ];
        let ca_cert = ca_params.self_signed(&ca_key).expect("CA certificate");
        let issuer = Issuer::new(ca_params, ca_key);

        let server_key = KeyPair::generate().expect("server key");
        let mut params = CertificateParams::new(vec!["localhost".into(), "127.0.0.1".into()])
            .expect("server params");
        params
            .distinguished_name
            .push(DnType::CommonName, "localhost");
        params.extended_key_usages = vec![ExtendedKeyUsagePurpose::ServerAuth];
        let server_cert = params
            .signed_by(&server_key, &issuer)
            .expect("server certificate");

        let pki = Pki {
            dir,
            ca_pem: ca_cert.pem(),
        };
        std::fs::write(pki.ca(), &pki.ca_pem).expect("write CA");
        std::fs::write(pki.cert(), server_cert.pem()).expect("write certificate");
        std::fs::write(pki.key(), server_key.serialize_pem()).expect("write key");
        pki
    }

    fn path(&self) -> &Path {
        self.dir.path()
    }

    fn ca(&self) -> PathBuf {
        self.path().join("ca.pem")
    }

    fn cert(&self) -> PathBuf {
        self.path().join("server.pem")
    }

    fn key(&self) -> PathBuf {
        self.path().join("server-key.pem")
    }

    fn files(&self) -> TlsFiles {
        TlsFiles {
            cert: self.cert(),
            key: self.key(),
        }
    }
}

/// The real server with TLS on a loopback port, and an analyst token for it.
async fn tls_server(pki: &Pki) -> (RunningServer, String) {
    let config = ServerConfig {
        listen: "127.0.0.1:0".parse().expect("address"),
        db: pki.path().join("t.db").to_string_lossy().into_owned(),
        tls: Some(pki.files()),
        ..Default::default()
    };
    let running = server::start(config, None)
        .await
        .expect("TLS server starts");
    let (token, record) = server::auth::new_token("ana", Role::Analyst, None);
    running
        .state
        .store
        .insert_token(record, "test", chrono::Utc::now())
        .await
        .expect("token stored");
    (running, token)
}

fn report(title: &str) -> NewReport {
    NewReport {
        title: title.into(),
        description: "fax sent to the wrong number".into(),
        site: "North Campus".into(),
        discovered_at: None,
        occurred_at: None,
        department: None,
        source: None,
    }
}

#[tokio::test]
async fn client_with_the_private_ca_talks_https() {
    let pki = Pki::new();
    let (server, token) = tls_server(&pki).await;
    let url = server.url();
    assert!(url.starts_with("https://127.0.0.1:"), "{url}");

    let client = ApiClient::with_ca_pem(&url, &token, pki.ca_pem.as_bytes()).expect("client");
    let me = client.whoami().await.expect("whoami over TLS");
    assert_eq!(me.user, "ana");
    assert!(client.healthy().await);

    let filed = client
        .report(&report("Laptop left in a taxi"))
        .await
        .expect("report over TLS");
    let read = client.incident(&filed.id).await.expect("read it back");
    assert_eq!(read.title, "Laptop left in a taxi");
    assert_eq!(read.version, filed.version);

    // The certificate names localhost too.
    let by_name = url.replace("127.0.0.1", "localhost");
    let client = ApiClient::with_ca_pem(&by_name, &token, pki.ca_pem.as_bytes()).expect("client");
    assert_eq!(client.whoami().await.expect("whoami by name").user, "ana");
    server.stop().await;
}

#[tokio::test]
async fn without_the_ca_the_certificate_is_refused_clearly() {
    let pki = Pki::new();
    let (server, token) = tls_server(&pki).await;
    let client = ApiClient::new(&server.url(), &token).expect("client");
    let err = client
        .whoami()
        .await
        .expect_err("an unknown CA must not be trusted");
    assert!(matches!(err, ClientError::Network(_)), "{err:?}");
    let text = err.to_string();
    assert!(text.to_lowercase().contains("certificate"), "{text}");

    // A CA file that is not PEM is refused when the client is built, not later.
    let bad = ApiClient::with_ca_pem(&server.url(), &token, b"not a certificate");
    assert!(matches!(bad, Err(ClientError::Setup(_))), "{bad:?}");
    server.stop().await;
}

#[tokio::test]
async fn plain_http_to_the_tls_port_gets_nothing() {
    let pki = Pki::new();
    let (server, token) = tls_server(&pki).await;
    let plain = format!("http://{}", server.addr);
    let http = reqwest::Client::builder()
        .timeout(PATIENCE)
        .build()
        .expect("client");
    match http
        .get(format!("{plain}/api/v1/whoami"))
        .bearer_auth(&token)
        .send()
        .await
    {
        Err(_) => {}
        Ok(resp) => panic!("plain HTTP was answered over the TLS port: {resp:?}"),
    }
    // The failed plain-text attempt does not disturb the server.
    let client = ApiClient::with_ca_pem(&server.url(), &token, pki.ca_pem.as_bytes()).unwrap();
    assert!(client.healthy().await);
    server.stop().await;
}

#[tokio::test]
async fn events_stream_over_tls_and_stop_ends_it() {
    let pki = Pki::new();
    let (server, token) = tls_server(&pki).await;
    let client = ApiClient::with_ca_pem(&server.url(), &token, pki.ca_pem.as_bytes()).unwrap();
    let mut stream = client.events(None).await.expect("event stream over TLS");
    let filed = client
        .report(&report("Badge reader propped open"))
        .await
        .unwrap();
    let event = loop {
        let next = tokio::time::timeout(PATIENCE, stream.next())
            .await
            .expect("no event arrived")
            .expect("the stream ended early")
            .expect("a readable event");
        if next.id == filed.id {
            break next;
        }
    };
    assert_eq!(event.kind, "incident.created");

    // Graceful shutdown still ends open streams over TLS.
    tokio::time::timeout(PATIENCE, server.stop())
        .await
        .expect("stop() kept waiting for the open event stream");
    let end = tokio::time::timeout(PATIENCE, stream.next())
        .await
        .expect("the event stream did not end");
    assert!(!matches!(end, Some(Ok(_))), "an event after stop: {end:?}");
}

/// The binary with an environment of its own (see `common::triage_command`).
fn triage(home: &Path) -> Command {
    common::triage_command(home)
}

fn output(cmd: &mut Command) -> Output {
    cmd.output().expect("the binary runs")
}

fn stderr(out: &Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

/// `triage serve` in the background; killed when dropped.
struct Served(Child);

impl Drop for Served {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .expect("a free port")
        .port()
}

/// Starts `triage serve` with TLS and waits until it answers over HTTPS.
async fn serve_tls(pki: &Pki, db: &Path) -> (Served, String) {
    for _ in 0..5 {
        let port = free_port();
        let child = triage(pki.path())
            .args(["--db"])
            .arg(db)
            .args(["serve", "--listen", &format!("127.0.0.1:{port}")])
            .arg("--tls-cert")
            .arg(pki.cert())
            .arg("--tls-key")
            .arg(pki.key())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("serve starts");
        let mut served = Served(child);
        let url = format!("https://127.0.0.1:{port}");
        let probe = ApiClient::with_ca_pem(&url, "none", pki.ca_pem.as_bytes()).unwrap();
        for _ in 0..600 {
            if probe.healthy().await {
                return (served, url);
            }
            if served.0.try_wait().ok().flatten().is_some() {
                break; // exited: most likely the port was taken meanwhile
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }
    panic!("triage serve with TLS did not become healthy");
}

#[tokio::test]
async fn the_binary_serves_https_and_its_commands_trust_the_ca() {
    let pki = Pki::new();
    let db = pki.path().join("cli.db");
    let created = output(triage(pki.path()).arg("--db").arg(&db).args([
        "token", "create", "--user", "ana", "--role", "analyst", "--json",
    ]));
    assert!(created.status.success(), "{}", stderr(&created));
    let token: Value = serde_json::from_slice(&created.stdout).expect("token JSON");
    let token = token["token"].as_str().expect("token").to_string();

    let (_served, url) = serve_tls(&pki, &db).await;
    let client = ApiClient::with_ca_pem(&url, &token, pki.ca_pem.as_bytes()).unwrap();
    let filed = client
        .report(&report("USB stick found in the lobby"))
        .await
        .unwrap();

    let list = |extra: &dyn Fn(&mut Command)| {
        let mut cmd = triage(pki.path());
        cmd.env("TRIAGE_URL", &url)
            .env("TRIAGE_TOKEN", &token)
            .args(["list", "--json"]);
        extra(&mut cmd);
        output(&mut cmd)
    };
    // --ca-cert on the command line.
    let ca = pki.ca();
    let out = list(&|c| {
        c.arg("--ca-cert").arg(&ca);
    });
    assert!(out.status.success(), "{}", stderr(&out));
    let items: Value = serde_json::from_slice(&out.stdout).expect("list JSON");
    let ids: Vec<&str> = items
        .as_array()
        .expect("an array")
        .iter()
        .filter_map(|i| i["id"].as_str())
        .collect();
    assert_eq!(ids, vec![filed.id.as_str()]);

    // TRIAGE_CA_CERT through the settings layers.
    let out = list(&|c| {
        c.env("TRIAGE_CA_CERT", &ca);
    });
    assert!(out.status.success(), "{}", stderr(&out));

    // Without the CA: a clear certificate error and a non-zero exit, no panic.
    let out = list(&|_| {});
    assert!(!out.status.success());
    let err = stderr(&out);
    assert!(err.to_lowercase().contains("certificate"), "{err}");
    assert!(!err.contains("panicked"), "{err}");

    // A CA path that does not exist is named.
    let out = list(&|c| {
        c.arg("--ca-cert").arg(pki.path().join("nope.pem"));
    });
    assert!(!out.status.success());
    assert!(stderr(&out).contains("nope.pem"), "{}", stderr(&out));
}

#[test]
fn serve_refuses_half_or_unreadable_tls_settings() {
    let pki = Pki::new();
    let serve = |args: &[&std::ffi::OsStr]| {
        let mut cmd = triage(pki.path());
        cmd.arg("--db")
            .arg(pki.path().join("refuse.db"))
            .args(["serve", "--listen", "127.0.0.1:0"])
            .args(args);
        output(&mut cmd)
    };
    let cert = pki.cert();
    let key = pki.key();

    let out = serve(&["--tls-cert".as_ref(), cert.as_os_str()]);
    assert!(
        !out.status.success(),
        "serve started with a certificate and no key"
    );
    assert!(stderr(&out).contains("--tls-key"), "{}", stderr(&out));

    // The same through the environment layer.
    let out = output(
        triage(pki.path())
            .arg("--db")
            .arg(pki.path().join("refuse.db"))
            .args(["serve", "--listen", "127.0.0.1:0"])
            .env("TRIAGE_TLS_CERT", &cert),
    );
    assert!(
        !out.status.success(),
        "serve started with TRIAGE_TLS_CERT alone"
    );
    assert!(stderr(&out).contains("--tls-key"), "{}", stderr(&out));

    let out = serve(&["--tls-key".as_ref(), key.as_os_str()]);
    assert!(
        !out.status.success(),
        "serve started with a key and no certificate"
    );
    assert!(stderr(&out).contains("--tls-cert"), "{}", stderr(&out));

    let missing = pki.path().join("missing-cert.pem");
    let out = serve(&[
        "--tls-cert".as_ref(),
        missing.as_os_str(),
        "--tls-key".as_ref(),
        key.as_os_str(),
    ]);
    assert!(!out.status.success());
    assert!(
        stderr(&out).contains("missing-cert.pem"),
        "{}",
        stderr(&out)
    );

    // A key file holding a certificate is not a key, and the message names it.
    let out = serve(&[
        "--tls-cert".as_ref(),
        cert.as_os_str(),
        "--tls-key".as_ref(),
        cert.as_os_str(),
    ]);
    assert!(!out.status.success());
    let err = stderr(&out);
    assert!(err.contains("server.pem") && err.contains("key"), "{err}");
}

/// A matching certificate and key make a configuration that speaks HTTP/1.1 (what axum serves).
#[test]
fn a_valid_pair_offers_http1() {
    let pki = Pki::new();
    let config = server::tls::server_config(&pki.files()).expect("valid pair");
    assert_eq!(config.alpn_protocols, vec![b"http/1.1".to_vec()]);
    let _: Arc<rustls::ServerConfig> = config;
}
