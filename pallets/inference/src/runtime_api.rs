//! Runtime API through which clients (RPC `declai_job`, `declai_worker`, `declai_queue`, …;
//! polkadot.js `api.call.inferenceApi`) read Proof-of-Inference state.

use crate::types::{JobView, QueueView};
use alloc::vec::Vec;
use codec::Codec;
use declai_primitives::poi::{JobId, ModelId};
use pallet_workers::WorkerView;

sp_api::decl_runtime_apis! {
	/// Jobs, results, workers, the queue and per-worker assignments.
	pub trait InferenceApi<AccountId, BlockNumber>
	where
		AccountId: Codec,
		BlockNumber: Codec,
	{
		/// A job: phase, deadline, replicas and their states, the verified result and the
		/// receipts once served.
		fn job(id: JobId) -> Option<JobView<AccountId, BlockNumber>>;
		/// A worker: class, region, models, bond, reputation, CV, audit probability, counts.
		fn worker(who: AccountId) -> Option<WorkerView<BlockNumber>>;
		/// The queue: live jobs, queued jobs by priority, network capacity.
		fn queue() -> QueueView;
		/// Jobs a worker must work on now.
		fn assignments(who: AccountId) -> Vec<JobId>;
		/// Workers serving a model.
		fn model_workers(model: ModelId) -> Vec<AccountId>;
	}
}
