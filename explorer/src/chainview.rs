//! Live reads of the chain for the pages, at the *finalized* head: an account's lots and caps
//! (`CreditsApi::account_summary`) and the economy (`EconomicsApi::economics`). The index holds
//! history; these hold the present state that only the runtime computes (expiry, caps).
//! A node that is away makes these parts of a page say so; the rest of the page is served
//! from the index.

use std::time::Duration;

use codec::{Decode, Encode};
use declai_chain::{decode, AccountCredits, Reader};
use serde_json::Value as Json;
use subxt::utils::AccountId32;
use tokio::sync::Mutex;

/// A lazily (re)connected read-only view of the node.
pub struct ChainView {
	url: String,
	reader: Mutex<Option<Reader>>,
}

impl ChainView {
	/// A view of the node at `url` (nothing is connected yet).
	pub fn new(url: &str) -> Self {
		Self { url: url.into(), reader: Mutex::new(None) }
	}

	async fn reader(&self) -> Result<Reader, String> {
		let mut guard = self.reader.lock().await;
		if let Some(r) = guard.as_ref() {
			return Ok(r.clone());
		}
		let r = tokio::time::timeout(Duration::from_secs(3), Reader::connect(&self.url))
			.await
			.map_err(|_| format!("the node at {} does not answer", self.url))?
			.map_err(|e| e.to_string())?;
		*guard = Some(r.clone());
		Ok(r)
	}

	async fn forget(&self) {
		*self.reader.lock().await = None;
	}

	/// Calls runtime API `api.method(args)` at the finalized head; the result as JSON.
	pub async fn runtime_json(&self, api: &str, method: &str, args: &[u8]) -> Result<Json, String> {
		let result = self.runtime_json_once(api, method, args).await;
		if result.is_err() {
			self.forget().await;
		}
		result
	}

	async fn runtime_json_once(
		&self,
		api: &str,
		method: &str,
		args: &[u8],
	) -> Result<Json, String> {
		let reader = self.reader().await?;
		let at = tokio::time::timeout(Duration::from_secs(5), reader.api().at_current_block())
			.await
			.map_err(|_| "the node does not answer".to_string())?
			.map_err(|e| e.to_string())?;
		let metadata = at.metadata();
		let ty = metadata
			.runtime_api_trait_by_name(api)
			.and_then(|t| t.method_by_name(method))
			.map(|m| m.output_ty())
			.ok_or_else(|| format!("the runtime has no {api}::{method}"))?;
		let bytes = at
			.runtime_apis()
			.call_raw(&format!("{api}_{method}"), Some(args))
			.await
			.map_err(|e| e.to_string())?;
		decode::value(&mut &bytes[..], ty, metadata.types()).map_err(|e| e.to_string())
	}

	/// `pallet.item(keys)` at the finalized head as JSON; `None` if absent.
	pub async fn storage<K>(
		&self,
		pallet: &str,
		item: &str,
		keys: K,
	) -> Result<Option<Json>, String>
	where
		K: subxt::ext::frame_decode::storage::IntoEncodableValues
			+ subxt::ext::frame_decode::storage::IntoDecodableValues,
	{
		let result = async {
			let reader = self.reader().await?;
			let at = reader.api().at_current_block().await.map_err(|e| e.to_string())?;
			let address = subxt::dynamic::storage::<K, subxt::dynamic::Value>(pallet, item);
			let value = at.storage().try_fetch(address, keys).await.map_err(|e| e.to_string())?;
			let metadata = at.metadata();
			value
				.map(|v| {
					decode::value(&mut v.bytes(), v.type_id(), metadata.types())
						.map_err(|e| e.to_string())
				})
				.transpose()
		}
		.await;
		if result.is_err() {
			self.forget().await;
		}
		result
	}

	/// Every entry of map `pallet.item` at the finalized head: (the last key's SCALE bytes,
	/// the value as JSON), in storage order.
	pub async fn entries(&self, pallet: &str, item: &str) -> Result<Vec<(Vec<u8>, Json)>, String> {
		let result = async {
			let reader = self.reader().await?;
			let at = reader.api().at_current_block().await.map_err(|e| e.to_string())?;
			let address = subxt::dynamic::storage::<(subxt::dynamic::Value,), subxt::dynamic::Value>(
				pallet, item,
			);
			let mut stream = at.storage().iter(address, ()).await.map_err(|e| e.to_string())?;
			let metadata = at.metadata();
			let mut out = Vec::new();
			while let Some(kv) = stream.next().await {
				let kv = kv.map_err(|e| e.to_string())?;
				let key = kv.key().map_err(|e| e.to_string())?;
				let key_bytes = key.part(0).map(|p| p.value_bytes().to_vec()).unwrap_or_default();
				let v = kv.value();
				let value = decode::value(&mut v.bytes(), v.type_id(), metadata.types())
					.map_err(|e| e.to_string())?;
				out.push((key_bytes, value));
			}
			Ok(out)
		}
		.await;
		if result.is_err() {
			self.forget().await;
		}
		result
	}

	/// Credits (free lots of all accounts) expiring within `days` days of the day of block
	/// `now` (`Credits.ExpiringOn`), in raw units.
	pub async fn expiring_within(&self, days: u64, now: u64) -> Result<u128, String> {
		let per_day = {
			let reader = self.reader().await?;
			let at = reader.api().at_current_block().await.map_err(|e| e.to_string())?;
			let metadata = at.metadata();
			let constant = metadata
				.pallet_by_name("Credits")
				.and_then(|p| p.constant_by_name("BlocksPerDay"))
				.ok_or("the runtime has no Credits.BlocksPerDay")?;
			u64::from(u32::decode(&mut constant.value()).map_err(|e| e.to_string())?)
		};
		let today = now / per_day.max(1);
		let totals = self.storage("Credits", "ExpiringOn", ()).await?.unwrap_or(Json::Null);
		Ok(expiring_by(&totals, today.saturating_add(days)))
	}

	/// `who`'s credits now (finalized).
	pub async fn account(&self, who: &AccountId32) -> Result<AccountCredits, String> {
		let result = async {
			let reader = self.reader().await?;
			let at = reader.api().at_current_block().await.map_err(|e| e.to_string())?;
			let call = subxt::dynamic::runtime_api_call::<_, AccountCredits>(
				"CreditsApi",
				"account_summary",
				(*who,),
			);
			at.runtime_apis().call(call).await.map_err(|e| e.to_string())
		}
		.await;
		if result.is_err() {
			self.forget().await;
		}
		result
	}

	/// The economy now (finalized), as JSON.
	pub async fn economics(&self) -> Result<Json, String> {
		self.runtime_json("EconomicsApi", "economics", &[]).await
	}

	/// Runtime API `EconomicsApi::receipt(id)`, as JSON.
	pub async fn receipt(&self, id: u64) -> Result<Json, String> {
		self.runtime_json("EconomicsApi", "receipt", &id.encode()).await
	}
}

/// The sum of the per-day expiry totals (`Credits.ExpiringOn` as JSON) of the days up to
/// `last_day`. Spec 116 on, a window `{first_day, amounts}` with one amount per day from
/// `first_day`; before, a list with one lot `{expires_on, amount}` per day (spec 115) or
/// `[day, amount]` pairs (the map of earlier runtimes). Anything else counts nothing.
fn expiring_by(totals: &Json, last_day: u64) -> u128 {
	if let Some(first_day) = totals.get("first_day").and_then(crate::derive::json_u128) {
		return totals
			.get("amounts")
			.and_then(Json::as_array)
			.into_iter()
			.flatten()
			.zip(first_day..)
			.take_while(|(_, day)| *day <= u128::from(last_day))
			.filter_map(|(amount, _)| crate::derive::json_u128(amount))
			.fold(0u128, u128::saturating_add);
	}
	totals
		.as_array()
		.into_iter()
		.flatten()
		.filter_map(|entry| {
			let (day, amount) = match entry {
				Json::Object(lot) => (lot.get("expires_on"), lot.get("amount")),
				pair => (pair.get(0), pair.get(1)),
			};
			let day = day.and_then(crate::derive::json_u128)?;
			let amount = amount.and_then(crate::derive::json_u128)?;
			(day <= u128::from(last_day)).then_some(amount)
		})
		.sum()
}

#[cfg(test)]
mod tests {
	use super::*;

	#[test]
	fn expiring_counts_the_days_up_to_the_last_in_every_shape() {
		let lots = serde_json::json!([
			{"expires_on": 3, "amount": "5"},
			{"expires_on": 10, "amount": 7},
			{"expires_on": 11, "amount": 100},
		]);
		assert_eq!(expiring_by(&lots, 10), 12);
		assert_eq!(expiring_by(&lots, 2), 0);
		let pairs = serde_json::json!([[3, "5"], [10, 7], [11, 100]]);
		assert_eq!(expiring_by(&pairs, 11), 112);
		assert_eq!(expiring_by(&serde_json::json!(null), 11), 0);
		assert_eq!(expiring_by(&serde_json::json!([{"day": 1}]), 11), 0);
		let window = serde_json::json!({"first_day": 3, "amounts": ["5", 0, 7, 100]});
		assert_eq!(expiring_by(&window, 2), 0);
		assert_eq!(expiring_by(&window, 3), 5);
		assert_eq!(expiring_by(&window, 5), 12);
		assert_eq!(expiring_by(&window, 600), 112);
		assert_eq!(expiring_by(&serde_json::json!({"first_day": 3}), 600), 0);
	}
}
