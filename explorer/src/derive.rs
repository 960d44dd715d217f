//! From a block's decoded events to the explorer's own records: the credit ledger
//! ([`Movement`]s), jobs and their verification trail ([`JobStep`]s), and receipts. Pure
//! functions of the events (by pallet, event and field *name*), so they are tested without a
//! node.

use serde_json::Value as Json;

use crate::model::{IndexedBlock, JobRow, JobStep, MoveKind, Movement, ReceiptRow};

/// A JSON number or decimal string as `u128` (how [`declai_chain::decode`] renders integers).
pub fn json_u128(v: &Json) -> Option<u128> {
	match v {
		Json::Number(n) => n.as_u64().map(u128::from),
		Json::String(s) => s.parse().ok(),
		_ => None,
	}
}

/// A JSON string field.
fn text(v: &Json, field: &str) -> Option<String> {
	v.get(field).and_then(Json::as_str).map(str::to_string)
}

/// A compact text of a hold reason (`{"Inference": "Escrow"}` → `Inference.Escrow`).
pub fn reason_text(v: &Json) -> String {
	match v {
		Json::String(s) => s.clone(),
		Json::Object(m) => m
			.iter()
			.map(|(k, inner)| format!("{k}.{}", reason_text(inner)))
			.collect::<Vec<_>>()
			.join(","),
		other => other.to_string(),
	}
}

/// The field naming the worker, auditor or tiebreaker an inference event concerns.
fn step_worker(fields: &Json) -> Option<String> {
	["worker", "auditor", "tiebreaker"].iter().find_map(|f| text(fields, f))
}

/// The `Pallet.Error` name and docs of a failed extrinsic's `dispatch_error` (JSON as decoded):
/// a module error is named through `name_module`; other errors by their variant path
/// (`BadOrigin`, `Token.FundsUnavailable`).
pub fn dispatch_error(
	error: &Json,
	name_module: impl Fn(u8, [u8; 4]) -> Option<(String, String)>,
) -> (String, Option<String>) {
	if let Some(module) = error.get("Module") {
		let index = module.get("index").and_then(Json::as_u64).and_then(|i| u8::try_from(i).ok());
		let bytes = module
			.get("error")
			.and_then(Json::as_str)
			.and_then(|h| hex::decode(h.trim_start_matches("0x")).ok())
			.and_then(|b| <[u8; 4]>::try_from(b.as_slice()).ok());
		if let (Some(index), Some(bytes)) = (index, bytes) {
			if let Some((name, doc)) = name_module(index, bytes) {
				return (name, Some(doc).filter(|d| !d.is_empty()));
			}
		}
		return (format!("Module {module}"), None);
	}
	(reason_text(error), None)
}

/// Fills `b.movements`, `b.jobs`, `b.steps` and `b.receipts` from `b.events`, and each
/// extrinsic's fee.
pub fn derive(b: &mut IndexedBlock) {
	let block = b.block.number;
	for e in &b.events {
		let f = &e.fields;
		let mut moved = |account: Option<String>,
		                 kind: MoveKind,
		                 amount: Option<u128>,
		                 other: Option<String>,
		                 detail: Option<String>| {
			if let (Some(account), Some(amount)) = (account, amount) {
				b.movements.push(Movement {
					block,
					event: e.index,
					account,
					kind,
					amount,
					counterparty: other,
					detail,
				});
			}
		};
		match (e.pallet.as_str(), e.name.as_str()) {
			("Credits", "Minted") => {
				let withheld = f.get("withheld").and_then(json_u128).unwrap_or_default();
				let mut detail = format!(
					"expires on day {}",
					f.get("expires_on").map(Json::to_string).unwrap_or_default()
				);
				if withheld > 0 {
					detail.push_str(&format!(
						"; {} withheld ({})",
						declai_chain::units::cred_unit(withheld),
						f.get("reason").map(reason_text).unwrap_or_default()
					));
				}
				moved(
					text(f, "who"),
					MoveKind::Minted,
					f.get("amount").and_then(json_u128),
					None,
					Some(detail),
				);
			}
			("Credits", "Transferred") => {
				let amount = f.get("amount").and_then(json_u128);
				moved(text(f, "from"), MoveKind::Sent, amount, text(f, "to"), None);
				moved(text(f, "to"), MoveKind::Received, amount, text(f, "from"), None);
			}
			("Credits", kind @ ("Held" | "Released" | "Burned" | "Expired")) => {
				let kind = match kind {
					"Held" => MoveKind::Held,
					"Released" => MoveKind::Released,
					"Burned" => MoveKind::Burned,
					_ => MoveKind::Expired,
				};
				let reason = f.get("reason").map(reason_text);
				moved(text(f, "who"), kind, f.get("amount").and_then(json_u128), None, reason);
			}
			("TransactionPayment", "TransactionFeePaid") => {
				let fee = f.get("actual_fee").and_then(json_u128);
				if fee.is_some_and(|fee| fee > 0) {
					moved(text(f, "who"), MoveKind::Fee, fee, None, None);
				}
				if let Some(x) =
					e.extrinsic.and_then(|i| b.extrinsics.iter_mut().find(|x| x.index == i))
				{
					x.fee = fee;
				}
			}
			("Economics", "WorkSettled") => {
				let id = f.get("id").and_then(json_u128).and_then(|id| u64::try_from(id).ok());
				let receipt = f.get("receipt").cloned().unwrap_or(Json::Null);
				if let (Some(id), Some(worker)) = (id, text(&receipt, "worker")) {
					b.receipts.push(ReceiptRow {
						id,
						block,
						event: e.index,
						worker,
						job: None,
						data: receipt,
					});
				}
			}
			("Inference", name) => {
				let Some(job) =
					f.get("job").and_then(json_u128).and_then(|j| u64::try_from(j).ok())
				else {
					continue;
				};
				if name == "JobRequested" {
					if let (Some(consumer), Some(model), Some(price)) = (
						text(f, "consumer"),
						f.get("model").and_then(json_u128).and_then(|m| u32::try_from(m).ok()),
						f.get("price").and_then(json_u128),
					) {
						b.jobs.push(JobRow { id: job, block, consumer, model, price });
					}
				}
				if name == "JobServed" {
					let ids: Vec<u64> = f
						.get("receipts")
						.and_then(Json::as_array)
						.map(|a| {
							a.iter()
								.filter_map(json_u128)
								.filter_map(|r| u64::try_from(r).ok())
								.collect()
						})
						.unwrap_or_default();
					for r in b.receipts.iter_mut().filter(|r| ids.contains(&r.id)) {
						r.job = Some(job);
					}
				}
				b.steps.push(JobStep {
					job,
					block,
					event: e.index,
					step: name.to_string(),
					worker: step_worker(f),
					detail: f.clone(),
				});
			}
			_ => {}
		}
	}
}

/// The accounts whose credits the block moved, each once, in first-seen order.
pub fn touched_accounts(b: &IndexedBlock) -> Vec<String> {
	let mut out: Vec<String> = Vec::new();
	for m in &b.movements {
		if !out.contains(&m.account) {
			out.push(m.account.clone());
		}
	}
	out
}

#[cfg(test)]
mod tests {
	use super::*;
	use crate::model::{BlockRow, EventRow, ExtrinsicRow};
	use serde_json::json;

	fn event(
		index: u32,
		extrinsic: Option<u32>,
		pallet: &str,
		name: &str,
		fields: Json,
	) -> EventRow {
		EventRow { block: 7, index, extrinsic, pallet: pallet.into(), name: name.into(), fields }
	}

	fn block(events: Vec<EventRow>) -> IndexedBlock {
		IndexedBlock {
			block: BlockRow { number: 7, ..Default::default() },
			events,
			..Default::default()
		}
	}

	#[test]
	fn credit_events_become_movements_of_each_account() {
		let mut b = block(vec![
			event(
				0,
				Some(1),
				"Credits",
				"Minted",
				json!({"who": "A", "amount": 5, "withheld": "2000000000000", "reason": "ConcentrationCap", "expires_on": 400}),
			),
			event(
				1,
				Some(1),
				"Credits",
				"Transferred",
				json!({"from": "A", "to": "B", "amount": "18446744073709551616"}),
			),
			event(
				2,
				Some(1),
				"Credits",
				"Held",
				json!({"who": "B", "reason": {"Inference": "Escrow"}, "amount": 3}),
			),
			event(3, None, "Credits", "DayClosed", json!({"day": 3, "amount": 9})),
		]);
		derive(&mut b);
		let kinds: Vec<_> =
			b.movements.iter().map(|m| (m.account.as_str(), m.kind, m.amount)).collect();
		assert_eq!(
			kinds,
			vec![
				("A", MoveKind::Minted, 5),
				("A", MoveKind::Sent, 1 << 64),
				("B", MoveKind::Received, 1 << 64),
				("B", MoveKind::Held, 3),
			]
		);
		assert_eq!(
			b.movements[0].detail.as_deref(),
			Some("expires on day 400; 2 CRED withheld (ConcentrationCap)")
		);
		assert_eq!(b.movements[1].counterparty.as_deref(), Some("B"));
		assert_eq!(b.movements[3].detail.as_deref(), Some("Inference.Escrow"));
		assert_eq!(touched_accounts(&b), vec!["A".to_string(), "B".to_string()]);
	}

	#[test]
	fn inference_events_make_the_trail_and_link_receipts_to_their_job() {
		let mut b = block(vec![
			event(
				0,
				Some(1),
				"Inference",
				"JobRequested",
				json!({"job": 4, "consumer": "C", "model": 0, "price": 100}),
			),
			event(
				1,
				Some(2),
				"Inference",
				"Committed",
				json!({"job": 4, "worker": "W", "commit": "0x00"}),
			),
			event(
				2,
				Some(3),
				"Economics",
				"WorkSettled",
				json!({"id": 9, "receipt": {"worker": "W", "earned": 1}}),
			),
			event(
				3,
				Some(3),
				"Inference",
				"JobServed",
				json!({"job": 4, "workers": ["W"], "receipts": [9]}),
			),
			event(4, Some(3), "Inference", "ModelActivity", json!({"model": 0, "active": false})),
		]);
		derive(&mut b);
		assert_eq!(
			b.jobs,
			vec![JobRow { id: 4, block: 7, consumer: "C".into(), model: 0, price: 100 }]
		);
		let steps: Vec<_> =
			b.steps.iter().map(|s| (s.step.as_str(), s.worker.as_deref())).collect();
		assert_eq!(
			steps,
			vec![("JobRequested", None), ("Committed", Some("W")), ("JobServed", None)]
		);
		assert_eq!(b.receipts.len(), 1);
		assert_eq!(b.receipts[0].job, Some(4));
		assert_eq!(b.receipts[0].worker, "W");
	}

	#[test]
	fn module_errors_are_named_and_others_keep_their_variant() {
		let named =
			dispatch_error(&json!({"Module": {"index": 10, "error": "0x03000000"}}), |i, e| {
				(i == 10 && e[0] == 3)
					.then(|| ("Credits.InsufficientCredits".into(), "Not enough.".into()))
			});
		assert_eq!(named, ("Credits.InsufficientCredits".into(), Some("Not enough.".into())));
		let unknown =
			dispatch_error(&json!({"Module": {"index": 99, "error": "0x00000000"}}), |_, _| None);
		assert!(unknown.0.starts_with("Module"), "{}", unknown.0);
		assert_eq!(dispatch_error(&json!("BadOrigin"), |_, _| None).0, "BadOrigin");
		assert_eq!(
			dispatch_error(&json!({"Token": "FundsUnavailable"}), |_, _| None).0,
			"Token.FundsUnavailable"
		);
	}

	#[test]
	fn fees_are_movements_and_land_on_their_extrinsic() {
		let mut b = block(vec![event(
			0,
			Some(1),
			"TransactionPayment",
			"TransactionFeePaid",
			json!({"who": "A", "actual_fee": 12, "tip": 0}),
		)]);
		b.extrinsics.push(ExtrinsicRow {
			block: 7,
			index: 1,
			hash: "0x".into(),
			signer: Some("A".into()),
			pallet: "Credits".into(),
			call: "transfer".into(),
			args: json!({}),
			success: true,
			error: None,
			error_doc: None,
			fee: None,
		});
		derive(&mut b);
		assert_eq!(b.extrinsics[0].fee, Some(12));
		assert_eq!(b.movements[0].kind, MoveKind::Fee);
	}
}
