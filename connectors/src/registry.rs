//! Opens the connector for an endpoint's dialect: the one place that lists them.

use crate::{ConnectorError, Endpoint, Result, Source, Target};
use ferry_schema::Dialect;

fn not_built(endpoint: &Endpoint) -> ConnectorError {
    ConnectorError::BadUrl {
        url: endpoint.to_string(),
        reason: format!(
            "this ferry was built without the {} connector (cargo feature)",
            endpoint.dialect
        ),
    }
}

/// Connects to `endpoint` as a source.
pub async fn open_source(endpoint: &Endpoint) -> Result<Box<dyn Source>> {
    match endpoint.dialect {
        #[cfg(feature = "postgres")]
        Dialect::Postgres => Ok(Box::new(
            crate::postgres::PgSource::connect(endpoint).await?,
        )),
        #[cfg(feature = "mysql")]
        Dialect::MySql => Ok(Box::new(
            crate::mysql::MySqlSource::connect(endpoint).await?,
        )),
        #[cfg(feature = "sqlite")]
        Dialect::Sqlite => Ok(Box::new(crate::sqlite::SqliteSource::open(endpoint)?)),
        #[allow(unreachable_patterns)]
        _ => Err(not_built(endpoint)),
    }
}

/// Connects to `endpoint` as a target. `jobs` is how many tables may load at once
/// (connectors size their connection pools by it).
pub async fn open_target(endpoint: &Endpoint, jobs: usize) -> Result<Box<dyn Target>> {
    match endpoint.dialect {
        #[cfg(feature = "postgres")]
        Dialect::Postgres => Ok(Box::new(
            crate::postgres::PgTarget::connect(endpoint, jobs).await?,
        )),
        #[cfg(feature = "mysql")]
        Dialect::MySql => Ok(Box::new(
            crate::mysql::MySqlTarget::connect(endpoint, jobs).await?,
        )),
        #[cfg(feature = "sqlite")]
        Dialect::Sqlite => Ok(Box::new(crate::sqlite::SqliteTarget::open(endpoint)?)),
        #[allow(unreachable_patterns)]
        _ => Err(not_built(endpoint)),
    }
}
