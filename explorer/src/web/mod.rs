//! The web server: server-rendered HTML that works without JavaScript, a JSON API under
//! `/api` that mirrors every page, and live updates over server-sent events (`/api/live`).
//!
//! URL scheme (fixed, so that links and tests can rely on it): `/`, `/block/{number or hash}`,
//! `/extrinsic/{block}-{index}` or `/extrinsic/{hash}` (every match), `/account/{ss58}` (and
//! `/account/{ss58}/movements.csv`), `/job/{id}`, `/receipt/{id}`, `/worker/{ss58}`, `/models`,
//! `/validators`, `/economics`, `/search?q=`; the same paths under `/api/` return JSON.

mod network;
mod pages;
pub mod svg;

use std::sync::Arc;

use axum::{
	extract::{Path, Query, State},
	http::{header, StatusCode},
	response::{
		sse::{Event, KeepAlive, Sse},
		IntoResponse, Redirect, Response,
	},
	routing::get,
	Json, Router,
};
use futures::Stream;
use maud::{html, Markup, DOCTYPE};
use serde::Serialize;

use crate::{chainview::ChainView, db::Db, index::Shared};

/// What every handler needs.
#[derive(Clone)]
pub struct AppState {
	/// The index.
	pub db: Db,
	/// The indexer's status and live channel.
	pub shared: Shared,
	/// Live reads of the node.
	pub chain: Arc<ChainView>,
}

/// A page or API error: a status code and a message for people.
#[derive(Debug)]
pub struct AppError {
	/// Status.
	pub status: StatusCode,
	/// Title.
	pub title: String,
	/// What to do about it.
	pub message: String,
}

impl AppError {
	/// 404.
	pub fn not_found(title: impl Into<String>, message: impl Into<String>) -> Self {
		Self { status: StatusCode::NOT_FOUND, title: title.into(), message: message.into() }
	}

	/// 400.
	pub fn bad_request(title: impl Into<String>, message: impl Into<String>) -> Self {
		Self { status: StatusCode::BAD_REQUEST, title: title.into(), message: message.into() }
	}
}

impl From<crate::db::DbError> for AppError {
	fn from(e: crate::db::DbError) -> Self {
		tracing::error!(error = %e, "database error while serving a page");
		Self {
			status: StatusCode::INTERNAL_SERVER_ERROR,
			title: "Database error".into(),
			message: e.to_string(),
		}
	}
}

/// Whether a response is for the API (JSON) or a page (HTML).
#[derive(Clone, Copy, PartialEq, Eq)]
pub enum Format {
	/// HTML.
	Html,
	/// JSON.
	Json,
}

impl AppError {
	fn respond(self, format: Format) -> Response {
		match format {
			Format::Json => (
				self.status,
				Json(serde_json::json!({"error": self.title, "message": self.message, "status": self.status.as_u16()})),
			)
				.into_response(),
			Format::Html => (
				self.status,
				layout(&self.title, html! {
					h1 { (self.title) }
					p.error { (self.message) }
					p { a href="/" { "Back to the latest blocks" } }
				}),
			)
				.into_response(),
		}
	}
}

/// A view that renders as a page or as JSON.
pub trait View: Serialize {
	/// The page's title.
	fn title(&self) -> String;
	/// The page's body.
	fn body(&self) -> Markup;
}

fn respond<V: View>(format: Format, result: Result<V, AppError>) -> Response {
	match result {
		Ok(view) => match format {
			Format::Json => Json(view).into_response(),
			Format::Html => layout(&view.title(), view.body()).into_response(),
		},
		Err(e) => e.respond(format),
	}
}

/// The page frame: header with search, the body, the live script.
pub fn layout(title: &str, body: Markup) -> Markup {
	html! {
		(DOCTYPE)
		html lang="en" {
			head {
				meta charset="utf-8";
				meta name="viewport" content="width=device-width, initial-scale=1";
				title { (title) " · DeCLAI explorer" }
				link rel="stylesheet" href="/static/explorer.css";
			}
			body {
				header {
					a.brand href="/" { "DeCLAI explorer" }
					nav {
						a href="/economics" { "Economics" } " "
						a href="/validators" { "Validators" } " "
						a href="/models" { "Models" }
					}
					form action="/search" method="get" role="search" {
						input type="search" name="q" placeholder="Block, hash, extrinsic, account or job id" aria-label="Search" size="48";
						button type="submit" { "Search" }
					}
				}
				main { (body) }
				footer { "Finalized data from the index; pending blocks are marked. " a href="/api" { "JSON API" } }
				script src="/static/explorer.js" defer {}
			}
		}
	}
}

macro_rules! page_and_api {
	($html:ident, $api:ident, $load:path, $arg:ty) => {
		async fn $html(State(s): State<AppState>, Path(arg): Path<$arg>) -> Response {
			respond(Format::Html, $load(&s, arg).await)
		}
		async fn $api(State(s): State<AppState>, Path(arg): Path<$arg>) -> Response {
			respond(Format::Json, $load(&s, arg).await)
		}
	};
}

page_and_api!(block_page, block_api, pages::block, String);
page_and_api!(extrinsic_page, extrinsic_api, pages::extrinsic, String);
page_and_api!(job_page, job_api, pages::job, String);
page_and_api!(receipt_page, receipt_api, pages::receipt, String);
page_and_api!(worker_page, worker_api, network::worker, String);

macro_rules! page_and_api_plain {
	($html:ident, $api:ident, $load:path) => {
		async fn $html(State(s): State<AppState>) -> Response {
			respond(Format::Html, $load(&s).await)
		}
		async fn $api(State(s): State<AppState>) -> Response {
			respond(Format::Json, $load(&s).await)
		}
	};
}

page_and_api_plain!(models_page, models_api, network::models);
page_and_api_plain!(validators_page, validators_api, network::validators);
page_and_api_plain!(economics_page, economics_api, network::economics);

async fn home_page(State(s): State<AppState>) -> Response {
	respond(Format::Html, pages::home(&s).await)
}

async fn home_api(State(s): State<AppState>) -> Response {
	respond(Format::Json, pages::home(&s).await)
}

/// `?kind=` for the account's ledger.
#[derive(serde::Deserialize, Default)]
pub struct AccountQuery {
	/// Movement kind filter.
	pub kind: Option<String>,
}

async fn account_page(
	State(s): State<AppState>,
	Path(a): Path<String>,
	Query(q): Query<AccountQuery>,
) -> Response {
	respond(Format::Html, pages::account(&s, a, q).await)
}

async fn account_api(
	State(s): State<AppState>,
	Path(a): Path<String>,
	Query(q): Query<AccountQuery>,
) -> Response {
	respond(Format::Json, pages::account(&s, a, q).await)
}

async fn account_csv(
	State(s): State<AppState>,
	Path(a): Path<String>,
	Query(q): Query<AccountQuery>,
) -> Response {
	match pages::movements_csv(&s, a, q).await {
		Ok((name, csv)) => (
			[
				(header::CONTENT_TYPE, "text/csv; charset=utf-8".to_string()),
				(header::CONTENT_DISPOSITION, format!("attachment; filename=\"{name}\"")),
			],
			csv,
		)
			.into_response(),
		Err(e) => e.respond(Format::Html),
	}
}

/// `?q=`.
#[derive(serde::Deserialize, Default)]
pub struct SearchQuery {
	/// What was typed.
	#[serde(default)]
	pub q: String,
}

async fn search_page(State(s): State<AppState>, Query(q): Query<SearchQuery>) -> Response {
	match pages::search(&s, &q.q).await {
		Ok(found) if found.matches.len() == 1 => {
			Redirect::to(&found.matches[0].url).into_response()
		}
		other => respond(Format::Html, other),
	}
}

async fn search_api(State(s): State<AppState>, Query(q): Query<SearchQuery>) -> Response {
	respond(Format::Json, pages::search(&s, &q.q).await)
}

async fn live(
	State(s): State<AppState>,
) -> Sse<impl Stream<Item = Result<Event, std::convert::Infallible>>> {
	let rx = s.shared.live.subscribe();
	let stream = futures::stream::unfold(rx, |mut rx| async move {
		loop {
			match rx.recv().await {
				Ok(update) => {
					let name = match &update {
						crate::index::Live::Finalized { .. } => "finalized",
						crate::index::Live::Pending { .. } => "pending",
					};
					let data = serde_json::to_string(&update).unwrap_or_default();
					return Some((Ok(Event::default().event(name).data(data)), rx));
				}
				// A slow client skipped some updates: it gets the next ones.
				Err(tokio::sync::broadcast::error::RecvError::Lagged(_)) => continue,
				Err(tokio::sync::broadcast::error::RecvError::Closed) => return None,
			}
		}
	});
	Sse::new(stream).keep_alive(KeepAlive::default())
}

async fn status_api(State(s): State<AppState>) -> Json<crate::index::Status> {
	Json(s.shared.status())
}

async fn css() -> impl IntoResponse {
	([(header::CONTENT_TYPE, "text/css; charset=utf-8")], include_str!("../../static/explorer.css"))
}

async fn js() -> impl IntoResponse {
	(
		[(header::CONTENT_TYPE, "text/javascript; charset=utf-8")],
		include_str!("../../static/explorer.js"),
	)
}

async fn not_found() -> Response {
	AppError::not_found("Page not found", "No page has this address. Try the search box above.")
		.respond(Format::Html)
}

async fn api_not_found() -> Response {
	AppError::not_found("Not found", "No API route has this path: see /api for the routes.")
		.respond(Format::Json)
}

/// The router.
pub fn router(state: AppState) -> Router {
	let api = Router::new()
		.route("/", get(home_api))
		.route("/status", get(status_api))
		.route("/live", get(live))
		.route("/block/{id}", get(block_api))
		.route("/extrinsic/{id}", get(extrinsic_api))
		.route("/account/{address}", get(account_api))
		.route("/job/{id}", get(job_api))
		.route("/receipt/{id}", get(receipt_api))
		.route("/search", get(search_api))
		.route("/worker/{address}", get(worker_api))
		.route("/models", get(models_api))
		.route("/validators", get(validators_api))
		.route("/economics", get(economics_api))
		.fallback(api_not_found);
	Router::new()
		.route("/", get(home_page))
		.route("/block/{id}", get(block_page))
		.route("/extrinsic/{id}", get(extrinsic_page))
		.route("/account/{address}", get(account_page))
		.route("/account/{address}/movements.csv", get(account_csv))
		.route("/job/{id}", get(job_page))
		.route("/receipt/{id}", get(receipt_page))
		.route("/search", get(search_page))
		.route("/worker/{address}", get(worker_page))
		.route("/models", get(models_page))
		.route("/validators", get(validators_page))
		.route("/economics", get(economics_page))
		.route("/static/explorer.css", get(css))
		.route("/static/explorer.js", get(js))
		.nest("/api", api)
		.fallback(not_found)
		.with_state(state)
}
