//! The runtime fuzzer: random sequences of extrinsics, decoded from bytes, executed in whole
//! blocks on the real runtime (natively), with every pallet's invariants checked after every
//! block and any panic a failure.
//!
//! An input is a byte string; [`run`] reads it as a program with `arbitrary`'s `Unstructured`:
//! a series of actions, each one of
//! - a signed extrinsic: any call of the project's pallets, governance calls through sudo, calls
//!   with values that exist on the chain (honest commitments, reveals and benchmark answers
//!   among them) and boundary values and noise;
//! - the same, spoiled: a flipped signature byte, signed for another spec version or genesis, a
//!   used nonce, or sent under another account's name. It must be refused and change nothing;
//! - bytes that are no extrinsic, or a signed-only call sent unsigned: refused likewise;
//! - the end of the block, or a jump of many blocks (session changes; with `--long`, epoch and
//!   day rollovers).
//!
//! After every block: credits (issuance = free lots + holds, the per-day expiry totals, nobody
//! above the cap high-water), economics, workers, inference (escrow = the live jobs' prices,
//! every live job scheduled) and validators' `do_try_state`, and the block's weight within its
//! limit. After every included extrinsic: the DB cost of the distinct keys it read and wrote
//! (less the keys every block touches, which benchmarks whitelist) within the weight it declared.

pub mod calls;
pub mod chain;

use std::{
	collections::BTreeMap,
	panic::{catch_unwind, AssertUnwindSafe},
};

use arbitrary::Unstructured;
use chain::{Applied, Chain, Spoil};
use codec::{Decode, Encode};
use declai_runtime::{RuntimeCall, UncheckedExtrinsic};
use sp_runtime::DispatchError;

/// Figures of a fuzzing run.
#[derive(Debug, Default, Clone)]
pub struct Stats {
	pub inputs: u64,
	pub blocks: u64,
	pub extrinsics: u64,
	/// Included, call succeeded.
	pub ok: u64,
	/// Included, call failed (fees paid): counted by error.
	pub failed: BTreeMap<String, u64>,
	/// Honest extrinsics refused (not includable), by reason.
	pub invalid: BTreeMap<String, u64>,
	/// Spoiled, mutated and unsigned extrinsics sent; all must be refused.
	pub hostile: u64,
	/// Mutated encodings that no longer decode (never reach the runtime; not counted above).
	pub undecodable: u64,
	/// Of those, refused.
	pub hostile_refused: u64,
	pub invariant_checks: u64,
	pub weight_checks: u64,
	/// The largest DB cost / declared weight seen, with its call.
	pub worst_weight_ratio: (f64, String),
	/// Successful calls by pallet and call name.
	pub calls_ok: BTreeMap<String, u64>,
}

impl Stats {
	/// Adds another run's figures.
	pub fn add(&mut self, o: &Stats) {
		self.inputs += o.inputs;
		self.blocks += o.blocks;
		self.extrinsics += o.extrinsics;
		self.ok += o.ok;
		self.hostile += o.hostile;
		self.hostile_refused += o.hostile_refused;
		self.undecodable += o.undecodable;
		self.invariant_checks += o.invariant_checks;
		self.weight_checks += o.weight_checks;
		for (to, from) in [
			(&mut self.failed, &o.failed),
			(&mut self.invalid, &o.invalid),
			(&mut self.calls_ok, &o.calls_ok),
		] {
			for (k, v) in from {
				*to.entry(k.clone()).or_default() += v;
			}
		}
		if o.worst_weight_ratio.0 > self.worst_weight_ratio.0 {
			self.worst_weight_ratio = o.worst_weight_ratio.clone();
		}
	}
}

/// Options of a run.
#[derive(Clone, Copy, Debug, Default)]
pub struct Options {
	/// Jumps may cross epoch (1,200 blocks) and day (28,800 blocks) boundaries: slow.
	pub long: bool,
}

/// The call's pallet and name, e.g. `Inference::commit`, or `sudo Credits::force_mint` for a
/// call through sudo (whose own result is always success: the inner call's is in its event).
fn call_name(call: &RuntimeCall) -> String {
	let name = |debug: &str| -> String {
		let mut parts = debug.splitn(2, "(Call::");
		let pallet = parts.next().unwrap_or("").to_string();
		let name: String = parts
			.next()
			.unwrap_or("")
			.chars()
			.take_while(|c| c.is_alphanumeric() || *c == '_')
			.collect();
		format!("{pallet}::{name}")
	};
	match call {
		RuntimeCall::Sudo(pallet_sudo::Call::sudo { call }) => {
			format!("sudo {}", name(&format!("{call:?}")))
		}
		_ => name(&format!("{call:?}")),
	}
}

/// What the runtime logged at error level: `frame_support::defensive!` (target
/// `runtime::defensive`) and the pallets' "cannot happen" paths. A release build only logs them,
/// so the fuzzer listens and counts any as a defect.
static LOGGED_ERRORS: std::sync::Mutex<Vec<String>> = std::sync::Mutex::new(Vec::new());

struct ErrorListener;

impl log::Log for ErrorListener {
	fn enabled(&self, metadata: &log::Metadata) -> bool {
		metadata.level() <= log::Level::Error
	}

	fn log(&self, record: &log::Record) {
		if record.level() <= log::Level::Error && record.target().starts_with("runtime") {
			if let Ok(mut errors) = LOGGED_ERRORS.lock() {
				errors.push(format!("{}: {}", record.target(), record.args()));
			}
		}
	}

	fn flush(&self) {}
}

/// Installs the listener for the runtime's error logs (once per process).
fn listen() {
	static LISTENER: ErrorListener = ErrorListener;
	if log::set_logger(&LISTENER).is_ok() {
		log::set_max_level(log::LevelFilter::Error);
	}
}

/// The runtime's error logs since the last call.
fn logged_errors() -> Vec<String> {
	LOGGED_ERRORS.lock().map(|mut e| std::mem::take(&mut *e)).unwrap_or_default()
}

/// Runs one input from a fresh genesis. `Err` is a defect: a panic, an error the runtime logged
/// (a defensive path), a broken invariant, a spoiled extrinsic admitted or harmful, or an
/// extrinsic whose DB accesses cost more than the block was charged for it.
pub fn run(input: &[u8], options: Options, stats: &mut Stats) -> Result<(), String> {
	listen();
	let _ = logged_errors();
	let mut chain = Chain::genesis()?;
	stats.inputs += 1;
	let result = catch_unwind(AssertUnwindSafe(|| drive(&mut chain, input, options, stats)));
	let errors = logged_errors();
	if let (Ok(Ok(())), Some(first)) = (&result, errors.first()) {
		return Err(format!("the runtime logged an error by block {}: {first}", chain.number));
	}
	match result {
		Ok(r) => r,
		Err(panic) => {
			let msg = panic
				.downcast_ref::<String>()
				.cloned()
				.or_else(|| panic.downcast_ref::<&str>().map(|s| s.to_string()))
				.unwrap_or_else(|| "a panic".into());
			Err(format!("panic at block {}: {msg}", chain.number))
		}
	}
}

fn drive(
	chain: &mut Chain,
	input: &[u8],
	options: Options,
	stats: &mut Stats,
) -> Result<(), String> {
	let mut u = Unstructured::new(input);
	chain.open_block(1)?;
	stats.blocks += 1;
	while !u.is_empty() {
		let Ok(action) = u.int_in_range(0u8..=99) else { break };
		match action {
			0..=6 => end_block(chain, stats, 1)?,
			7 => {
				// A jump: to the next session change, or further with `long`.
				let blocks = if options.long {
					*u.choose(&[20u32, 1_200, 28_800]).unwrap_or(&20)
				} else {
					u.int_in_range(2u32..=20).unwrap_or(20)
				};
				for _ in 0..blocks {
					end_block(chain, stats, 1)?;
				}
			}
			8..=11 => hostile(chain, &mut u, stats)?,
			_ => {
				let Ok(picked) = calls::pick(&mut u, chain) else { break };
				let who = chain.actors.get(picked.signer).map(|a| a.id.clone());
				let name = call_name(&picked.call);
				let full = if trace() { format!("{:?}", picked.call) } else { String::new() };
				let xt = chain.sign(picked.signer, picked.call, Spoil::None);
				if trace() {
					eprintln!("  {}", full.chars().take(400).collect::<String>());
				}
				let (applied, check) = chain.apply(xt, who.as_ref(), true);
				if trace() {
					eprintln!(
						"block {} signer {}: {name}: {applied:?}",
						chain.number, picked.signer
					);
					let credits = chain.read(|| {
						(
							declai_runtime::Credits::do_try_state(),
							pallet_credits::TotalIssuance::<declai_runtime::Runtime>::get(),
						)
					});
					eprintln!("  credits: {credits:?}");
				}
				stats.extrinsics += 1;
				// Sudo succeeds whatever its call does: the call's own result is in its event.
				let applied = match applied {
					Applied::Ok if name.starts_with("sudo ") => match chain.read(sudo_result) {
						Some(Err(e)) => Applied::Failed(e),
						_ => Applied::Ok,
					},
					other => other,
				};
				match applied {
					Applied::Ok => {
						stats.ok += 1;
						*stats.calls_ok.entry(name.clone()).or_default() += 1;
					}
					Applied::Failed(e) => {
						*stats.failed.entry(format!("{name}: {e:?}")).or_default() += 1;
					}
					Applied::Invalid(e) => {
						*stats.invalid.entry(format!("{e:?}")).or_default() += 1;
					}
				}
				if let Some(c) = check {
					stats.weight_checks += 1;
					let ratio = c.db_ref_time as f64 / c.charged_ref_time.max(1) as f64;
					if ratio > stats.worst_weight_ratio.0 {
						stats.worst_weight_ratio = (ratio, name.clone());
					}
					if c.db_ref_time > c.charged_ref_time {
						return Err(format!(
							"block {}: {name} touched {} keys read and {} written, {} ps of DB \
							 time, above the {} ps the block was charged for it",
							chain.number,
							c.access.reads,
							c.access.writes,
							c.db_ref_time,
							c.charged_ref_time
						));
					}
				}
			}
		}
	}
	end_block(chain, stats, 1)
}

fn end_block(chain: &mut Chain, stats: &mut Stats, slots: u64) -> Result<(), String> {
	chain.close_block()?;
	stats.invariant_checks += u64::from(
		chain.check_invariants().map_err(|e| format!("after block {}: {e}", chain.number))?,
	);
	if let Some(first) = logged_errors().first() {
		return Err(format!("block {}: the runtime logged an error: {first}", chain.number));
	}
	chain.open_block(slots)?;
	stats.blocks += 1;
	Ok(())
}

/// An extrinsic that must be refused, and why it must be: the pool refuses it for exactly that
/// reason, and a block that carries it anyway (its author chose to) gains nothing from it.
fn hostile(chain: &mut Chain, u: &mut Unstructured, stats: &mut Stats) -> Result<(), String> {
	use sp_runtime::transaction_validity::{InvalidTransaction, TransactionValidityError as Tve};
	let kind = u.int_in_range(0u8..=7).unwrap_or(0);
	let Ok(picked) = calls::pick(u, chain) else { return Ok(()) };
	let bad_proof = Some(Tve::Invalid(InvalidTransaction::BadProof));
	let (xt, expected): (UncheckedExtrinsic, Option<Tve>) = match kind {
		0 => {
			// An honest extrinsic with one to three bytes of its encoding changed: it no longer
			// decodes, or decodes as something nobody signed.
			let mut raw = chain.sign(picked.signer, picked.call, Spoil::None).encode();
			for _ in 0..u.int_in_range(1u8..=3).unwrap_or(1) {
				let at = u.int_in_range(0..=raw.len().saturating_sub(1)).unwrap_or(0);
				if let Some(b) = raw.get_mut(at) {
					*b ^= u.int_in_range(1u8..=255).unwrap_or(1);
				}
			}
			match UncheckedExtrinsic::decode(&mut &raw[..]) {
				// A bare timestamp is an inherent: a block with one out of place is invalid (the
				// runtime panics, as block import expects), not a transaction to refuse.
				Ok(xt)
					if sp_runtime::traits::ExtrinsicLike::is_bare(&xt)
						&& matches!(xt.function, RuntimeCall::Timestamp(_)) =>
				{
					return Ok(())
				}
				Ok(xt) => (xt, None),
				Err(_) => {
					stats.undecodable += 1;
					return Ok(());
				}
			}
		}
		// A signed-only call sent unsigned.
		1 => (UncheckedExtrinsic::new_bare(picked.call), None),
		5 => {
			let who = chain.actors.get(picked.signer).map(|a| a.id.clone());
			let fresh = who.as_ref().is_some_and(|w| {
				chain.read(|| frame_system::Pallet::<declai_runtime::Runtime>::account_nonce(w))
					== 0
			});
			if fresh {
				// No nonce used yet: nothing stale to send.
				return Ok(());
			}
			(
				chain.sign(picked.signer, picked.call, Spoil::StaleNonce),
				Some(Tve::Invalid(InvalidTransaction::Stale)),
			)
		}
		_ => {
			let spoil = match kind {
				2 => Spoil::Signature,
				3 => Spoil::SpecVersion,
				4 => Spoil::Genesis,
				_ => Spoil::Signer,
			};
			(chain.sign(picked.signer, picked.call, spoil), bad_proof)
		}
	};
	let bare = sp_runtime::traits::ExtrinsicLike::is_bare(&xt);
	let described = format!("{:?}", &xt.function).chars().take(120).collect::<String>();
	stats.hostile += 1;
	let wrong_reason = |e: &Tve| expected.as_ref().is_some_and(|x| x != e);
	match chain.validate(xt.clone()) {
		Ok(valid) => {
			return Err(format!(
				"block {}: the pool admitted a hostile extrinsic (kind {kind}, priority {}): \
				 {described}",
				chain.number, valid.priority
			))
		}
		Err(e) if wrong_reason(&e) => {
			return Err(format!(
				"block {}: the pool refused a hostile extrinsic (kind {kind}) as {e:?}, not \
				 {expected:?}: {described}",
				chain.number
			))
		}
		Err(_) => {}
	}
	// In a block: refused for the same reason, or, without a signature, dispatched without an
	// origin and failed. Either way the ledger is as it was.
	let before = ledger(chain);
	let (applied, _) = chain.apply(xt, None, false);
	let harmless = match &applied {
		Applied::Invalid(e) => !wrong_reason(e),
		Applied::Failed(DispatchError::BadOrigin) => bare,
		_ => false,
	};
	if !harmless {
		return Err(format!(
			"block {}: a hostile extrinsic (kind {kind}) in a block: {applied:?}, expected \
			 {expected:?}: {described}",
			chain.number
		));
	}
	if ledger(chain) != before {
		return Err(format!(
			"block {}: a hostile extrinsic (kind {kind}) changed the ledger: {described}",
			chain.number
		));
	}
	stats.hostile_refused += 1;
	Ok(())
}

/// The result of the last call sudo dispatched in this block (from its `Sudid` event).
fn sudo_result() -> Option<sp_runtime::DispatchResult> {
	frame_system::Pallet::<declai_runtime::Runtime>::read_events_no_consensus()
		.filter_map(|record| match record.event {
			declai_runtime::RuntimeEvent::Sudo(pallet_sudo::Event::Sudid { sudo_result }) => {
				Some(sudo_result)
			}
			_ => None,
		})
		.last()
}

/// Whether to print every action (`DECLAI_FUZZ_TRACE=1`, for replaying a failing input).
fn trace() -> bool {
	std::env::var_os("DECLAI_FUZZ_TRACE").is_some()
}

/// Every actor's nonce and spendable credits.
fn ledger(chain: &mut Chain) -> Vec<(u32, u128)> {
	let ids: Vec<_> = chain.actors.iter().map(|a| a.id.clone()).collect();
	chain.read(|| {
		ids.iter()
			.map(|id| {
				(
					frame_system::Pallet::<declai_runtime::Runtime>::account_nonce(id),
					declai_runtime::Credits::spendable(id),
				)
			})
			.collect()
	})
}

#[cfg(test)]
mod tests {
	use super::*;

	#[test]
	fn the_runtime_s_error_logs_are_heard() {
		listen();
		let _ = logged_errors();
		frame_support::defensive!("a path that cannot happen");
		log::error!(target: "runtime::credits", "an error of a pallet");
		log::error!(target: "other", "not the runtime's");
		let heard = logged_errors();
		assert_eq!(heard.len(), 2, "{heard:?}");
		assert!(heard[0].starts_with("runtime::defensive"), "{heard:?}");
		assert!(logged_errors().is_empty());
	}
}
