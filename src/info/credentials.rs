//! Credentials fetched for each new connection: [`Credentials`] and [`CredentialsProvider`],
//! for passwords that rotate (a secrets manager, a file a sidecar rewrites, a token service).

use std::fmt;
use std::sync::Arc;

/// A user name and password for one connection's `AUTH` (or `HELLO 3 AUTH`).
///
/// Its `Debug` output shows `******` for the password, and it has no `Display`.
///
/// # Example
///
/// ```
/// use redline::Credentials;
///
/// let acl_user = Credentials::new("app", "s3cret");
/// assert_eq!(acl_user.username.as_deref(), Some("app"));
/// let requirepass = Credentials::password_only("s3cret"); // the `default` user
/// assert_eq!(requirepass.username, None);
/// assert!(!format!("{acl_user:?} {requirepass:?}").contains("s3cret"));
/// ```
#[derive(Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct Credentials {
    /// The ACL user; `None` for the `default` user (`requirepass`).
    pub username: Option<String>,
    /// The password.
    pub password: String,
}

impl Credentials {
    /// An ACL user and its password.
    ///
    /// # Example
    ///
    /// ```
    /// let creds = redline::Credentials::new("app", "s3cret");
    /// assert_eq!(creds.password, "s3cret");
    /// ```
    pub fn new(username: impl Into<String>, password: impl Into<String>) -> Credentials {
        Credentials {
            username: Some(username.into()),
            password: password.into(),
        }
    }

    /// A password alone, for the `default` user (what `requirepass` sets).
    ///
    /// # Example
    ///
    /// ```
    /// let creds = redline::Credentials::password_only("s3cret");
    /// assert_eq!(creds.username, None);
    /// ```
    pub fn password_only(password: impl Into<String>) -> Credentials {
        Credentials {
            username: None,
            password: password.into(),
        }
    }
}

impl fmt::Debug for Credentials {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Credentials")
            .field("username", &self.username)
            .field("password", &"******")
            .finish()
    }
}

/// The error a [`CredentialsProvider`] returns: any error type converts into it with `?`
/// (redline's own [`Error`](crate::Error) too). It reaches the caller inside
/// [`Error::Credentials`](crate::Error::Credentials).
///
/// # Example
///
/// ```
/// use redline::{Credentials, CredentialsError};
///
/// fn from_env() -> Result<Credentials, CredentialsError> {
///     let password = std::env::var("APP_REDIS_PASSWORD")?; // a VarError, converted by `?`
///     Ok(Credentials::new("app", password))
/// }
/// let _ = from_env();
/// let err: CredentialsError = "the vault is sealed".into();
/// assert_eq!(err.to_string(), "the vault is sealed");
/// ```
pub type CredentialsError = Box<dyn std::error::Error + Send + Sync>;

/// Supplies the credentials of each new connection, asked once per connection, just before
/// its handshake. A rotated password is then used by every connection opened after the
/// rotation, without rebuilding the client; connections already open stay authenticated as
/// they were (the server does not log out a connection when its user's password changes).
///
/// Implemented for closures `Fn() -> Result<Credentials, CredentialsError>`. Set it with
/// [`ClientBuilder::credentials_provider`](crate::ClientBuilder::credentials_provider); it
/// replaces the builder's or URL's user name and password. The call happens on the thread
/// that opens the connection, inside the call that needed it, so it should be quick (cache
/// what is slow to fetch).
///
/// # Example
///
/// ```no_run
/// use redline::{Client, Commands, Credentials, CredentialsError, CredentialsProvider};
///
/// // A password file that a sidecar rewrites when it rotates the password.
/// struct PasswordFile(std::path::PathBuf);
///
/// impl CredentialsProvider for PasswordFile {
///     fn credentials(&self) -> Result<Credentials, CredentialsError> {
///         let password = std::fs::read_to_string(&self.0)?;
///         Ok(Credentials::new("app", password.trim_end()))
///     }
/// }
///
/// let client = Client::builder()
///     .credentials_provider(PasswordFile("/run/secrets/redis".into()))
///     .build();
/// client.ping()?;
/// # Ok::<(), redline::Error>(())
/// ```
pub trait CredentialsProvider: Send + Sync {
    /// The credentials for the connection about to be opened.
    ///
    /// # Errors
    ///
    /// Whatever stops the provider from answering; the connect then fails with
    /// [`Error::Credentials`](crate::Error::Credentials), which is not retried.
    ///
    /// # Example
    ///
    /// ```
    /// use redline::{Credentials, CredentialsProvider};
    ///
    /// let provider = || Ok(Credentials::new("app", "s3cret"));
    /// assert_eq!(provider.credentials()?.username.as_deref(), Some("app"));
    /// # Ok::<(), redline::CredentialsError>(())
    /// ```
    fn credentials(&self) -> Result<Credentials, CredentialsError>;
}

impl<F> CredentialsProvider for F
where
    F: Fn() -> Result<Credentials, CredentialsError> + Send + Sync,
{
    fn credentials(&self) -> Result<Credentials, CredentialsError> {
        self()
    }
}

impl super::ConnectionInfo {
    /// Whether a [`CredentialsProvider`] supplies the credentials of each new connection (then
    /// [`username`](super::ConnectionInfo::username) and
    /// [`has_password`](super::ConnectionInfo::has_password) describe what is used without
    /// one, and are not sent).
    ///
    /// # Example
    ///
    /// ```
    /// use redline::{Client, Credentials};
    ///
    /// let client = Client::builder()
    ///     .credentials_provider(|| Ok(Credentials::password_only("s3cret")))
    ///     .build();
    /// assert!(client.connection_info().has_credentials_provider());
    /// ```
    pub fn has_credentials_provider(&self) -> bool {
        self.credentials_provider.is_some()
    }

    /// The user name and password for a new connection's handshake: the provider's, asked
    /// now, or the fixed ones.
    pub(crate) fn handshake_credentials(
        &self,
    ) -> Result<(Option<String>, Option<String>), CredentialsError> {
        match &self.credentials_provider {
            Some(provider) => {
                let Credentials { username, password } = provider.0.credentials()?;
                Ok((username, Some(password)))
            }
            None => Ok((
                self.username.clone(),
                self.password.as_ref().map(|p| p.0.clone()),
            )),
        }
    }
}

/// The provider as [`ConnectionInfo`](super::ConnectionInfo) holds it: shared by the clones
/// of the settings (a cluster's per-node clients), equal only to itself, and printed without
/// anything it might hold.
#[derive(Clone)]
pub(crate) struct SharedProvider(pub(crate) Arc<dyn CredentialsProvider>);

impl fmt::Debug for SharedProvider {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("CredentialsProvider")
    }
}

impl PartialEq for SharedProvider {
    fn eq(&self, other: &Self) -> bool {
        // Compare the data pointers only: vtable pointers of one type may differ across
        // codegen units.
        std::ptr::eq(
            Arc::as_ptr(&self.0) as *const u8,
            Arc::as_ptr(&other.0) as *const u8,
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn debug_hides_the_password() {
        let creds = Credentials::new("alice", "hunter2");
        let text = format!("{creds:?}");
        assert!(!text.contains("hunter2"), "{text}");
        assert!(text.contains("alice"), "{text}");
        let provider = SharedProvider(Arc::new(move || Ok(creds.clone())));
        assert_eq!(format!("{provider:?}"), "CredentialsProvider");
    }

    #[test]
    fn a_provider_equals_only_itself() {
        let a = SharedProvider(Arc::new(|| Ok(Credentials::password_only("x"))));
        let b = SharedProvider(Arc::new(|| Ok(Credentials::password_only("x"))));
        assert_eq!(a, a.clone());
        assert_ne!(a, b);
    }

    #[test]
    fn closures_and_errors() {
        let failing = || -> Result<Credentials, CredentialsError> { Err("vault sealed".into()) };
        assert_eq!(
            failing.credentials().unwrap_err().to_string(),
            "vault sealed"
        );
    }
}
