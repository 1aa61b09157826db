//! Connections: opening a session for an [`Endpoint`] (plain TCP for now; TLS is a
//! later issue), checking that the schema exists, and a small lazy pool that the
//! source and the target share out to concurrent table copies.

use super::error::{self as pgerr, DIALECT};
use crate::{ConnectorError, Endpoint, Result};
use ferry_schema::{ident, Dialect};
use std::ops::{Deref, DerefMut};
use std::time::Duration;
use tokio::sync::{MappedMutexGuard, Mutex, MutexGuard, Semaphore, SemaphorePermit};
use tokio_postgres::{Client, Config, NoTls};

/// Opens one session as `application_name=ferry`. The connection task runs on
/// the current tokio runtime until the client is dropped.
pub(crate) async fn connect(endpoint: &Endpoint) -> Result<Client> {
    let mut config = Config::new();
    config
        .host(&endpoint.host)
        .port(endpoint.port)
        .user(&endpoint.user)
        .dbname(&endpoint.database)
        .application_name("ferry")
        .connect_timeout(Duration::from_secs(15));
    if let Some(password) = &endpoint.password {
        config.password(password);
    }
    let (client, connection) = config
        .connect(NoTls)
        .await
        .map_err(|e| pgerr::connect(endpoint, &e))?;
    tokio::spawn(async move {
        // Errors after connect surface on the client's next call; nothing to do here.
        let _ = connection.await;
    });
    Ok(client)
}

/// Whether `schema` exists; when it does not, the error lists the schemas that do.
pub(crate) async fn check_schema(client: &Client, endpoint: &Endpoint) -> Result<()> {
    let schema = endpoint.namespace();
    let names: Vec<String> = client
        .query(include_str!("sql/schema_names.sql"), &[])
        .await
        .map_err(|e| pgerr::server(format!("listing the schemas of {endpoint}"), &e))?
        .iter()
        .filter_map(|row| row.try_get::<_, String>(0).ok())
        .collect();
    if names.iter().any(|n| n == schema) {
        return Ok(());
    }
    Err(ConnectorError::NotFound {
        what: "schema",
        name: schema.to_string(),
        endpoint: format!("{}/{}", endpoint.location(), endpoint.database),
        hint: if names.is_empty() {
            String::new()
        } else {
            format!(" (?schema=); the schemas there are: {}", names.join(", "))
        },
    })
}

/// Creates the target schema when it is missing: a user naming `?schema=staging`
/// on a fresh database expects ferry to put the tables there.
pub(crate) async fn ensure_schema(client: &Client, endpoint: &Endpoint) -> Result<()> {
    if check_schema(client, endpoint).await.is_ok() {
        return Ok(());
    }
    let schema = endpoint.namespace();
    let sql = format!(
        "CREATE SCHEMA IF NOT EXISTS {}",
        ident::quote(Dialect::Postgres, schema)
    );
    client.batch_execute(&sql).await.map_err(|e| {
        pgerr::server(
            format!("creating the target schema {schema:?} on {endpoint}"),
            &e,
        )
    })
}

/// Up to `size` sessions, opened on demand and reused. A slot whose session
/// closed (server restart, fatal error) reconnects on its next use.
pub(crate) struct Pool {
    endpoint: Endpoint,
    slots: Vec<Mutex<Option<Client>>>,
    permits: Semaphore,
}

impl Pool {
    /// A pool holding `first` (already connected) with room for `size` sessions.
    pub(crate) fn new(endpoint: &Endpoint, first: Client, size: usize) -> Pool {
        let mut slots = Vec::with_capacity(size.max(1));
        slots.push(Mutex::new(Some(first)));
        slots.resize_with(size.max(1), || Mutex::new(None));
        Pool {
            endpoint: endpoint.clone(),
            permits: Semaphore::new(slots.len()),
            slots,
        }
    }

    /// The endpoint sessions connect to.
    pub(crate) fn endpoint(&self) -> &Endpoint {
        &self.endpoint
    }

    /// Waits for a free slot, then reuses its session or opens a new one.
    pub(crate) async fn get(&self) -> Result<Pooled<'_>> {
        let busy = || ConnectorError::Server {
            dialect: DIALECT,
            context: format!("taking a session for {}", self.endpoint),
            detail: "no free session in the connection pool".to_string(),
            code: None,
        };
        let permit = self.permits.acquire().await.map_err(|_| busy())?;
        // Invariant: as many permits as slots, so holding a permit means a slot is free.
        for slot in &self.slots {
            let Ok(mut guard) = slot.try_lock() else {
                continue;
            };
            if guard.as_ref().is_none_or(Client::is_closed) {
                *guard = Some(connect(&self.endpoint).await?);
            }
            if let Ok(client) = MutexGuard::try_map(guard, Option::as_mut) {
                return Ok(Pooled {
                    client,
                    _permit: permit,
                });
            }
        }
        Err(busy())
    }
}

/// A session borrowed from a [`Pool`]; goes back to its slot when dropped.
pub(crate) struct Pooled<'a> {
    // Declared first so the session is released before the permit.
    client: MappedMutexGuard<'a, Client>,
    _permit: SemaphorePermit<'a>,
}

impl Deref for Pooled<'_> {
    type Target = Client;
    fn deref(&self) -> &Client {
        &self.client
    }
}

impl DerefMut for Pooled<'_> {
    fn deref_mut(&mut self) -> &mut Client {
        &mut self.client
    }
}
