//! Optional HTTPS for the API: a certificate chain and key read from PEM files, rustls with the
//! aws-lc-rs provider (the one reqwest and sqlx already use, so there is one crypto stack), and
//! a listener that hands axum finished TLS connections. Because axum's own `serve` runs on top of
//! it, graceful shutdown and the event stream behave exactly as over plain HTTP.

use axum::serve::Listener;
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, PrivateKeyDer};
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;
use thiserror::Error;
use tokio::net::{TcpListener, TcpStream};
use tokio::task::JoinSet;
use tokio_rustls::TlsAcceptor;
use tokio_rustls::server::TlsStream;

/// Where the server's certificate chain and private key are (both PEM). Holding both in one value
/// makes "a certificate without a key" impossible past configuration.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TlsFiles {
    /// The certificate chain, leaf first.
    pub cert: PathBuf,
    /// The private key (PKCS#8, PKCS#1 or SEC1).
    pub key: PathBuf,
}

/// Why TLS could not be set up; every case names the file, so an operator knows what to fix.
#[derive(Debug, Error)]
pub enum TlsError {
    /// The file could not be read.
    #[error("cannot read {what} {}: {error}", path.display())]
    Read {
        /// "certificate" or "private key".
        what: &'static str,
        /// The file.
        path: PathBuf,
        /// The I/O error (in the message, so it is not repeated as a separate cause).
        error: std::io::Error,
    },
    /// The file was read but holds no usable PEM item of the right kind.
    #[error("{what} {} is not valid PEM: {reason}", path.display())]
    Pem {
        /// "certificate" or "private key".
        what: &'static str,
        /// The file.
        path: PathBuf,
        /// What was wrong.
        reason: String,
    },
    /// rustls refused the pair (e.g. the key does not match the certificate).
    #[error("certificate {} with key {} cannot be used: {reason}", cert.display(), key.display())]
    Config {
        /// The certificate file.
        cert: PathBuf,
        /// The key file.
        key: PathBuf,
        /// rustls's reason.
        reason: String,
    },
}

fn read(what: &'static str, path: &Path) -> Result<Vec<u8>, TlsError> {
    std::fs::read(path).map_err(|error| TlsError::Read {
        what,
        path: path.to_path_buf(),
        error,
    })
}

fn pem_error(what: &'static str, path: &Path, reason: impl ToString) -> TlsError {
    TlsError::Pem {
        what,
        path: path.to_path_buf(),
        reason: reason.to_string(),
    }
}

/// Reads the PEM files and builds the rustls server configuration (HTTP/1.1 over TLS 1.2/1.3).
pub fn server_config(files: &TlsFiles) -> Result<Arc<rustls::ServerConfig>, TlsError> {
    let cert_pem = read("certificate", &files.cert)?;
    let chain = CertificateDer::pem_slice_iter(&cert_pem)
        .collect::<Result<Vec<_>, _>>()
        .map_err(|e| pem_error("certificate", &files.cert, e))?;
    if chain.is_empty() {
        return Err(pem_error(
            "certificate",
            &files.cert,
            "no CERTIFICATE section found",
        ));
    }
    let key_pem = read("private key", &files.key)?;
    let key = PrivateKeyDer::from_pem_slice(&key_pem).map_err(|e| match e {
        rustls::pki_types::pem::Error::NoItemsFound => {
            pem_error("private key", &files.key, "no PRIVATE KEY section found")
        }
        other => pem_error("private key", &files.key, other),
    })?;
    // The provider is named explicitly rather than taken from process-wide state, so nothing
    // depends on which crate happened to install a default first.
    let provider = Arc::new(rustls::crypto::aws_lc_rs::default_provider());
    let config_error = |e: rustls::Error| TlsError::Config {
        cert: files.cert.clone(),
        key: files.key.clone(),
        reason: e.to_string(),
    };
    let mut config = rustls::ServerConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .map_err(config_error)?
        .with_no_client_auth()
        .with_single_cert(chain, key)
        .map_err(config_error)?;
    config.alpn_protocols = vec![b"http/1.1".to_vec()];
    Ok(Arc::new(config))
}

/// A TCP listener whose connections come out already through the TLS handshake. Handshakes run
/// in their own tasks with a deadline, so a client that connects and says nothing holds up no
/// one else.
pub struct TlsListener {
    tcp: TcpListener,
    acceptor: TlsAcceptor,
    handshakes: JoinSet<Option<(TlsStream<TcpStream>, SocketAddr)>>,
}

impl TlsListener {
    /// How long a client may take to finish its handshake.
    const HANDSHAKE_DEADLINE: Duration = Duration::from_secs(10);
    /// Most handshakes in progress at once; past that, new connections wait in the backlog.
    const MAX_HANDSHAKES: usize = 512;

    /// Wraps a bound listener.
    pub fn new(tcp: TcpListener, config: Arc<rustls::ServerConfig>) -> Self {
        TlsListener {
            tcp,
            acceptor: TlsAcceptor::from(config),
            handshakes: JoinSet::new(),
        }
    }
}

impl Listener for TlsListener {
    type Io = TlsStream<TcpStream>;
    type Addr = SocketAddr;

    // Cancel-safe, as axum's graceful shutdown needs: TCP accept and `join_next` both are, and
    // handshakes in progress stay in the set.
    async fn accept(&mut self) -> (Self::Io, Self::Addr) {
        loop {
            tokio::select! {
                accepted = self.tcp.accept(), if self.handshakes.len() < Self::MAX_HANDSHAKES => {
                    match accepted {
                        Ok((tcp, peer)) => {
                            let acceptor = self.acceptor.clone();
                            self.handshakes.spawn(async move {
                                match tokio::time::timeout(Self::HANDSHAKE_DEADLINE, acceptor.accept(tcp)).await {
                                    Ok(Ok(tls)) => Some((tls, peer)),
                                    Ok(Err(e)) => {
                                        tracing::debug!(%peer, error = %e, "TLS handshake failed");
                                        None
                                    }
                                    Err(_) => {
                                        tracing::debug!(%peer, "TLS handshake timed out");
                                        None
                                    }
                                }
                            });
                        }
                        Err(e) => {
                            // Out of file descriptors and the like: back off instead of spinning.
                            tracing::warn!(error = %e, "accepting a connection failed");
                            tokio::time::sleep(Duration::from_millis(100)).await;
                        }
                    }
                }
                Some(done) = self.handshakes.join_next(), if !self.handshakes.is_empty() => {
                    if let Ok(Some(connection)) = done {
                        return connection;
                    }
                }
            }
        }
    }

    fn local_addr(&self) -> std::io::Result<Self::Addr> {
        self.tcp.local_addr()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn missing_and_invalid_files_are_named() {
        let dir = tempfile::tempdir().unwrap();
        let junk = dir.path().join("junk.pem");
        std::fs::write(&junk, "not pem at all\n").unwrap();
        let missing = dir.path().join("missing.pem");
        let e = server_config(&TlsFiles {
            cert: missing.clone(),
            key: junk.clone(),
        })
        .unwrap_err()
        .to_string();
        assert!(
            e.contains("missing.pem") && e.contains("certificate"),
            "{e}"
        );
        let e = server_config(&TlsFiles {
            cert: junk.clone(),
            key: junk.clone(),
        })
        .unwrap_err()
        .to_string();
        assert!(e.contains("junk.pem") && e.contains("not valid PEM"), "{e}");
    }
}
