//! The TLS settings of [`ClientBuilder`]: the CA to trust, a client certificate for mutual TLS,
//! the server name, and the development opt-out of verification. They exist with the `tls`
//! feature only, so a build without it cannot set them (`rediss://` is refused there with
//! [`Error::TlsNotEnabled`](crate::Error::TlsNotEnabled)).
//!
//! Files are read, and certificates parsed, when the client first connects, once per client
//! (a cluster client's nodes share them too); a file that cannot be read fails that connect
//! with [`Error::Tls`](crate::Error::Tls) naming the file.

use super::ClientBuilder;
use crate::info::Addr;
#[cfg(feature = "tls")]
use crate::info::{ClientCert, Pem, TlsOptions};
#[cfg(feature = "tls")]
use std::path::PathBuf;

impl ClientBuilder {
    /// Switches TLS on or off, as `rediss://` does, for a client otherwise set up in code (a
    /// Unix socket has none: TLS goes to the default TCP host instead).
    pub(crate) fn with_tls(self, on: bool) -> Self {
        let mut tcp = match self.info.addr {
            Addr::Unix(_) if on => self.host("127.0.0.1"),
            _ => self,
        };
        if let Addr::Tcp { tls, .. } = &mut tcp.info.addr {
            *tls = on;
        }
        tcp
    }

    #[cfg(feature = "tls")]
    fn edit_tls(mut self, change: impl FnOnce(&mut TlsOptions)) -> Self {
        self.info.tls.edit(change);
        self
    }

    /// Speaks TLS to the server, as a `rediss://` URL does. Off by default. The `tls_*`
    /// settings below do not switch it on by themselves.
    ///
    /// # Example
    ///
    /// ```
    /// let client = redline::Client::builder()
    ///     .host("cache.internal")
    ///     .port(6380)
    ///     .tls(true)
    ///     .build();
    /// assert_eq!(client.connection_info().addr().to_string(), "rediss://cache.internal:6380");
    /// ```
    #[cfg(feature = "tls")]
    pub fn tls(self, on: bool) -> Self {
        self.with_tls(on)
    }

    /// Trusts the CA certificate(s) in the PEM file at `path`, besides the system's roots (or
    /// instead of them, with [`tls_ca_only`](ClientBuilder::tls_ca_only)). For a server whose
    /// certificate a private CA signed, as Redis's own `gen-test-certs.sh` makes. Each call
    /// adds a file. The file is read at the first connect; if it cannot be read, that connect
    /// fails with [`Error::Tls`](crate::Error::Tls) naming it.
    ///
    /// # Example
    ///
    /// ```no_run
    /// use redline::{ClientBuilder, Commands};
    ///
    /// let client = ClientBuilder::from_url("rediss://cache.internal:6380")?
    ///     .tls_ca_file("/etc/redis/tls/ca.crt")
    ///     .build();
    /// client.ping()?;
    /// # Ok::<(), redline::Error>(())
    /// ```
    #[cfg(feature = "tls")]
    pub fn tls_ca_file(self, path: impl Into<PathBuf>) -> Self {
        let pem = Pem::File(path.into());
        self.edit_tls(|t| t.ca.push(pem))
    }

    /// Trusts the CA certificate(s) in `pem` (PEM text, one or more `BEGIN CERTIFICATE`
    /// blocks), as [`tls_ca_file`](ClientBuilder::tls_ca_file) does for a file. Each call adds.
    ///
    /// # Example
    ///
    /// ```no_run
    /// use redline::{ClientBuilder, Commands};
    ///
    /// let ca = std::fs::read("ca.crt")?; // or include_bytes!, or from a secret store
    /// let client = ClientBuilder::from_url("rediss://10.0.0.7:6380")?.tls_ca_pem(ca).build();
    /// client.ping()?;
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    #[cfg(feature = "tls")]
    pub fn tls_ca_pem(self, pem: impl Into<Vec<u8>>) -> Self {
        let pem = Pem::Bytes(pem.into());
        self.edit_tls(|t| t.ca.push(pem))
    }

    /// With `true`, trusts only the CAs given with [`tls_ca_file`](ClientBuilder::tls_ca_file)
    /// or [`tls_ca_pem`](ClientBuilder::tls_ca_pem), not the system's roots: a certificate that
    /// a public CA issued for the same name is then refused. Defaults to `false`.
    ///
    /// # Example
    ///
    /// ```
    /// let client = redline::ClientBuilder::from_url("rediss://cache.internal:6380")?
    ///     .tls_ca_file("/etc/redis/tls/ca.crt")
    ///     .tls_ca_only(true)
    ///     .build();
    /// # Ok::<(), redline::Error>(())
    /// ```
    #[cfg(feature = "tls")]
    pub fn tls_ca_only(self, only: bool) -> Self {
        self.edit_tls(|t| t.ca_only = only)
    }

    /// Presents the client certificate in the PEM file `cert` (the leaf first, then any
    /// intermediates) with its private key in the PEM file `key`, for servers that require
    /// one (`tls-auth-clients yes`, Redis's default when TLS is on). The key must be PKCS#8
    /// (`BEGIN PRIVATE KEY`, as `openssl genpkey` writes) and unencrypted; `openssl pkcs8
    /// -topk8 -nocrypt` converts an `RSA PRIVATE KEY`. The files are read at the first
    /// connect; the key's bytes never appear in `Debug` output or errors.
    ///
    /// # Example
    ///
    /// ```no_run
    /// use redline::{ClientBuilder, Commands};
    ///
    /// let client = ClientBuilder::from_url("rediss://cache.internal:6380")?
    ///     .tls_ca_file("/etc/redis/tls/ca.crt")
    ///     .tls_client_cert_files("/etc/redis/tls/client.crt", "/etc/redis/tls/client.key")
    ///     .build();
    /// client.ping()?;
    /// # Ok::<(), redline::Error>(())
    /// ```
    #[cfg(feature = "tls")]
    pub fn tls_client_cert_files(self, cert: impl Into<PathBuf>, key: impl Into<PathBuf>) -> Self {
        let client = ClientCert {
            cert: Pem::File(cert.into()),
            key: Pem::File(key.into()),
        };
        self.edit_tls(|t| t.client_cert = Some(client))
    }

    /// Presents a client certificate and key given as PEM bytes, as
    /// [`tls_client_cert_files`](ClientBuilder::tls_client_cert_files) does for files. The
    /// key's bytes never appear in `Debug` output or errors.
    ///
    /// # Example
    ///
    /// ```
    /// let cert = b"-----BEGIN CERTIFICATE-----\n...".to_vec();
    /// let key = b"-----BEGIN PRIVATE KEY-----\nMC4CAQAwBQYDK2VwBCIEI...".to_vec();
    /// let builder = redline::ClientBuilder::from_url("rediss://cache.internal:6380")?
    ///     .tls_client_cert_pem(cert, key);
    /// assert!(!format!("{builder:?}").contains("MC4CAQAw"));
    /// # Ok::<(), redline::Error>(())
    /// ```
    #[cfg(feature = "tls")]
    pub fn tls_client_cert_pem(self, cert: impl Into<Vec<u8>>, key: impl Into<Vec<u8>>) -> Self {
        let client = ClientCert {
            cert: Pem::Bytes(cert.into()),
            key: Pem::Bytes(key.into()),
        };
        self.edit_tls(|t| t.client_cert = Some(client))
    }

    /// The name sent in SNI and checked against the server's certificate, instead of the host
    /// connected to: for connecting by IP address (or through a tunnel) to a server whose
    /// certificate names a host. In a cluster client it applies to every node, so their
    /// certificates must all list it.
    ///
    /// # Example
    ///
    /// ```no_run
    /// use redline::{ClientBuilder, Commands};
    ///
    /// let client = ClientBuilder::from_url("rediss://10.0.0.7:6380")?
    ///     .tls_server_name("cache.internal")
    ///     .build();
    /// client.ping()?;
    /// # Ok::<(), redline::Error>(())
    /// ```
    #[cfg(feature = "tls")]
    pub fn tls_server_name(self, name: &str) -> Self {
        let name = name.to_string();
        self.edit_tls(|t| t.server_name = Some(name))
    }

    /// **Dangerous: for development only.** With `true`, accepts any certificate the server
    /// shows — expired, self-signed, for another host — so the connection is encrypted but
    /// anyone on the path can impersonate the server and read everything, passwords
    /// included. Nothing else ever turns this on. Defaults to `false`.
    ///
    /// # Example
    ///
    /// ```
    /// // A throwaway local server with a self-signed certificate.
    /// let client = redline::ClientBuilder::from_url("rediss://127.0.0.1:6380")?
    ///     .tls_danger_accept_invalid_certs(true)
    ///     .build();
    /// # Ok::<(), redline::Error>(())
    /// ```
    #[cfg(feature = "tls")]
    pub fn tls_danger_accept_invalid_certs(self, accept: bool) -> Self {
        self.edit_tls(|t| t.danger_accept_invalid_certs = accept)
    }
}

#[cfg(all(test, feature = "tls"))]
mod tests {
    use crate::Client;

    #[test]
    fn builder_debug_hides_the_key_and_clones_share_settings() {
        let builder = Client::builder()
            .tls(true)
            .tls_ca_pem(b"-----BEGIN CERTIFICATE-----\nCA\n".to_vec())
            .tls_client_cert_pem(b"cert".to_vec(), b"KEYSECRET".to_vec())
            .tls_server_name("cache.internal");
        let shown = format!("{builder:?}");
        assert!(!shown.contains("KEYSECRET"), "{shown}");
        assert!(shown.contains("cache.internal"), "{shown}");
        let client = builder.build();
        assert!(!format!("{client:?}").contains("KEYSECRET"));
        assert!(!format!("{:?}", client.connection_info()).contains("KEYSECRET"));
        assert_eq!(client.connection_info().clone(), *client.connection_info());
    }

    #[test]
    fn tls_on_a_unix_socket_builder_goes_to_tcp() {
        let client = Client::builder()
            .unix_socket("/tmp/x.sock")
            .tls(true)
            .build();
        assert_eq!(
            client.connection_info().addr().to_string(),
            "rediss://127.0.0.1:6379"
        );
    }

    #[test]
    fn verification_is_on_by_default() {
        let client = Client::builder().tls(true).build();
        assert!(!client.connection_info().tls.danger_accept_invalid_certs);
    }
}
