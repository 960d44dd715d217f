//! Benchmarks of `pallet-inference` (frame-benchmarking v2), worst cases.

#![allow(clippy::arithmetic_side_effects, clippy::expect_used, clippy::unwrap_used)]

use super::*;

/// Registers float models so that the workers pallet's benchmarks find models `1..=count`.
pub struct ModelHelper<T>(PhantomData<T>);
impl<T: Config> pallet_workers::BenchmarkHelper for ModelHelper<T> {
	fn register_models(count: u32) {
		for id in 0..=count {
			if Models::<T>::contains_key(id) {
				continue;
			}
			let spec = ModelSpec {
				name: b"bench".to_vec(),
				kind: declai_primitives::poi::ModelKind::Embedding,
				weights_root: H256::repeat_byte(1),
				cost: declai_primitives::GPU_HOUR / 100,
				max_input: T::MaxInputLen::get(),
				max_output: T::MaxOutputLen::get(),
				tier: VerificationTier::FloatTolerance { max_error_ppm: 1_000 },
				layers: Vec::new(),
				premium: false,
			};
			let model = Pallet::<T>::validate_model(spec).expect("valid bench model");
			Models::<T>::insert(id, model);
			NextModelId::<T>::put(id + 1);
		}
	}
}
