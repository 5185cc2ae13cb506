//! [`ClientBuilder::credentials_provider`]: credentials asked for per new connection.

use super::ClientBuilder;
use crate::info::{CredentialsProvider, SharedProvider};
use std::sync::Arc;

impl ClientBuilder {
    /// Asks `provider` for the user name and password of every new connection, in place of
    /// [`username`](ClientBuilder::username) and [`password`](ClientBuilder::password) (and a
    /// URL's): a password rotated at the server and in the provider is used by the
    /// connections opened after it, without rebuilding the client. Pooled connections opened
    /// before stay authenticated. A closure `Fn() -> Result<Credentials, CredentialsError>`
    /// is a provider; a [`ClusterClient`](crate::ClusterClient) given this builder with
    /// [`connections`](crate::ClusterClientBuilder::connections) asks it for every node.
    ///
    /// A provider that fails makes the call that needed a connection fail with
    /// [`Error::Credentials`](crate::Error::Credentials); credentials the server refuses give
    /// [`Error::Auth`](crate::Error::Auth).
    ///
    /// # Example
    ///
    /// ```no_run
    /// use redline::{Client, Commands, Credentials};
    /// use std::sync::{Arc, RwLock};
    ///
    /// // The current password, updated by whatever rotates it.
    /// let current = Arc::new(RwLock::new(String::from("first-password")));
    /// let shared = Arc::clone(&current);
    /// let client = Client::builder()
    ///     .credentials_provider(move || {
    ///         let password = shared.read().map_err(|_| "password lock poisoned")?;
    ///         Ok(Credentials::new("app", password.as_str()))
    ///     })
    ///     .build();
    /// client.ping()?;
    ///
    /// // After `ACL SETUSER app >second-password`: new connections use it.
    /// *current.write().unwrap() = String::from("second-password");
    /// # Ok::<(), redline::Error>(())
    /// ```
    pub fn credentials_provider(mut self, provider: impl CredentialsProvider + 'static) -> Self {
        self.info.credentials_provider = Some(SharedProvider(Arc::new(provider)));
        self
    }
}
