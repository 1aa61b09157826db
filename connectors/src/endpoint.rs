//! Connection URLs: parsing `postgres://`, `mysql://` and `sqlite://` URLs into an
//! [`Endpoint`], with the password kept out of every printed form.

use crate::{ConnectorError, Result};
use ferry_schema::Dialect;
use std::fmt;

/// Where to connect, parsed from a URL.
#[derive(Clone, PartialEq, Eq)]
pub struct Endpoint {
    /// Which connector handles it.
    pub dialect: Dialect,
    /// Host name or address (empty for SQLite).
    pub host: String,
    /// TCP port.
    pub port: u16,
    /// User name.
    pub user: String,
    /// Password, if given in the URL or the environment. Never printed.
    pub password: Option<String>,
    /// Database name (PostgreSQL, MySQL) or file path (SQLite).
    pub database: String,
    /// PostgreSQL schema (`?schema=`), default `public`.
    pub schema: Option<String>,
}

impl Endpoint {
    /// `host:port` (or the file path) for messages.
    pub fn location(&self) -> String {
        match self.dialect {
            Dialect::Sqlite => self.database.clone(),
            _ => format!("{}:{}", self.host, self.port),
        }
    }

    /// Environment variable consulted for the password when the URL has none.
    pub fn password_env(dialect: Dialect) -> &'static str {
        match dialect {
            Dialect::Postgres => "PGPASSWORD",
            Dialect::MySql => "MYSQL_PWD",
            Dialect::Sqlite => "",
        }
    }

    /// The namespace tables live in: the PostgreSQL schema, the MySQL database, or `main`.
    pub fn namespace(&self) -> &str {
        match self.dialect {
            Dialect::Postgres => self.schema.as_deref().unwrap_or("public"),
            Dialect::MySql => &self.database,
            Dialect::Sqlite => "main",
        }
    }

    /// Parses a connection URL. A password absent from the URL is taken from
    /// `PGPASSWORD` / `MYSQL_PWD` when set.
    pub fn parse(url: &str) -> Result<Endpoint> {
        let bad = |reason: &str| ConnectorError::BadUrl {
            url: mask_password(url),
            reason: reason.to_string(),
        };
        let (scheme, rest) = url
            .split_once("://")
            .ok_or_else(|| bad("it has no scheme://"))?;
        let dialect = match scheme.to_ascii_lowercase().as_str() {
            "postgres" | "postgresql" | "pg" => Dialect::Postgres,
            "mysql" | "mariadb" => Dialect::MySql,
            "sqlite" | "sqlite3" => Dialect::Sqlite,
            other => {
                return Err(bad(&format!(
                    "the scheme {other:?} is not one of postgres, mysql, sqlite"
                )))
            }
        };
        if dialect == Dialect::Sqlite {
            let path = percent_decode(rest.split('?').next().unwrap_or(""));
            if path.is_empty() {
                return Err(bad(
                    "it names no file (use sqlite:///absolute/path.db or sqlite://relative.db)",
                ));
            }
            return Ok(Endpoint {
                dialect,
                host: String::new(),
                port: 0,
                user: String::new(),
                password: None,
                database: path,
                schema: None,
            });
        }
        let (before_query, query) = match rest.split_once('?') {
            Some((a, q)) => (a, Some(q)),
            None => (rest, None),
        };
        let (authority, path) = match before_query.split_once('/') {
            Some((a, p)) => (a, p),
            None => (before_query, ""),
        };
        let (userinfo, hostport) = match authority.rsplit_once('@') {
            Some((u, h)) => (Some(u), h),
            None => (None, authority),
        };
        let (user, password) = match userinfo {
            Some(u) => match u.split_once(':') {
                Some((name, pw)) => (percent_decode(name), Some(percent_decode(pw))),
                None => (percent_decode(u), None),
            },
            None => (String::new(), None),
        };
        let default_port = if dialect == Dialect::Postgres {
            5432
        } else {
            3306
        };
        let (host, port) = if let Some(stripped) = hostport.strip_prefix('[') {
            // IPv6 literal: [::1]:5432
            let (h, p) = stripped
                .split_once(']')
                .ok_or_else(|| bad("unclosed [ in host"))?;
            (h.to_string(), p.strip_prefix(':').unwrap_or(""))
        } else {
            match hostport.rsplit_once(':') {
                Some((h, p)) => (h.to_string(), p),
                None => (hostport.to_string(), ""),
            }
        };
        let port = if port.is_empty() {
            default_port
        } else {
            port.parse::<u16>()
                .map_err(|_| bad(&format!("the port {port:?} is not a number")))?
        };
        let host = if host.is_empty() {
            "127.0.0.1".to_string()
        } else {
            host
        };
        let database = percent_decode(path);
        if database.is_empty() {
            return Err(bad("it names no database (add /dbname after the host)"));
        }
        let mut schema = None;
        for pair in query.unwrap_or("").split('&').filter(|p| !p.is_empty()) {
            let (k, v) = pair.split_once('=').unwrap_or((pair, ""));
            match k {
                "schema" | "currentSchema" => schema = Some(percent_decode(v)),
                // Unknown parameters are refused rather than ignored: a typo in
                // `schema=` must not silently migrate `public`.
                other => {
                    return Err(bad(&format!(
                        "unknown parameter {other:?}; ferry understands schema="
                    )))
                }
            }
        }
        if dialect == Dialect::MySql && schema.is_some() {
            return Err(bad(
                "MySQL has no schemas inside a database: put the database name in the path",
            ));
        }
        let user = if user.is_empty() {
            if dialect == Dialect::Postgres {
                "postgres".to_string()
            } else {
                "root".to_string()
            }
        } else {
            user
        };
        let password = password.or_else(|| std::env::var(Self::password_env(dialect)).ok());
        Ok(Endpoint {
            dialect,
            host,
            port,
            user,
            password,
            database,
            schema,
        })
    }
}

impl fmt::Display for Endpoint {
    /// The URL without its password.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.dialect {
            Dialect::Sqlite => write!(f, "sqlite://{}", self.database),
            d => {
                write!(
                    f,
                    "{}://{}@{}:{}/{}",
                    d.name(),
                    self.user,
                    self.host,
                    self.port,
                    self.database
                )?;
                if let Some(s) = &self.schema {
                    write!(f, "?schema={s}")?;
                }
                Ok(())
            }
        }
    }
}

impl fmt::Debug for Endpoint {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Endpoint({self})")
    }
}

/// `url` with the password part replaced by `***`, for messages.
pub fn mask_password(url: &str) -> String {
    mask_password_in_text(url)
}

/// `text` with the password of every `scheme://user:password@host` URL inside it
/// replaced by `***`: for messages that may quote a config line or a driver error.
pub fn mask_password_in_text(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(i) = rest.find("://") {
        let (head, tail) = rest.split_at(i + 3);
        out.push_str(head);
        // The authority ends at the first character that cannot be part of it.
        let end = tail
            .find(|c: char| c == '/' || c == '?' || c == '"' || c == '\'' || c.is_whitespace())
            .unwrap_or(tail.len());
        let authority = &tail[..end];
        match authority.rsplit_once('@') {
            Some((userinfo, host)) if userinfo.contains(':') => {
                let user = userinfo.split(':').next().unwrap_or("");
                out.push_str(user);
                out.push_str(":***@");
                out.push_str(host);
            }
            _ => out.push_str(authority),
        }
        rest = &tail[end..];
    }
    out.push_str(rest);
    out
}

fn percent_decode(s: &str) -> String {
    fn hex(b: u8) -> Option<u8> {
        match b {
            b'0'..=b'9' => Some(b - b'0'),
            b'a'..=b'f' => Some(b - b'a' + 10),
            b'A'..=b'F' => Some(b - b'A' + 10),
            _ => None,
        }
    }
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' && i + 2 < bytes.len() {
            if let (Some(h), Some(l)) = (hex(bytes[i + 1]), hex(bytes[i + 2])) {
                out.push(h * 16 + l);
                i += 3;
                continue;
            }
        }
        out.push(bytes[i]);
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests {
    use super::*;

    #[test]
    fn parses_each_scheme() {
        let pg =
            Endpoint::parse("postgres://u:p%40ss@db.example:6543/app?schema=tenant_1").unwrap();
        assert_eq!(pg.dialect, Dialect::Postgres);
        assert_eq!(
            (pg.host.as_str(), pg.port, pg.user.as_str()),
            ("db.example", 6543, "u")
        );
        assert_eq!(pg.password.as_deref(), Some("p@ss"));
        assert_eq!(pg.namespace(), "tenant_1");
        let my = Endpoint::parse("mysql://root@127.0.0.1/shop").unwrap();
        assert_eq!((my.port, my.namespace()), (3306, "shop"));
        let lite = Endpoint::parse("sqlite:///tmp/x.db").unwrap();
        assert_eq!(lite.database, "/tmp/x.db");
    }

    #[test]
    fn never_prints_the_password() {
        let e = Endpoint::parse("mysql://app:s3cret@h:3306/db").unwrap();
        assert!(!format!("{e} {e:?}").contains("s3cret"));
        assert_eq!(
            mask_password("mysql://app:s3cret@h:3306/db"),
            "mysql://app:***@h:3306/db"
        );
        assert_eq!(
            mask_password_in_text("source = \"pg://a:b@c/d\" and mysql://x:y@z"),
            "source = \"pg://a:***@c/d\" and mysql://x:***@z"
        );
        let err = Endpoint::parse("mysql://app:s3cret@h:notaport/db")
            .unwrap_err()
            .to_string();
        assert!(!err.contains("s3cret"), "{err}");
        assert!(err.contains("notaport"), "{err}");
    }

    #[test]
    fn refuses_unknown_parameters_and_missing_parts() {
        assert!(Endpoint::parse("postgres://h/db?shema=x").is_err());
        assert!(Endpoint::parse("postgres://h").is_err());
        assert!(Endpoint::parse("oracle://h/db").is_err());
        assert!(Endpoint::parse("no-scheme").is_err());
    }
}
