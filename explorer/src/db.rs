//! The index: one schema and one set of queries for SQLite (the default: one file, nothing to
//! run) and PostgreSQL (for operators who outgrow one machine), chosen by the database URL.
//!
//! Portability rules, so that both engines give the same answers: integers are `BIGINT`,
//! everything else `TEXT` (hashes as `0x…` hex, credit amounts as decimal strings of raw units,
//! because a `u128` fits neither engine's integers), no engine-specific functions, `$n`
//! placeholders (SQLite accepts them too).
//!
//! Every table that holds chain data has a `block` column, so that everything from a block on
//! can be removed in one statement per table ([`Db::truncate_from`]); a block is written with
//! its cursor in one transaction ([`Db::write_block`]), so a crash leaves either the whole block
//! or none of it.

use std::{str::FromStr, time::Duration};

use sqlx::{
	any::{AnyConnectOptions, AnyPoolOptions, AnyRow},
	AnyPool, Row,
};

use crate::model::{
	Balance, BlockRow, Divergence, EventRow, ExtrinsicRow, IndexedBlock, JobRow, JobStep, Movement,
	ProductionRow, ReceiptRow,
};

/// The schema version this build writes; a database with another one is refused.
pub const SCHEMA_VERSION: &str = "1";

/// What went wrong with the database.
#[derive(Debug, thiserror::Error)]
pub enum DbError {
	/// The URL is neither `sqlite:` nor `postgres://`.
	#[error("unsupported database URL {0:?}: use sqlite:PATH or postgres://USER@HOST/DB")]
	BadUrl(String),
	/// The database belongs to another chain.
	#[error(
		"the database {url} indexes the chain with genesis {stored}, but the node's genesis is \
		 {node}: use another database (a dev chain started again from genesis is a new chain)"
	)]
	OtherChain {
		/// The database URL (without password).
		url: String,
		/// The genesis hash in the database.
		stored: String,
		/// The node's genesis hash.
		node: String,
	},
	/// The database was written by another version of the explorer.
	#[error("the database has schema version {found}, this explorer writes version {SCHEMA_VERSION}: index into a new database")]
	Schema {
		/// The version found.
		found: String,
	},
	/// An SQL error.
	#[error("database: {0}")]
	Sql(#[from] sqlx::Error),
	/// A stored value does not parse.
	#[error("database value {what}: {value:?}")]
	Corrupt {
		/// The column.
		what: &'static str,
		/// The value.
		value: String,
	},
}

/// Which engine.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Engine {
	/// SQLite.
	Sqlite,
	/// PostgreSQL.
	Postgres,
}

/// The schema, statement by statement (portable SQL).
const SCHEMA: &[&str] = &[
	"CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL)",
	"CREATE TABLE IF NOT EXISTS blocks (number BIGINT PRIMARY KEY, hash TEXT NOT NULL, \
	 parent_hash TEXT NOT NULL, timestamp_ms BIGINT, spec_version BIGINT NOT NULL, \
	 extrinsics BIGINT NOT NULL, events BIGINT NOT NULL, author TEXT, slot BIGINT, \
	 authorities TEXT, issuance TEXT)",
	"CREATE TABLE IF NOT EXISTS divergences (block BIGINT NOT NULL, rule TEXT NOT NULL, \
	 detail TEXT NOT NULL)",
	"CREATE INDEX IF NOT EXISTS divergences_block ON divergences (block)",
	"CREATE INDEX IF NOT EXISTS blocks_author ON blocks (author, number)",
	"CREATE INDEX IF NOT EXISTS blocks_hash ON blocks (hash)",
	"CREATE TABLE IF NOT EXISTS extrinsics (block BIGINT NOT NULL, idx BIGINT NOT NULL, \
	 hash TEXT NOT NULL, signer TEXT, pallet TEXT NOT NULL, call TEXT NOT NULL, \
	 args TEXT NOT NULL, success BIGINT NOT NULL, error TEXT, error_doc TEXT, fee TEXT, \
	 PRIMARY KEY (block, idx))",
	"CREATE INDEX IF NOT EXISTS extrinsics_hash ON extrinsics (hash)",
	"CREATE INDEX IF NOT EXISTS extrinsics_signer ON extrinsics (signer, block)",
	"CREATE TABLE IF NOT EXISTS events (block BIGINT NOT NULL, idx BIGINT NOT NULL, \
	 extrinsic BIGINT, pallet TEXT NOT NULL, name TEXT NOT NULL, fields TEXT NOT NULL, \
	 PRIMARY KEY (block, idx))",
	"CREATE INDEX IF NOT EXISTS events_name ON events (pallet, name, block)",
	"CREATE TABLE IF NOT EXISTS movements (block BIGINT NOT NULL, event BIGINT NOT NULL, \
	 account TEXT NOT NULL, kind TEXT NOT NULL, amount TEXT NOT NULL, counterparty TEXT, \
	 detail TEXT, PRIMARY KEY (block, event, account))",
	"CREATE INDEX IF NOT EXISTS movements_account ON movements (account, block, event)",
	"CREATE TABLE IF NOT EXISTS balances (account TEXT NOT NULL, block BIGINT NOT NULL, \
	 spendable TEXT NOT NULL, held TEXT NOT NULL, PRIMARY KEY (account, block))",
	"CREATE INDEX IF NOT EXISTS balances_block ON balances (block)",
	"CREATE TABLE IF NOT EXISTS jobs (id BIGINT PRIMARY KEY, block BIGINT NOT NULL, \
	 consumer TEXT NOT NULL, model BIGINT NOT NULL, price TEXT NOT NULL)",
	"CREATE INDEX IF NOT EXISTS jobs_consumer ON jobs (consumer, id)",
	"CREATE INDEX IF NOT EXISTS jobs_block ON jobs (block)",
	"CREATE TABLE IF NOT EXISTS job_steps (job BIGINT NOT NULL, block BIGINT NOT NULL, \
	 event BIGINT NOT NULL, step TEXT NOT NULL, worker TEXT, detail TEXT NOT NULL, \
	 PRIMARY KEY (job, block, event))",
	"CREATE INDEX IF NOT EXISTS job_steps_worker ON job_steps (worker, block)",
	"CREATE INDEX IF NOT EXISTS job_steps_block ON job_steps (block)",
	"CREATE TABLE IF NOT EXISTS receipts (id BIGINT PRIMARY KEY, block BIGINT NOT NULL, \
	 event BIGINT NOT NULL, worker TEXT NOT NULL, job BIGINT, data TEXT NOT NULL)",
	"CREATE INDEX IF NOT EXISTS receipts_worker ON receipts (worker, id)",
	"CREATE INDEX IF NOT EXISTS receipts_job ON receipts (job)",
	"CREATE INDEX IF NOT EXISTS receipts_block ON receipts (block)",
];

/// The tables with a `block` column, which [`Db::truncate_from`] cuts.
const BLOCK_TABLES: &[(&str, &str)] = &[
	("blocks", "number"),
	("extrinsics", "block"),
	("events", "block"),
	("movements", "block"),
	("balances", "block"),
	("divergences", "block"),
	("jobs", "block"),
	("job_steps", "block"),
	("receipts", "block"),
];

/// A connection pool to the index.
#[derive(Clone)]
pub struct Db {
	pool: AnyPool,
	engine: Engine,
	url: String,
}

fn i64_of(n: u64) -> i64 {
	i64::try_from(n).unwrap_or(i64::MAX)
}

fn u64_of(n: i64) -> u64 {
	u64::try_from(n).unwrap_or_default()
}

impl Db {
	/// Opens (creating if needed) the database at `url` and applies the schema.
	///
	/// `sqlite:PATH` (the file is created; `sqlite::memory:` for tests) or
	/// `postgres://USER[:PASS]@HOST[:PORT]/DB`.
	pub async fn open(url: &str) -> Result<Self, DbError> {
		sqlx::any::install_default_drivers();
		let (engine, connect_url) = if let Some(path) = url.strip_prefix("sqlite:") {
			let sep = if path.contains('?') { '&' } else { '?' };
			let url = if path.contains("mode=") {
				url.to_string()
			} else {
				format!("{url}{sep}mode=rwc")
			};
			(Engine::Sqlite, url)
		} else if url.starts_with("postgres://") || url.starts_with("postgresql://") {
			(Engine::Postgres, url.to_string())
		} else {
			return Err(DbError::BadUrl(url.into()));
		};
		let options = AnyConnectOptions::from_str(&connect_url)?;
		let memory = connect_url.contains(":memory:");
		let pool = AnyPoolOptions::new()
			// An in-memory SQLite database exists once per connection.
			.max_connections(if memory { 1 } else { 8 })
			.acquire_timeout(Duration::from_secs(30))
			.after_connect(move |conn, _| {
				Box::pin(async move {
					if engine == Engine::Sqlite {
						use sqlx::Executor;
						conn.execute("PRAGMA synchronous = NORMAL").await?;
						conn.execute("PRAGMA busy_timeout = 10000").await?;
					}
					Ok(())
				})
			})
			.connect_with(options)
			.await?;
		if engine == Engine::Sqlite && !memory {
			// Readers never block the writer (persistent for the file).
			sqlx::query("PRAGMA journal_mode = WAL").execute(&pool).await?;
		}
		for statement in SCHEMA {
			sqlx::query(statement).execute(&pool).await?;
		}
		let db = Self { pool, engine, url: redact(url) };
		match db.meta("schema").await? {
			None => db.set_meta("schema", SCHEMA_VERSION).await?,
			Some(v) if v == SCHEMA_VERSION => {}
			Some(found) => return Err(DbError::Schema { found }),
		}
		Ok(db)
	}

	/// The engine.
	pub fn engine(&self) -> Engine {
		self.engine
	}

	/// The URL without its password.
	pub fn url(&self) -> &str {
		&self.url
	}

	/// The pool (for tests and benchmarks).
	pub fn pool(&self) -> &AnyPool {
		&self.pool
	}

	async fn meta(&self, key: &str) -> Result<Option<String>, DbError> {
		let row = sqlx::query("SELECT value FROM meta WHERE key = $1")
			.bind(key)
			.fetch_optional(&self.pool)
			.await?;
		Ok(row.map(|r| r.try_get::<String, _>(0)).transpose()?)
	}

	async fn set_meta(&self, key: &str, value: &str) -> Result<(), DbError> {
		sqlx::query(
			"INSERT INTO meta (key, value) VALUES ($1, $2) \
			 ON CONFLICT (key) DO UPDATE SET value = excluded.value",
		)
		.bind(key)
		.bind(value)
		.execute(&self.pool)
		.await?;
		Ok(())
	}

	/// Binds the database to the chain with `genesis` (`0x…`), or checks that it is bound to it.
	pub async fn bind_chain(&self, genesis: &str) -> Result<(), DbError> {
		match self.meta("genesis").await? {
			None => self.set_meta("genesis", genesis).await,
			Some(stored) if stored == genesis => Ok(()),
			Some(stored) => {
				Err(DbError::OtherChain { url: self.url.clone(), stored, node: genesis.into() })
			}
		}
	}

	/// The genesis hash the database is bound to.
	pub async fn genesis(&self) -> Result<Option<String>, DbError> {
		self.meta("genesis").await
	}

	/// The highest block such that it and every block below it are indexed.
	pub async fn cursor(&self) -> Result<Option<u64>, DbError> {
		match self.meta("cursor").await? {
			None => Ok(None),
			Some(v) => {
				v.parse().map(Some).map_err(|_| DbError::Corrupt { what: "cursor", value: v })
			}
		}
	}

	/// The first block missing below the cursor (a gap), if any.
	pub async fn first_gap(&self, cursor: u64) -> Result<Option<u64>, DbError> {
		let count: i64 = sqlx::query("SELECT COUNT(*) FROM blocks WHERE number <= $1")
			.bind(i64_of(cursor))
			.fetch_one(&self.pool)
			.await?
			.try_get(0)?;
		if u64_of(count) == cursor.saturating_add(1) {
			return Ok(None);
		}
		// Walk the numbers in order; the first that differs from its position is the gap.
		let rows = sqlx::query("SELECT number FROM blocks WHERE number <= $1 ORDER BY number")
			.bind(i64_of(cursor))
			.fetch_all(&self.pool)
			.await?;
		for (expected, row) in rows.iter().enumerate() {
			let n: i64 = row.try_get(0)?;
			if u64_of(n) != expected as u64 {
				return Ok(Some(expected as u64));
			}
		}
		Ok(Some(rows.len() as u64))
	}

	/// The stored hash of block `n`.
	pub async fn block_hash(&self, n: u64) -> Result<Option<String>, DbError> {
		let row = sqlx::query("SELECT hash FROM blocks WHERE number = $1")
			.bind(i64_of(n))
			.fetch_optional(&self.pool)
			.await?;
		Ok(row.map(|r| r.try_get::<String, _>(0)).transpose()?)
	}

	/// Removes every block from `n` on (and all that came from them) and sets the cursor
	/// below `n`, in one transaction.
	pub async fn truncate_from(&self, n: u64) -> Result<(), DbError> {
		let mut tx = self.pool.begin().await?;
		for (table, column) in BLOCK_TABLES {
			sqlx::query(&format!("DELETE FROM {table} WHERE {column} >= $1"))
				.bind(i64_of(n))
				.execute(&mut *tx)
				.await?;
		}
		match n.checked_sub(1) {
			Some(below) => {
				sqlx::query(
					"INSERT INTO meta (key, value) VALUES ('cursor', $1) \
					 ON CONFLICT (key) DO UPDATE SET value = excluded.value",
				)
				.bind(below.to_string())
				.execute(&mut *tx)
				.await?;
			}
			None => {
				sqlx::query("DELETE FROM meta WHERE key = 'cursor'").execute(&mut *tx).await?;
			}
		}
		tx.commit().await?;
		Ok(())
	}

	/// Writes one block and everything derived from it, and moves the cursor to it, in one
	/// transaction.
	pub async fn write_block(&self, b: &IndexedBlock) -> Result<(), DbError> {
		let mut tx = self.pool.begin().await?;
		let block = i64_of(b.block.number);
		sqlx::query(
			"INSERT INTO blocks (number, hash, parent_hash, timestamp_ms, spec_version, \
			 extrinsics, events, author, slot, authorities, issuance) \
			 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)",
		)
		.bind(block)
		.bind(&b.block.hash)
		.bind(&b.block.parent_hash)
		.bind(b.block.timestamp_ms.map(i64_of))
		.bind(i64::from(b.block.spec_version))
		.bind(i64_of(b.block.extrinsics))
		.bind(i64_of(b.block.events))
		.bind(&b.block.author)
		.bind(b.block.slot.map(i64_of))
		.bind(b.authorities.as_ref().map(|a| serde_json::json!(a).to_string()))
		.bind(b.derived_issuance.map(|i| i.to_string()))
		.execute(&mut *tx)
		.await?;
		for d in &b.divergences {
			sqlx::query("INSERT INTO divergences (block, rule, detail) VALUES ($1, $2, $3)")
				.bind(block)
				.bind(&d.rule)
				.bind(&d.detail)
				.execute(&mut *tx)
				.await?;
		}
		for x in &b.extrinsics {
			sqlx::query(
				"INSERT INTO extrinsics (block, idx, hash, signer, pallet, call, args, success, \
				 error, error_doc, fee) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)",
			)
			.bind(block)
			.bind(i64::from(x.index))
			.bind(&x.hash)
			.bind(&x.signer)
			.bind(&x.pallet)
			.bind(&x.call)
			.bind(x.args.to_string())
			.bind(i64::from(x.success))
			.bind(&x.error)
			.bind(&x.error_doc)
			.bind(x.fee.map(|f| f.to_string()))
			.execute(&mut *tx)
			.await?;
		}
		for e in &b.events {
			sqlx::query(
				"INSERT INTO events (block, idx, extrinsic, pallet, name, fields) \
				 VALUES ($1, $2, $3, $4, $5, $6)",
			)
			.bind(block)
			.bind(i64::from(e.index))
			.bind(e.extrinsic.map(i64::from))
			.bind(&e.pallet)
			.bind(&e.name)
			.bind(e.fields.to_string())
			.execute(&mut *tx)
			.await?;
		}
		for m in &b.movements {
			sqlx::query(
				"INSERT INTO movements (block, event, account, kind, amount, counterparty, detail) \
				 VALUES ($1, $2, $3, $4, $5, $6, $7)",
			)
			.bind(block)
			.bind(i64::from(m.event))
			.bind(&m.account)
			.bind(m.kind.as_str())
			.bind(m.amount.to_string())
			.bind(&m.counterparty)
			.bind(&m.detail)
			.execute(&mut *tx)
			.await?;
		}
		for bal in &b.balances {
			sqlx::query(
				"INSERT INTO balances (account, block, spendable, held) VALUES ($1, $2, $3, $4)",
			)
			.bind(&bal.account)
			.bind(block)
			.bind(bal.spendable.to_string())
			.bind(bal.held.to_string())
			.execute(&mut *tx)
			.await?;
		}
		for j in &b.jobs {
			sqlx::query(
				"INSERT INTO jobs (id, block, consumer, model, price) VALUES ($1, $2, $3, $4, $5)",
			)
			.bind(i64_of(j.id))
			.bind(block)
			.bind(&j.consumer)
			.bind(i64::from(j.model))
			.bind(j.price.to_string())
			.execute(&mut *tx)
			.await?;
		}
		for s in &b.steps {
			sqlx::query(
				"INSERT INTO job_steps (job, block, event, step, worker, detail) \
				 VALUES ($1, $2, $3, $4, $5, $6)",
			)
			.bind(i64_of(s.job))
			.bind(block)
			.bind(i64::from(s.event))
			.bind(&s.step)
			.bind(&s.worker)
			.bind(s.detail.to_string())
			.execute(&mut *tx)
			.await?;
		}
		for r in &b.receipts {
			sqlx::query(
				"INSERT INTO receipts (id, block, event, worker, job, data) \
				 VALUES ($1, $2, $3, $4, $5, $6)",
			)
			.bind(i64_of(r.id))
			.bind(block)
			.bind(i64::from(r.event))
			.bind(&r.worker)
			.bind(r.job.map(i64_of))
			.bind(r.data.to_string())
			.execute(&mut *tx)
			.await?;
		}
		sqlx::query(
			"INSERT INTO meta (key, value) VALUES ('cursor', $1) \
			 ON CONFLICT (key) DO UPDATE SET value = excluded.value",
		)
		.bind(b.block.number.to_string())
		.execute(&mut *tx)
		.await?;
		tx.commit().await?;
		Ok(())
	}

	// ---- reads for the pages and the API ----

	/// The authority set in force below block `n` (the latest stored before it).
	pub async fn authorities_before(&self, n: u64) -> Result<Option<Vec<(String, u64)>>, DbError> {
		let row = sqlx::query(
			"SELECT authorities FROM blocks WHERE number < $1 AND authorities IS NOT NULL \
			 ORDER BY number DESC LIMIT 1",
		)
		.bind(i64_of(n))
		.fetch_optional(&self.pool)
		.await?;
		row.map(|r| {
			let text: String = r.try_get(0)?;
			serde_json::from_str(&text)
				.map_err(|_| DbError::Corrupt { what: "authorities", value: text })
		})
		.transpose()
	}

	/// Blocks from `from` on, for block production: (number, author, slot, the authority set if
	/// it changed at that block).
	pub async fn production(&self, from: u64) -> Result<Vec<ProductionRow>, DbError> {
		let rows = sqlx::query(
			"SELECT number, author, slot, authorities FROM blocks WHERE number >= $1 ORDER BY number",
		)
		.bind(i64_of(from))
		.fetch_all(&self.pool)
		.await?;
		rows.iter()
			.map(|r| {
				let set: Option<String> = r.try_get(3)?;
				Ok(ProductionRow {
					number: u64_of(r.try_get(0)?),
					author: r.try_get(1)?,
					slot: r.try_get::<Option<i64>, _>(2)?.map(u64_of),
					authorities: set
						.map(|t| {
							serde_json::from_str(&t)
								.map_err(|_| DbError::Corrupt { what: "authorities", value: t })
						})
						.transpose()?,
				})
			})
			.collect()
	}

	/// Events `pallet.name` (any name if `names` is empty), newest first, at most `limit`.
	pub async fn events_named(
		&self,
		pallet: &str,
		names: &[&str],
		limit: u32,
	) -> Result<Vec<EventRow>, DbError> {
		let mut rows = Vec::new();
		let names: Vec<&str> = if names.is_empty() { vec![""] } else { names.to_vec() };
		for name in names {
			let sql = if name.is_empty() {
				format!("SELECT {} FROM events WHERE pallet = $1 ORDER BY block DESC, idx DESC LIMIT $2", Self::EVENT_COLUMNS)
			} else {
				format!(
					"SELECT {} FROM events WHERE pallet = $1 AND name = $2 ORDER BY block DESC, idx DESC LIMIT $3",
					Self::EVENT_COLUMNS
				)
			};
			let mut q = sqlx::query(&sql).bind(pallet.to_string());
			if !name.is_empty() {
				q = q.bind(name.to_string());
			}
			let q = q.bind(i64::from(limit));
			for r in q.fetch_all(&self.pool).await? {
				rows.push(event_row(&r)?);
			}
		}
		rows.sort_by_key(|e| std::cmp::Reverse((e.block, e.index)));
		rows.truncate(limit as usize);
		Ok(rows)
	}

	/// Events of `pallets` whose fields name `account` (SS58), newest first.
	pub async fn events_naming(
		&self,
		account: &str,
		pallets: &[&str],
		limit: u32,
	) -> Result<Vec<EventRow>, DbError> {
		let mut rows = Vec::new();
		for pallet in pallets {
			let sql = format!(
				"SELECT {} FROM events WHERE pallet = $1 AND fields LIKE $2 ORDER BY block DESC, idx DESC LIMIT $3",
				Self::EVENT_COLUMNS
			);
			let q = sqlx::query(&sql)
				.bind(pallet.to_string())
				.bind(format!("%\"{account}\"%"))
				.bind(i64::from(limit));
			for r in q.fetch_all(&self.pool).await? {
				rows.push(event_row(&r)?);
			}
		}
		rows.sort_by_key(|e| std::cmp::Reverse((e.block, e.index)));
		rows.truncate(limit as usize);
		Ok(rows)
	}

	const EVENT_COLUMNS: &'static str = "block, idx, extrinsic, pallet, name, fields";

	const BLOCK_COLUMNS: &'static str =
		"number, hash, parent_hash, timestamp_ms, spec_version, extrinsics, events, author, slot";

	/// The latest `limit` blocks, newest first.
	pub async fn latest_blocks(&self, limit: u32) -> Result<Vec<BlockRow>, DbError> {
		let rows = sqlx::query(&format!(
			"SELECT {} FROM blocks ORDER BY number DESC LIMIT $1",
			Self::BLOCK_COLUMNS
		))
		.bind(i64::from(limit))
		.fetch_all(&self.pool)
		.await?;
		rows.iter().map(block_row).collect()
	}

	/// Block `n`.
	pub async fn block(&self, n: u64) -> Result<Option<BlockRow>, DbError> {
		let row =
			sqlx::query(&format!("SELECT {} FROM blocks WHERE number = $1", Self::BLOCK_COLUMNS))
				.bind(i64_of(n))
				.fetch_optional(&self.pool)
				.await?;
		row.as_ref().map(block_row).transpose()
	}

	/// The block with `hash` (`0x…`, lower case).
	pub async fn block_by_hash(&self, hash: &str) -> Result<Option<BlockRow>, DbError> {
		let row =
			sqlx::query(&format!("SELECT {} FROM blocks WHERE hash = $1", Self::BLOCK_COLUMNS))
				.bind(hash)
				.fetch_optional(&self.pool)
				.await?;
		row.as_ref().map(block_row).transpose()
	}

	const EXTRINSIC_COLUMNS: &'static str =
		"block, idx, hash, signer, pallet, call, args, success, error, error_doc, fee";

	/// The extrinsics of block `n`.
	pub async fn extrinsics_of(&self, n: u64) -> Result<Vec<ExtrinsicRow>, DbError> {
		let rows = sqlx::query(&format!(
			"SELECT {} FROM extrinsics WHERE block = $1 ORDER BY idx",
			Self::EXTRINSIC_COLUMNS
		))
		.bind(i64_of(n))
		.fetch_all(&self.pool)
		.await?;
		rows.iter().map(extrinsic_row).collect()
	}

	/// Extrinsic `index` of block `n`.
	pub async fn extrinsic(&self, n: u64, index: u32) -> Result<Option<ExtrinsicRow>, DbError> {
		let row = sqlx::query(&format!(
			"SELECT {} FROM extrinsics WHERE block = $1 AND idx = $2",
			Self::EXTRINSIC_COLUMNS
		))
		.bind(i64_of(n))
		.bind(i64::from(index))
		.fetch_optional(&self.pool)
		.await?;
		row.as_ref().map(extrinsic_row).transpose()
	}

	/// Every extrinsic with `hash` (hashes are not unique: a transaction can be included again
	/// after its mortality, and identical unsigned ones recur).
	pub async fn extrinsics_by_hash(&self, hash: &str) -> Result<Vec<ExtrinsicRow>, DbError> {
		let rows = sqlx::query(&format!(
			"SELECT {} FROM extrinsics WHERE hash = $1 ORDER BY block, idx",
			Self::EXTRINSIC_COLUMNS
		))
		.bind(hash)
		.fetch_all(&self.pool)
		.await?;
		rows.iter().map(extrinsic_row).collect()
	}

	/// The latest signed extrinsics, newest first.
	pub async fn latest_signed(&self, limit: u32) -> Result<Vec<ExtrinsicRow>, DbError> {
		let rows = sqlx::query(&format!(
			"SELECT {} FROM extrinsics WHERE signer IS NOT NULL ORDER BY block DESC, idx DESC \
			 LIMIT $1",
			Self::EXTRINSIC_COLUMNS
		))
		.bind(i64::from(limit))
		.fetch_all(&self.pool)
		.await?;
		rows.iter().map(extrinsic_row).collect()
	}

	/// Extrinsics signed by `account`, newest first.
	pub async fn extrinsics_by(
		&self,
		account: &str,
		limit: u32,
	) -> Result<Vec<ExtrinsicRow>, DbError> {
		let rows = sqlx::query(&format!(
			"SELECT {} FROM extrinsics WHERE signer = $1 ORDER BY block DESC, idx DESC LIMIT $2",
			Self::EXTRINSIC_COLUMNS
		))
		.bind(account)
		.bind(i64::from(limit))
		.fetch_all(&self.pool)
		.await?;
		rows.iter().map(extrinsic_row).collect()
	}

	/// The events of block `n`, or of one of its extrinsics.
	pub async fn events_of(
		&self,
		n: u64,
		extrinsic: Option<u32>,
	) -> Result<Vec<EventRow>, DbError> {
		let rows = match extrinsic {
			None => sqlx::query(
				"SELECT block, idx, extrinsic, pallet, name, fields FROM events WHERE block = $1 \
				 ORDER BY idx",
			)
			.bind(i64_of(n))
			.fetch_all(&self.pool)
			.await?,
			Some(x) => sqlx::query(
				"SELECT block, idx, extrinsic, pallet, name, fields FROM events WHERE block = $1 \
				 AND extrinsic = $2 ORDER BY idx",
			)
			.bind(i64_of(n))
			.bind(i64::from(x))
			.fetch_all(&self.pool)
			.await?,
		};
		rows.iter().map(event_row).collect()
	}

	/// `account`'s credit movements, oldest first (`kind` filters).
	pub async fn movements(
		&self,
		account: &str,
		kind: Option<&str>,
	) -> Result<Vec<Movement>, DbError> {
		let rows = sqlx::query(
			"SELECT block, event, account, kind, amount, counterparty, detail FROM movements \
			 WHERE account = $1 AND ($2 = '' OR kind = $2) ORDER BY block, event",
		)
		.bind(account)
		.bind(kind.unwrap_or(""))
		.fetch_all(&self.pool)
		.await?;
		rows.iter().map(movement_row).collect()
	}

	/// `account`'s balance after each block that changed it, oldest first.
	pub async fn balance_history(&self, account: &str) -> Result<Vec<(u64, Balance)>, DbError> {
		let rows = sqlx::query(
			"SELECT block, spendable, held FROM balances WHERE account = $1 ORDER BY block",
		)
		.bind(account)
		.fetch_all(&self.pool)
		.await?;
		rows.iter()
			.map(|r| {
				Ok((
					u64_of(r.try_get(0)?),
					Balance {
						account: account.into(),
						spendable: amount(r, 1, "balances.spendable")?,
						held: amount(r, 2, "balances.held")?,
						cap: 0,
					},
				))
			})
			.collect()
	}

	/// Whether the index knows `account` at all (any movement, extrinsic or job).
	pub async fn knows_account(&self, account: &str) -> Result<bool, DbError> {
		let row = sqlx::query(
			"SELECT 1 FROM movements WHERE account = $1 UNION ALL \
			 SELECT 1 FROM extrinsics WHERE signer = $1 UNION ALL \
			 SELECT 1 FROM job_steps WHERE worker = $1 LIMIT 1",
		)
		.bind(account)
		.fetch_optional(&self.pool)
		.await?;
		Ok(row.is_some())
	}

	const JOB_COLUMNS: &'static str = "id, block, consumer, model, price";

	/// Job `id`.
	pub async fn job(&self, id: u64) -> Result<Option<JobRow>, DbError> {
		let row = sqlx::query(&format!("SELECT {} FROM jobs WHERE id = $1", Self::JOB_COLUMNS))
			.bind(i64_of(id))
			.fetch_optional(&self.pool)
			.await?;
		row.as_ref().map(job_row).transpose()
	}

	/// Jobs requested by `consumer`, newest first.
	pub async fn jobs_of(&self, consumer: &str, limit: u32) -> Result<Vec<JobRow>, DbError> {
		let rows = sqlx::query(&format!(
			"SELECT {} FROM jobs WHERE consumer = $1 ORDER BY id DESC LIMIT $2",
			Self::JOB_COLUMNS
		))
		.bind(consumer)
		.bind(i64::from(limit))
		.fetch_all(&self.pool)
		.await?;
		rows.iter().map(job_row).collect()
	}

	/// The latest jobs, newest first.
	pub async fn latest_jobs(&self, limit: u32) -> Result<Vec<JobRow>, DbError> {
		let rows = sqlx::query(&format!(
			"SELECT {} FROM jobs ORDER BY id DESC LIMIT $1",
			Self::JOB_COLUMNS
		))
		.bind(i64::from(limit))
		.fetch_all(&self.pool)
		.await?;
		rows.iter().map(job_row).collect()
	}

	/// The steps of job `id`'s trail, in chain order.
	pub async fn job_steps(&self, id: u64) -> Result<Vec<JobStep>, DbError> {
		let rows = sqlx::query(
			"SELECT job, block, event, step, worker, detail FROM job_steps WHERE job = $1 \
			 ORDER BY block, event",
		)
		.bind(i64_of(id))
		.fetch_all(&self.pool)
		.await?;
		rows.iter().map(step_row).collect()
	}

	/// The last step of each of `ids` (their status).
	pub async fn last_step(&self, id: u64) -> Result<Option<String>, DbError> {
		let row = sqlx::query(
			"SELECT step FROM job_steps WHERE job = $1 ORDER BY block DESC, event DESC LIMIT 1",
		)
		.bind(i64_of(id))
		.fetch_optional(&self.pool)
		.await?;
		Ok(row.map(|r| r.try_get::<String, _>(0)).transpose()?)
	}

	/// Jobs `worker` took part in, newest first.
	pub async fn jobs_worked(&self, worker: &str, limit: u32) -> Result<Vec<u64>, DbError> {
		let rows = sqlx::query(
			"SELECT DISTINCT job FROM job_steps WHERE worker = $1 ORDER BY job DESC LIMIT $2",
		)
		.bind(worker)
		.bind(i64::from(limit))
		.fetch_all(&self.pool)
		.await?;
		rows.iter().map(|r| Ok(u64_of(r.try_get(0)?))).collect()
	}

	const RECEIPT_COLUMNS: &'static str = "id, block, event, worker, job, data";

	/// Receipt `id`.
	pub async fn receipt(&self, id: u64) -> Result<Option<ReceiptRow>, DbError> {
		let row =
			sqlx::query(&format!("SELECT {} FROM receipts WHERE id = $1", Self::RECEIPT_COLUMNS))
				.bind(i64_of(id))
				.fetch_optional(&self.pool)
				.await?;
		row.as_ref().map(receipt_row).transpose()
	}

	/// The receipts of job `id`.
	pub async fn receipts_of_job(&self, id: u64) -> Result<Vec<ReceiptRow>, DbError> {
		let rows = sqlx::query(&format!(
			"SELECT {} FROM receipts WHERE job = $1 ORDER BY id",
			Self::RECEIPT_COLUMNS
		))
		.bind(i64_of(id))
		.fetch_all(&self.pool)
		.await?;
		rows.iter().map(receipt_row).collect()
	}

	/// The receipts paid to `worker`, newest first.
	pub async fn receipts_of_worker(
		&self,
		worker: &str,
		limit: u32,
	) -> Result<Vec<ReceiptRow>, DbError> {
		let rows = sqlx::query(&format!(
			"SELECT {} FROM receipts WHERE worker = $1 ORDER BY id DESC LIMIT $2",
			Self::RECEIPT_COLUMNS
		))
		.bind(worker)
		.bind(i64::from(limit))
		.fetch_all(&self.pool)
		.await?;
		rows.iter().map(receipt_row).collect()
	}

	/// The index's own total issuance after block `n`, if recorded.
	pub async fn derived_issuance(&self, n: u64) -> Result<Option<u128>, DbError> {
		let row = sqlx::query("SELECT issuance FROM blocks WHERE number = $1")
			.bind(i64_of(n))
			.fetch_optional(&self.pool)
			.await?;
		let Some(row) = row else { return Ok(None) };
		let text: Option<String> = row.try_get(0)?;
		text.map(|t| t.parse().map_err(|_| DbError::Corrupt { what: "blocks.issuance", value: t }))
			.transpose()
	}

	/// `account`'s last recorded spendable + held before block `n`.
	pub async fn owned_before(&self, account: &str, n: u64) -> Result<Option<u128>, DbError> {
		let row = sqlx::query(
			"SELECT spendable, held FROM balances WHERE account = $1 AND block < $2 \
			 ORDER BY block DESC LIMIT 1",
		)
		.bind(account)
		.bind(i64_of(n))
		.fetch_optional(&self.pool)
		.await?;
		row.map(|r| {
			Ok(amount(&r, 0, "balances.spendable")?.saturating_add(amount(&r, 1, "balances.held")?))
		})
		.transpose()
	}

	/// The monitor's findings, newest first, and how many there are in all.
	pub async fn divergences(&self, limit: u32) -> Result<(u64, Vec<Divergence>), DbError> {
		let total: i64 = sqlx::query("SELECT COUNT(*) FROM divergences")
			.fetch_one(&self.pool)
			.await?
			.try_get(0)?;
		let rows =
			sqlx::query("SELECT block, rule, detail FROM divergences ORDER BY block DESC LIMIT $1")
				.bind(i64::from(limit))
				.fetch_all(&self.pool)
				.await?;
		let list = rows
			.iter()
			.map(|r| {
				Ok(Divergence {
					block: u64_of(r.try_get(0)?),
					rule: r.try_get(1)?,
					detail: r.try_get(2)?,
				})
			})
			.collect::<Result<_, DbError>>()?;
		Ok((u64_of(total), list))
	}

	/// The latest `limit` receipts, oldest first.
	pub async fn latest_receipts(&self, limit: u32) -> Result<Vec<ReceiptRow>, DbError> {
		let rows = sqlx::query(&format!(
			"SELECT {} FROM receipts ORDER BY id DESC LIMIT $1",
			Self::RECEIPT_COLUMNS
		))
		.bind(i64::from(limit))
		.fetch_all(&self.pool)
		.await?;
		let mut out: Vec<ReceiptRow> = rows.iter().map(receipt_row).collect::<Result<_, _>>()?;
		out.reverse();
		Ok(out)
	}

	/// Jobs requested per model: (model, jobs).
	pub async fn jobs_per_model(&self) -> Result<Vec<(u64, u64)>, DbError> {
		let rows = sqlx::query("SELECT model, COUNT(*) FROM jobs GROUP BY model ORDER BY model")
			.fetch_all(&self.pool)
			.await?;
		rows.iter().map(|r| Ok((u64_of(r.try_get(0)?), u64_of(r.try_get(1)?)))).collect()
	}

	/// Counts of what the index holds: blocks, extrinsics, events, jobs, receipts.
	pub async fn counts(&self) -> Result<[u64; 5], DbError> {
		let mut out = [0u64; 5];
		for (slot, table) in
			out.iter_mut().zip(["blocks", "extrinsics", "events", "jobs", "receipts"])
		{
			let n: i64 = sqlx::query(&format!("SELECT COUNT(*) FROM {table}"))
				.fetch_one(&self.pool)
				.await?
				.try_get(0)?;
			*slot = u64_of(n);
		}
		Ok(out)
	}
}

/// `postgres://user:secret@host/db` → `postgres://user:***@host/db`.
fn redact(url: &str) -> String {
	match (url.find("://"), url.rfind('@')) {
		(Some(scheme), Some(at)) if at > scheme => {
			let creds = &url[scheme + 3..at];
			match creds.split_once(':') {
				Some((user, _)) => format!("{}{}:***{}", &url[..scheme + 3], user, &url[at..]),
				None => url.into(),
			}
		}
		_ => url.into(),
	}
}

fn amount(r: &AnyRow, i: usize, what: &'static str) -> Result<u128, DbError> {
	let text: String = r.try_get(i)?;
	text.parse().map_err(|_| DbError::Corrupt { what, value: text })
}

fn json(r: &AnyRow, i: usize, what: &'static str) -> Result<serde_json::Value, DbError> {
	let text: String = r.try_get(i)?;
	serde_json::from_str(&text).map_err(|_| DbError::Corrupt { what, value: text })
}

fn block_row(r: &AnyRow) -> Result<BlockRow, DbError> {
	Ok(BlockRow {
		number: u64_of(r.try_get(0)?),
		hash: r.try_get(1)?,
		parent_hash: r.try_get(2)?,
		timestamp_ms: r.try_get::<Option<i64>, _>(3)?.map(u64_of),
		spec_version: u32::try_from(r.try_get::<i64, _>(4)?).unwrap_or_default(),
		extrinsics: u64_of(r.try_get(5)?),
		events: u64_of(r.try_get(6)?),
		author: r.try_get(7)?,
		slot: r.try_get::<Option<i64>, _>(8)?.map(u64_of),
	})
}

fn extrinsic_row(r: &AnyRow) -> Result<ExtrinsicRow, DbError> {
	Ok(ExtrinsicRow {
		block: u64_of(r.try_get(0)?),
		index: u32::try_from(r.try_get::<i64, _>(1)?).unwrap_or_default(),
		hash: r.try_get(2)?,
		signer: r.try_get(3)?,
		pallet: r.try_get(4)?,
		call: r.try_get(5)?,
		args: json(r, 6, "extrinsics.args")?,
		success: r.try_get::<i64, _>(7)? != 0,
		error: r.try_get(8)?,
		error_doc: r.try_get(9)?,
		fee: r
			.try_get::<Option<String>, _>(10)?
			.map(|f| f.parse().map_err(|_| DbError::Corrupt { what: "extrinsics.fee", value: f }))
			.transpose()?,
	})
}

fn event_row(r: &AnyRow) -> Result<EventRow, DbError> {
	Ok(EventRow {
		block: u64_of(r.try_get(0)?),
		index: u32::try_from(r.try_get::<i64, _>(1)?).unwrap_or_default(),
		extrinsic: r.try_get::<Option<i64>, _>(2)?.and_then(|x| u32::try_from(x).ok()),
		pallet: r.try_get(3)?,
		name: r.try_get(4)?,
		fields: json(r, 5, "events.fields")?,
	})
}

fn movement_row(r: &AnyRow) -> Result<Movement, DbError> {
	let kind: String = r.try_get(3)?;
	Ok(Movement {
		block: u64_of(r.try_get(0)?),
		event: u32::try_from(r.try_get::<i64, _>(1)?).unwrap_or_default(),
		account: r.try_get(2)?,
		kind: kind.parse().map_err(|_| DbError::Corrupt { what: "movements.kind", value: kind })?,
		amount: amount(r, 4, "movements.amount")?,
		counterparty: r.try_get(5)?,
		detail: r.try_get(6)?,
	})
}

fn job_row(r: &AnyRow) -> Result<JobRow, DbError> {
	Ok(JobRow {
		id: u64_of(r.try_get(0)?),
		block: u64_of(r.try_get(1)?),
		consumer: r.try_get(2)?,
		model: u32::try_from(r.try_get::<i64, _>(3)?).unwrap_or_default(),
		price: amount(r, 4, "jobs.price")?,
	})
}

fn step_row(r: &AnyRow) -> Result<JobStep, DbError> {
	Ok(JobStep {
		job: u64_of(r.try_get(0)?),
		block: u64_of(r.try_get(1)?),
		event: u32::try_from(r.try_get::<i64, _>(2)?).unwrap_or_default(),
		step: r.try_get(3)?,
		worker: r.try_get(4)?,
		detail: json(r, 5, "job_steps.detail")?,
	})
}

fn receipt_row(r: &AnyRow) -> Result<ReceiptRow, DbError> {
	Ok(ReceiptRow {
		id: u64_of(r.try_get(0)?),
		block: u64_of(r.try_get(1)?),
		event: u32::try_from(r.try_get::<i64, _>(2)?).unwrap_or_default(),
		worker: r.try_get(3)?,
		job: r.try_get::<Option<i64>, _>(4)?.map(u64_of),
		data: json(r, 5, "receipts.data")?,
	})
}

#[cfg(test)]
mod tests {
	use super::*;

	#[test]
	fn passwords_never_reach_messages() {
		assert_eq!(redact("postgres://u:secret@h/db"), "postgres://u:***@h/db");
		assert_eq!(redact("postgres://u@h/db"), "postgres://u@h/db");
		assert_eq!(redact("sqlite:/tmp/x.db"), "sqlite:/tmp/x.db");
	}
}
