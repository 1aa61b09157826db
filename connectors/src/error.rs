//! The connectors' error type. Each variant names the object involved and says
//! what the user can do; none ever carries a password.

use thiserror::Error;

/// What the engine should do about an error, without knowing the driver.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ErrorKind {
    /// Network or server availability; may succeed if retried.
    Transient,
    /// Wrong credentials, unknown database, bad URL: the user must change something.
    Config,
    /// A type or feature ferry does not support.
    Unsupported,
    /// A value that cannot be converted or stored.
    Data,
    /// A constraint the target refused (duplicate key, orphan rows).
    Constraint,
    /// Anything else the server reported.
    Server,
}

/// An error from a connector.
#[derive(Debug, Error)]
#[non_exhaustive]
pub enum ConnectorError {
    /// The URL could not be understood.
    #[error("the connection URL {url} is not valid: {reason}. Expected e.g. postgres://user@host:5432/db?schema=public, mysql://user@host:3306/db or sqlite:///path/file.db")]
    BadUrl {
        /// The URL with any password masked.
        url: String,
        /// What is wrong with it.
        reason: String,
    },
    /// The server could not be reached.
    #[error("cannot reach the {dialect} server at {endpoint}: {detail}. Check the host and port, that the server is running, and that a firewall lets you in.")]
    Unreachable {
        /// Dialect name.
        dialect: &'static str,
        /// host:port
        endpoint: String,
        /// Driver message.
        detail: String,
    },
    /// The server refused the credentials.
    #[error("the {dialect} server at {endpoint} refused user {user:?}: {detail}. Check the user name and password (set the password in the URL or in {password_env}).")]
    Auth {
        /// Dialect name.
        dialect: &'static str,
        /// host:port
        endpoint: String,
        /// User name.
        user: String,
        /// Environment variable the password can come from.
        password_env: &'static str,
        /// Driver message (scrubbed of secrets).
        detail: String,
    },
    /// The database, schema or file does not exist.
    #[error("{what} {name:?} does not exist on {endpoint}. Check the name in the URL{hint}.")]
    NotFound {
        /// `database`, `schema`, `file`, `table`.
        what: &'static str,
        /// Its name.
        name: String,
        /// Where it was looked for.
        endpoint: String,
        /// Extra advice, starting with a comma or semicolon, or empty.
        hint: String,
    },
    /// A column type the connector cannot read or write.
    #[error("column {table}.{column} has type {type_name}, which the {dialect} connector does not support yet. Exclude it with --exclude or a column override in the config file.")]
    UnsupportedType {
        /// Dialect name.
        dialect: &'static str,
        /// Table name.
        table: String,
        /// Column name.
        column: String,
        /// The type as spelled by the catalog or as an Arrow type.
        type_name: String,
    },
    /// A value that could not be decoded, converted or encoded.
    #[error("table {table}, column {column}: {detail}")]
    Data {
        /// Table name.
        table: String,
        /// Column name.
        column: String,
        /// What is wrong with the value (and which row, when known).
        detail: String,
    },
    /// A statement failed on the server.
    #[error("{dialect} error while {context}: {detail}")]
    Server {
        /// Dialect name.
        dialect: &'static str,
        /// What ferry was doing, naming the object.
        context: String,
        /// The server's message.
        detail: String,
        /// SQLSTATE or server error code, when known.
        code: Option<String>,
    },
    /// The batch channel closed early because another stage failed.
    #[error("the copy of {table} was cancelled because another stage stopped")]
    Cancelled {
        /// Table name.
        table: String,
    },
    /// A file of ferry's own on this machine (a spool of long values)
    /// could not be written or read.
    #[error("{context}: {detail}")]
    LocalFile {
        /// What ferry was doing, naming the table and the directory.
        context: String,
        /// The system's message and what to change.
        detail: String,
    },
}

impl ConnectorError {
    /// How the engine should treat this error.
    pub fn kind(&self) -> ErrorKind {
        match self {
            ConnectorError::BadUrl { .. }
            | ConnectorError::Auth { .. }
            | ConnectorError::NotFound { .. }
            | ConnectorError::LocalFile { .. } => ErrorKind::Config,
            ConnectorError::Unreachable { .. } => ErrorKind::Transient,
            ConnectorError::UnsupportedType { .. } => ErrorKind::Unsupported,
            ConnectorError::Data { .. } => ErrorKind::Data,
            ConnectorError::Server { code, .. } => match code.as_deref() {
                // PostgreSQL integrity-constraint class 23, MySQL duplicate key / FK errors.
                Some(c) if c.starts_with("23") || c == "1062" || c == "1452" => {
                    ErrorKind::Constraint
                }
                _ => ErrorKind::Server,
            },
            ConnectorError::Cancelled { .. } => ErrorKind::Transient,
        }
    }
}

/// Result alias for connector operations.
pub type Result<T, E = ConnectorError> = std::result::Result<T, E>;
