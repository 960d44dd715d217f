//! The η check on the worker's side: answer this worker's benchmark challenges and, as an
//! auditor, re-run other workers' answered challenges and report the result.
//!
//! Like jobs, the decision is taken from chain state (`Workers.Benchmarks`) each finalized block:
//! an open, unanswered challenge of this worker is run on its backend and answered with the
//! digest and the measured time, signed by the attestation key; an auditor learns of answers from
//! `BenchmarkAnswered` events (caught up after a restart) and checks each challenge that is still
//! open and that it has not checked. Submissions are recorded in `benchmarks.json` before they
//! are sent and are not repeated within [`RESUBMIT_AFTER`] blocks.

use super::*;
use crate::{chain::BenchmarkInfo, hardware};
use subxt::utils::AccountId32;

/// Marks older than this many blocks are dropped.
const MARKS_KEPT_FOR: u32 = 2_000;

fn answer_key(id: u64) -> String {
	format!("answer:{id}")
}

fn check_key(worker: &AccountId32, id: u64) -> String {
	format!("check:{}:{id}", hex::encode(worker.0))
}

/// Decodes the `(who, id)` of a `Workers.BenchmarkAnswered` event.
pub(super) fn answered_event(fields: &[u8]) -> Option<(AccountId32, u64)> {
	let who: [u8; 32] = fields.get(..32)?.try_into().ok()?;
	let id = u64::from_le_bytes(fields.get(32..40)?.try_into().ok()?);
	Some((AccountId32(who), id))
}

impl<B: Backend> Engine<B> {
	/// Whether `key` was submitted within the last [`RESUBMIT_AFTER`] blocks.
	fn benchmark_marked(&self, key: &str, number: u32) -> bool {
		self.benchmarks
			.submitted
			.get(key)
			.is_some_and(|at| number < at.saturating_add(RESUBMIT_AFTER))
	}

	/// Records a submission (on disk before it is sent).
	fn mark_benchmark(&mut self, key: String, number: u32) -> Result<(), WorkerError> {
		self.benchmarks.submitted.retain(|_, at| at.saturating_add(MARKS_KEPT_FOR) > number);
		self.benchmarks.submitted.insert(key, number);
		self.store.save_benchmarks(&self.benchmarks)?;
		Ok(())
	}

	/// Runs a challenge on this worker's backend.
	fn run_challenge(&self, c: &BenchmarkInfo) -> hardware::BenchmarkAnswer {
		hardware::benchmark::<B>(&c.seed, c.size, c.rounds, &self.device)
	}

	/// Answers this worker's open challenge if it is unanswered and due.
	pub(super) async fn answer_benchmark(&mut self, number: u32) -> Result<(), WorkerError> {
		let me = *self.chain.account();
		let Some(c) = self.chain.benchmark(&me).await? else { return Ok(()) };
		let key = answer_key(c.id);
		if c.answer.is_some() || number > c.deadline || self.benchmark_marked(&key, number) {
			return Ok(());
		}
		let run = self.run_challenge(&c);
		let mut digest = run.digest;
		if self.dishonest.is_some() {
			// The test modes cheat here too: a digest of nothing.
			digest = blake2_256(b"not computed");
		}
		let payload = poi::benchmark_answer_payload(c.id, &c.seed, &digest, run.micros);
		let signature = AttestationSignature::Sr25519(self.attestation.sign(&payload).0);
		self.mark_benchmark(key, number)?;
		let call = RawCall::new(
			"Workers",
			"answer_benchmark",
			RawArgs::default().arg(&c.id).arg(&digest).arg(&run.micros).arg(&signature),
		);
		let hash = self.chain.submit(&call).await?;
		self.status.count("benchmark_answers");
		tracing::info!(
			challenge = c.id,
			size = c.size,
			rounds = c.rounds,
			micros = run.micros,
			tx = %hex::encode(hash),
			"benchmark challenge answered"
		);
		Ok(())
	}

	/// Queues an answered challenge for this auditor's check.
	pub(super) fn queue_check(&mut self, worker: &AccountId32, id: u64) {
		self.benchmarks.to_check.insert((hex::encode(worker.0), id));
	}

	/// Checks every queued challenge that is still open and unchecked by this auditor.
	pub(super) async fn check_benchmarks(&mut self, number: u32) -> Result<(), WorkerError> {
		let me = *self.chain.account();
		for (who_hex, id) in self.benchmarks.to_check.clone() {
			let who = hex::decode(&who_hex)
				.ok()
				.and_then(|b| <[u8; 32]>::try_from(b).ok())
				.map(AccountId32);
			let Some(who) = who else {
				self.benchmarks.to_check.remove(&(who_hex, id));
				continue;
			};
			let open = self.chain.benchmark(&who).await?.filter(|c| {
				c.id == id
					&& c.answer.is_some()
					&& number <= c.deadline
					&& !c.checks.iter().any(|k| k.auditor == me)
			});
			let Some(c) = open else {
				self.benchmarks.to_check.remove(&(who_hex, id));
				continue;
			};
			let key = check_key(&who, id);
			if self.benchmark_marked(&key, number) {
				continue;
			}
			let run = self.run_challenge(&c);
			self.mark_benchmark(key, number)?;
			let matches = c.answer.as_ref().is_some_and(|a| a.digest == run.digest);
			let call = RawCall::new(
				"Workers",
				"check_benchmark",
				RawArgs::default()
					.arg(&who)
					.arg(&id)
					.arg(&run.digest)
					.arg(&run.micros)
					.arg(&self.class),
			);
			self.chain.submit(&call).await?;
			self.status.count("benchmark_checks");
			tracing::info!(worker = %who, challenge = id, matches, micros = run.micros, "benchmark challenge checked");
		}
		self.store.save_benchmarks(&self.benchmarks)?;
		Ok(())
	}
}

#[cfg(test)]
mod tests {
	use super::*;

	#[test]
	fn answered_events_decode_who_and_id() {
		let mut fields = vec![9u8; 32];
		fields.extend_from_slice(&7u64.to_le_bytes());
		fields.extend_from_slice(&1_000u64.to_le_bytes());
		assert_eq!(answered_event(&fields), Some((AccountId32([9; 32]), 7)));
		assert_eq!(answered_event(&fields[..39]), None);
	}

	#[test]
	fn keys_name_the_step_the_worker_and_the_challenge() {
		assert_eq!(answer_key(3), "answer:3");
		assert_eq!(check_key(&AccountId32([1; 32]), 3), format!("check:{}:3", "01".repeat(32)));
	}
}
