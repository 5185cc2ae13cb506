//! The TLS settings of a connection: which certificates to trust, the client's own certificate
//! for mutual TLS, the name to verify, and the connector built from them, once per client.
//!
//! Set through the `tls_*` methods of [`ClientBuilder`](crate::ClientBuilder) (with the `tls`
//! feature); without the feature nothing sets them and they stay empty.
#![cfg_attr(not(feature = "tls"), allow(dead_code))]

use std::fmt;
use std::path::PathBuf;
#[cfg(feature = "tls")]
use std::sync::{Arc, OnceLock};

/// PEM text, in a file read when the first connection is made, or given as bytes.
#[derive(Clone, PartialEq, Eq)]
pub(crate) enum Pem {
    File(PathBuf),
    Bytes(Vec<u8>),
}

impl fmt::Debug for Pem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Pem::File(path) => write!(f, "File({:?})", path),
            Pem::Bytes(bytes) => write!(f, "Pem({} bytes)", bytes.len()),
        }
    }
}

/// A client certificate (chain) and its private key, for servers that ask for one.
#[derive(Clone, PartialEq, Eq)]
pub(crate) struct ClientCert {
    pub(crate) cert: Pem,
    pub(crate) key: Pem,
}

impl fmt::Debug for ClientCert {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // The key's path is not secret, its bytes are: only a file's path is shown.
        let key: &dyn fmt::Debug = match &self.key {
            Pem::File(path) => path,
            Pem::Bytes(_) => &"******",
        };
        f.debug_struct("ClientCert")
            .field("cert", &self.cert)
            .field("key", key)
            .finish()
    }
}

/// How TLS connections are made. Verification is on unless
/// [`danger_accept_invalid_certs`](TlsOptions::danger_accept_invalid_certs) is set, which
/// nothing else implies.
#[derive(Clone, Default)]
pub(crate) struct TlsOptions {
    /// CA certificates trusted besides (or instead of) the system's.
    pub(crate) ca: Vec<Pem>,
    /// Trust only `ca`, not the system's roots.
    pub(crate) ca_only: bool,
    pub(crate) client_cert: Option<ClientCert>,
    /// The name sent in SNI and checked against the certificate, instead of the host.
    pub(crate) server_name: Option<String>,
    pub(crate) danger_accept_invalid_certs: bool,
    /// Built from the settings above at the first connect and shared by every clone of them
    /// (a client's pool, a cluster's nodes): certificates are read and parsed once.
    #[cfg(feature = "tls")]
    connector: Arc<OnceLock<native_tls::TlsConnector>>,
}

impl PartialEq for TlsOptions {
    fn eq(&self, other: &Self) -> bool {
        self.ca == other.ca
            && self.ca_only == other.ca_only
            && self.client_cert == other.client_cert
            && self.server_name == other.server_name
            && self.danger_accept_invalid_certs == other.danger_accept_invalid_certs
    }
}

impl fmt::Debug for TlsOptions {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TlsOptions")
            .field("ca", &self.ca)
            .field("ca_only", &self.ca_only)
            .field("client_cert", &self.client_cert)
            .field("server_name", &self.server_name)
            .field(
                "danger_accept_invalid_certs",
                &self.danger_accept_invalid_certs,
            )
            .finish()
    }
}

impl TlsOptions {
    /// Changes the settings; the connector built from the old ones is dropped from these (its
    /// other holders keep it).
    pub(crate) fn edit(&mut self, change: impl FnOnce(&mut TlsOptions)) {
        change(self);
        #[cfg(feature = "tls")]
        {
            self.connector = Arc::default();
        }
    }
}

#[cfg(feature = "tls")]
mod connector {
    use super::{Pem, TlsOptions};
    use crate::error::{Error, Result};
    use native_tls::{Certificate, Identity, TlsConnector};

    impl TlsOptions {
        /// The connector, built at the first call; a failure (a file missing) is not kept, so a
        /// later connect tries again.
        pub(crate) fn connector(&self, addr: &str) -> Result<TlsConnector> {
            if let Some(built) = self.connector.get() {
                return Ok(built.clone());
            }
            let built = self.build(addr)?;
            Ok(self.connector.get_or_init(|| built).clone())
        }

        fn build(&self, addr: &str) -> Result<TlsConnector> {
            let fail = |reason: String, source: Option<native_tls::Error>| Error::Tls {
                addr: addr.to_string(),
                reason,
                source: source.map(|e| e.into()),
            };
            let mut builder = TlsConnector::builder();
            for ca in &self.ca {
                let pem = load(ca, "CA certificate", addr)?;
                let certs = Certificate::stack_from_pem(&pem)
                    .map_err(|e| fail(format!("{} is not PEM certificates", name(ca)), Some(e)))?;
                if certs.is_empty() {
                    return Err(fail(format!("{} holds no certificate", name(ca)), None));
                }
                for cert in certs {
                    builder.add_root_certificate(cert);
                }
            }
            builder.disable_built_in_roots(self.ca_only);
            if let Some(client) = &self.client_cert {
                let cert = load(&client.cert, "client certificate", addr)?;
                let key = load(&client.key, "client key", addr)?;
                let identity = Identity::from_pkcs8(&cert, &key).map_err(|e| {
                    fail(
                        format!(
                            "the client certificate {} or its key {} cannot be used{}",
                            name(&client.cert),
                            name(&client.key),
                            key_hint(&key)
                        ),
                        Some(e),
                    )
                })?;
                builder.identity(identity);
            }
            if self.danger_accept_invalid_certs {
                builder.danger_accept_invalid_certs(true);
                builder.danger_accept_invalid_hostnames(true);
            }
            builder
                .build()
                .map_err(|e| fail(format!("cannot set TLS up: {e}"), Some(e)))
        }
    }

    /// A PEM file or bytes, as bytes; a file that cannot be read is an error naming it.
    fn load(pem: &Pem, what: &str, addr: &str) -> Result<Vec<u8>> {
        match pem {
            Pem::Bytes(bytes) => Ok(bytes.clone()),
            Pem::File(path) => std::fs::read(path).map_err(|e| Error::Tls {
                addr: addr.to_string(),
                reason: format!("cannot read the {what} file {}: {e}", path.display()),
                source: Some(e.into()),
            }),
        }
    }

    /// How a PEM source is named in an error: its path, never its bytes.
    fn name(pem: &Pem) -> String {
        match pem {
            Pem::File(path) => path.display().to_string(),
            Pem::Bytes(_) => "(given as PEM bytes)".to_string(),
        }
    }

    /// native-tls reads PKCS#8 keys only; `openssl genrsa` and older tools write PKCS#1 or SEC1.
    fn key_hint(key: &[u8]) -> &'static str {
        let has = |label: &[u8]| key.windows(label.len()).any(|w| w == label);
        if has(b"BEGIN RSA PRIVATE KEY") || has(b"BEGIN EC PRIVATE KEY") {
            " (the key must be PKCS#8, `BEGIN PRIVATE KEY`: convert it with \
             `openssl pkcs8 -topk8 -nocrypt -in key.pem -out key8.pem`)"
        } else if has(b"BEGIN ENCRYPTED PRIVATE KEY") {
            " (the key must not be encrypted)"
        } else {
            " (a PEM certificate and a PKCS#8 key, `BEGIN PRIVATE KEY`, that belong together)"
        }
    }

    /// The reason of a failed TLS handshake, with what to do for the common causes.
    pub(crate) fn handshake_reason(e: &native_tls::Error, name: &str) -> String {
        let text = e.to_string();
        let hint = if text.contains("hostname mismatch") || text.contains("IP address mismatch") {
            format!(
                "the server's certificate is not for {name:?} (connect by a name it lists, or \
                 set tls_server_name)"
            )
        } else if text.contains("certificate has expired") {
            "the server's certificate has expired".to_string()
        } else if text.contains("certificate is not yet valid") {
            "the server's certificate is not valid yet".to_string()
        } else if text.contains("self-signed certificate")
            || text.contains("unable to get local issuer certificate")
            || text.contains("unable to get issuer certificate")
        {
            "the server's certificate is not signed by a trusted CA (add its CA with \
             tls_ca_file or tls_ca_pem)"
                .to_string()
        } else if text.contains("wrong version number") || text.contains("packet length too long") {
            "the server did not answer in TLS (is this its TLS port? Redis serves TLS on its \
             tls-port)"
                .to_string()
        } else if text.contains("certificate required") || text.contains("handshake failure") {
            "the server refused the handshake; it may require a client certificate \
             (tls-auth-clients yes: set one with tls_client_cert_files)"
                .to_string()
        } else {
            "the TLS handshake failed".to_string()
        };
        format!("{hint}: {text}")
    }

    /// The reason for a TLS alert the server sent after the handshake, when it is one a user
    /// can act on: with TLS 1.3 a server that wanted a client certificate says so only at the
    /// first read. `None` for any other error.
    pub(crate) fn alert_reason(e: &std::io::Error) -> Option<String> {
        let text = e.to_string();
        let reason = if text.contains("alert certificate required") {
            "the server requires a client certificate (tls-auth-clients yes) and none was \
             given: set one with tls_client_cert_files or tls_client_cert_pem"
        } else if text.contains("alert unknown ca") || text.contains("alert bad certificate") {
            "the server refused the client certificate (not signed by a CA it trusts, or not \
             for client use)"
        } else if text.contains("alert certificate expired") {
            "the server refused the client certificate: it has expired"
        } else {
            return None;
        };
        Some(format!("{reason}: {text}"))
    }
}

#[cfg(feature = "tls")]
pub(crate) use connector::{alert_reason, handshake_reason};

#[cfg(test)]
mod tests {
    use super::*;

    const KEY: &[u8] =
        b"-----BEGIN PRIVATE KEY-----\nTOPSECRETKEYBYTES\n-----END PRIVATE KEY-----\n";

    #[test]
    fn debug_never_shows_key_bytes() {
        let mut options = TlsOptions::default();
        options.edit(|o| {
            o.client_cert = Some(ClientCert {
                cert: Pem::Bytes(b"-----BEGIN CERTIFICATE-----\nX\n".to_vec()),
                key: Pem::Bytes(KEY.to_vec()),
            });
            o.server_name = Some("cache.internal".into());
        });
        let shown = format!("{options:?}");
        assert!(!shown.contains("TOPSECRET"), "{shown}");
        assert!(!shown.contains("PRIVATE KEY"), "{shown}");
        assert!(shown.contains("******"), "{shown}");
        assert!(shown.contains("cache.internal"), "{shown}");
        // A key in a file shows its path only.
        options.edit(|o| {
            if let Some(c) = o.client_cert.as_mut() {
                c.key = Pem::File("/etc/redis/client.key".into());
            }
        });
        assert!(format!("{options:?}").contains("/etc/redis/client.key"));
    }

    #[test]
    fn equality_ignores_the_built_connector() {
        let mut a = TlsOptions::default();
        a.edit(|o| o.ca.push(Pem::File("/ca.pem".into())));
        let b = a.clone();
        let mut c = TlsOptions::default();
        c.edit(|o| o.ca.push(Pem::File("/ca.pem".into())));
        assert_eq!(a, b);
        assert_eq!(a, c);
        c.edit(|o| o.ca_only = true);
        assert_ne!(a, c);
    }

    #[cfg(feature = "tls")]
    #[test]
    fn a_missing_file_is_an_error_naming_it_and_not_cached() {
        let mut options = TlsOptions::default();
        options.edit(|o| {
            o.client_cert = Some(ClientCert {
                cert: Pem::File("/nonexistent/client.crt".into()),
                key: Pem::Bytes(KEY.to_vec()),
            })
        });
        let err = options.connector("rediss://127.0.0.1:6380").unwrap_err();
        let text = err.to_string();
        assert!(text.contains("/nonexistent/client.crt"), "{text}");
        assert!(text.contains("rediss://127.0.0.1:6380"), "{text}");
        assert!(!format!("{err:?}").contains("TOPSECRET"));
        assert!(options.connector.get().is_none());
    }

    #[cfg(feature = "tls")]
    #[test]
    fn a_bad_key_never_appears_in_the_error() {
        let mut options = TlsOptions::default();
        options.edit(|o| {
            o.client_cert = Some(ClientCert {
                cert: Pem::Bytes(b"not a certificate".to_vec()),
                key: Pem::Bytes(KEY.to_vec()),
            })
        });
        let err = options.connector("rediss://h:1").unwrap_err();
        assert!(!err.to_string().contains("TOPSECRET"), "{err}");
        assert!(!format!("{err:?}").contains("TOPSECRET"), "{err:?}");
    }

    #[cfg(feature = "tls")]
    #[test]
    fn the_connector_is_built_once_and_shared_by_clones() {
        let options = TlsOptions::default();
        let clone = options.clone();
        options.connector("rediss://h:1").unwrap();
        assert!(clone.connector.get().is_some());
    }
}
