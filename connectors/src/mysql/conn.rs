//! Connection pools: built from an [`Endpoint`] field by field (never from a URL
//! string holding the password), with the session settings every reader and
//! writer relies on applied to each new connection.

use super::error::connect_error;
use crate::{Endpoint, Result};
use mysql_async::prelude::Queryable;
use mysql_async::{OptsBuilder, Pool, PoolConstraints, PoolOpts};

/// Session settings run on every pooled connection (and by the direct reader, `wire`):
/// - `time_zone='+00:00'`: TIMESTAMP values are read and written as UTC instants
///   (the value convention for `Timestamp{tz}`);
/// - strict `sql_mode` so a bad value is an error, not a silent truncation, and
///   `NO_AUTO_VALUE_ON_ZERO` so a copied AUTO_INCREMENT value 0 stays 0;
///   no `NO_BACKSLASH_ESCAPES`, because the INSERT fallback escapes with `\`;
/// - `NAMES utf8mb4`: text arrives and leaves as UTF-8 whatever the column charset.
pub(crate) const SESSION_SETUP: &str = "SET time_zone='+00:00', \
     sql_mode='STRICT_ALL_TABLES,NO_ZERO_IN_DATE,NO_ZERO_DATE,ERROR_FOR_DIVISION_BY_ZERO,NO_ENGINE_SUBSTITUTION,NO_AUTO_VALUE_ON_ZERO', \
     NAMES utf8mb4";

/// Which server family answers: catalogs differ (MariaDB has no
/// `STATISTICS.EXPRESSION`, keeps JSON as LONGTEXT + CHECK, quotes defaults).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Flavor {
    /// MariaDB (any version ferry supports).
    MariaDb,
    /// Oracle MySQL 8 or later.
    MySql,
}

/// Opens a pool of at most `max_conns` connections and checks that one connects,
/// so a wrong host, password or database is reported at once, by name.
pub(crate) async fn open_pool(endpoint: &Endpoint, max_conns: usize) -> Result<(Pool, Flavor)> {
    let max = max_conns.max(1);
    let constraints = PoolConstraints::new(0, max).unwrap_or_default();
    let opts = OptsBuilder::default()
        .ip_or_hostname(endpoint.host.clone())
        .tcp_port(endpoint.port)
        .user(Some(endpoint.user.clone()))
        .pass(endpoint.password.clone())
        .db_name(Some(endpoint.database.clone()))
        .setup(vec![SESSION_SETUP])
        .pool_opts(PoolOpts::default().with_constraints(constraints));
    let pool = Pool::new(opts);
    let mut conn = pool
        .get_conn()
        .await
        .map_err(|e| connect_error(endpoint, e))?;
    let version: Option<String> = conn
        .query_first("SELECT VERSION()")
        .await
        .map_err(|e| connect_error(endpoint, e))?;
    let flavor = match version {
        Some(v) if v.contains("MariaDB") => Flavor::MariaDb,
        _ => Flavor::MySql,
    };
    drop(conn);
    Ok((pool, flavor))
}
