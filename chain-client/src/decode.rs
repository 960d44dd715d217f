//! Any value of the runtime as JSON, by its type in the metadata: what the explorer stores for
//! call arguments, event fields and errors, and what its pages and API show.
//!
//! The rendering follows what a reader expects rather than the raw shape of the value:
//! - structs are objects with their field names; one-field tuple structs (`H256`, `Perbill`,
//!   newtypes) are their inner value; other tuples are arrays;
//! - enum variants without data are their name (`"Served"`), with data `{"Name": data}`;
//!   `Option` is `null` or its value;
//! - `AccountId32` is its SS58 address (prefix 42), byte arrays and byte vectors are `0x…` hex;
//! - integers that JSON numbers cannot carry exactly (above 2^53) are decimal strings;
//!   `FixedU128` is a decimal string (`"1.05"`).

use scale_info::{form::PortableForm, Field, PortableRegistry, TypeDef, TypeDefPrimitive};
use serde_json::{Map, Value as Json};
use subxt::{
	ext::scale_value::{self, Composite, Primitive, Value, ValueDef},
	utils::AccountId32,
};

/// Why a value could not be decoded.
#[derive(Debug, thiserror::Error)]
#[error("{0}")]
pub struct DecodeError(pub String);

/// The largest integer a JSON number carries exactly (2^53).
const MAX_SAFE_INTEGER: u128 = 1 << 53;

/// Decodes one value of type `ty` from the front of `bytes` (advancing it) as JSON.
pub fn value(bytes: &mut &[u8], ty: u32, types: &PortableRegistry) -> Result<Json, DecodeError> {
	let v = scale_value::scale::decode_as_type(bytes, ty, types)
		.map_err(|e| DecodeError(format!("type {ty}: {e}")))?;
	Ok(to_json(&v, types))
}

/// Decodes `fields` (an event's, a call's or an error's) from `bytes`, which must be consumed
/// exactly, as a JSON object (named fields) or array (unnamed ones).
pub fn fields(
	mut bytes: &[u8],
	fields: &[Field<PortableForm>],
	types: &PortableRegistry,
) -> Result<Json, DecodeError> {
	let named = fields.iter().all(|f| f.name.is_some()) && !fields.is_empty();
	let mut object = Map::new();
	let mut array = Vec::new();
	for (i, field) in fields.iter().enumerate() {
		let v = value(&mut bytes, field.ty.id, types).map_err(|e| {
			DecodeError(format!("field {} ({}): {}", i, field.name.as_deref().unwrap_or("?"), e.0))
		})?;
		match (&field.name, named) {
			(Some(name), true) => {
				object.insert(name.clone(), v);
			}
			_ => array.push(v),
		}
	}
	if !bytes.is_empty() {
		return Err(DecodeError(format!("{} bytes left after the fields", bytes.len())));
	}
	Ok(if named { Json::Object(object) } else { Json::Array(array) })
}

/// The last segment of a type's path (`AccountId32`, `FixedU128`), if it has one.
fn type_name(ty: u32, types: &PortableRegistry) -> Option<&str> {
	types.resolve(ty)?.path.segments.last().map(String::as_str)
}

/// Whether `ty` is an array or a vector of `u8`.
fn is_bytes(ty: u32, types: &PortableRegistry) -> bool {
	let elem = match types.resolve(ty).map(|t| &t.type_def) {
		Some(TypeDef::Array(a)) => a.type_param.id,
		Some(TypeDef::Sequence(s)) => s.type_param.id,
		_ => return false,
	};
	matches!(
		types.resolve(elem).map(|t| &t.type_def),
		Some(TypeDef::Primitive(TypeDefPrimitive::U8))
	)
}

/// The bytes of a composite of `u8` values (array or vector), if it is one.
fn composite_bytes(c: &Composite<u32>) -> Option<Vec<u8>> {
	c.values()
		.map(|v| match &v.value {
			ValueDef::Primitive(Primitive::U128(b)) => u8::try_from(*b).ok(),
			_ => None,
		})
		.collect()
}

/// `0x` and lower-case hex.
pub fn hex0x(bytes: &[u8]) -> String {
	format!("0x{}", hex::encode(bytes))
}

/// A decoded value as JSON (see the module docs for the rendering).
pub fn to_json(v: &Value<u32>, types: &PortableRegistry) -> Json {
	let ty = v.context;
	match &v.value {
		ValueDef::Composite(c) => {
			if is_bytes(ty, types) {
				if let Some(bytes) = composite_bytes(c) {
					return Json::String(hex0x(&bytes));
				}
			}
			match type_name(ty, types) {
				Some("AccountId32") => {
					if let Some(bytes) = flat_bytes(v) {
						if let Ok(raw) = <[u8; 32]>::try_from(bytes.as_slice()) {
							return Json::String(AccountId32(raw).to_string());
						}
					}
				}
				Some("FixedU128") => {
					if let Some(inner) = single(c).and_then(as_u128) {
						return Json::String(crate::units::fixed(inner));
					}
				}
				_ => {}
			}
			// Sequences, arrays and tuples stay arrays even with one element; only a one-field
			// tuple struct (a newtype) is its inner value.
			let listy = matches!(
				types.resolve(ty).map(|t| &t.type_def),
				Some(TypeDef::Sequence(_) | TypeDef::Array(_) | TypeDef::Tuple(_))
			);
			if listy {
				Json::Array(c.values().map(|x| to_json(x, types)).collect())
			} else {
				composite_json(c, types)
			}
		}
		ValueDef::Variant(var) => {
			if type_name(ty, types) == Some("Option") {
				return match var.name.as_str() {
					"None" => Json::Null,
					_ => single(&var.values).map(|x| to_json(x, types)).unwrap_or(Json::Null),
				};
			}
			if var.values.is_empty() {
				Json::String(var.name.clone())
			} else {
				let mut m = Map::new();
				m.insert(var.name.clone(), composite_json(&var.values, types));
				Json::Object(m)
			}
		}
		ValueDef::BitSequence(bits) => {
			Json::String(bits.iter().map(|b| if b { '1' } else { '0' }).collect())
		}
		ValueDef::Primitive(p) => primitive_json(p),
	}
}

/// The only value of a one-field composite.
fn single(c: &Composite<u32>) -> Option<&Value<u32>> {
	let mut values = c.values();
	let first = values.next()?;
	values.next().is_none().then_some(first)
}

fn as_u128(v: &Value<u32>) -> Option<u128> {
	match &v.value {
		ValueDef::Primitive(Primitive::U128(n)) => Some(*n),
		_ => None,
	}
}

/// The bytes of a value that is a byte array, possibly wrapped in one-field composites.
fn flat_bytes(v: &Value<u32>) -> Option<Vec<u8>> {
	match &v.value {
		ValueDef::Composite(c) => composite_bytes(c).or_else(|| single(c).and_then(flat_bytes)),
		_ => None,
	}
}

fn composite_json(c: &Composite<u32>, types: &PortableRegistry) -> Json {
	match c {
		Composite::Named(fields) => Json::Object(
			fields.iter().map(|(name, value)| (name.clone(), to_json(value, types))).collect(),
		),
		Composite::Unnamed(values) => match values.as_slice() {
			[one] => to_json(one, types),
			many => Json::Array(many.iter().map(|x| to_json(x, types)).collect()),
		},
	}
}

fn primitive_json(p: &Primitive) -> Json {
	match p {
		Primitive::Bool(b) => Json::Bool(*b),
		Primitive::Char(c) => Json::String(c.to_string()),
		Primitive::String(s) => Json::String(s.clone()),
		Primitive::U128(n) if *n <= MAX_SAFE_INTEGER => Json::from(*n as u64),
		Primitive::U128(n) => Json::String(n.to_string()),
		Primitive::I128(n) if n.unsigned_abs() <= MAX_SAFE_INTEGER => Json::from(*n as i64),
		Primitive::I128(n) => Json::String(n.to_string()),
		Primitive::U256(b) | Primitive::I256(b) => Json::String(hex0x(b)),
	}
}

/// A module error of the runtime by name: `Pallet.Error` and its first doc line, from the
/// pallet index and the error's first byte (`DispatchError::Module`).
pub fn module_error(
	metadata: &subxt::Metadata,
	pallet_index: u8,
	error: [u8; 4],
) -> Option<(String, String)> {
	let pallet = metadata.pallet_by_error_index(pallet_index)?;
	let variant = pallet.error_variant_by_index(error[0])?;
	Some((
		format!("{}.{}", pallet.name(), variant.name),
		variant.docs.first().map(|d| d.trim().to_string()).unwrap_or_default(),
	))
}

#[cfg(test)]
mod tests {
	use super::*;
	use codec::Encode;
	use scale_info::{meta_type, Registry, TypeInfo};

	#[derive(Encode, TypeInfo)]
	struct AccountId32([u8; 32]);

	#[derive(Encode, TypeInfo)]
	enum Outcome {
		Served,
		Faulted { slashed: u128 },
	}

	#[derive(Encode, TypeInfo)]
	struct Sample {
		who: AccountId32,
		root: [u8; 4],
		big: u128,
		small: u32,
		maybe: Option<u16>,
		none: Option<u16>,
		outcome: Outcome,
		faulted: Outcome,
		pair: (u8, bool),
		one: Vec<u32>,
		newtype: Wrapper,
	}

	#[derive(Encode, TypeInfo)]
	struct Wrapper(u64);

	fn registry<T: TypeInfo + 'static>() -> (PortableRegistry, u32) {
		let mut r = Registry::new();
		let id = r.register_type(&meta_type::<T>()).id;
		(r.into(), id)
	}

	#[test]
	fn values_render_with_names_addresses_hex_and_safe_integers() {
		let (types, id) = registry::<Sample>();
		let sample = Sample {
			who: AccountId32([1; 32]),
			root: [0xde, 0xad, 0xbe, 0xef],
			big: u128::MAX,
			small: 7,
			maybe: Some(3),
			none: None,
			outcome: Outcome::Served,
			faulted: Outcome::Faulted { slashed: 5 },
			pair: (9, true),
			one: vec![4],
			newtype: Wrapper(11),
		};
		let bytes = sample.encode();
		let mut rest = &bytes[..];
		let json = value(&mut rest, id, &types).unwrap();
		assert!(rest.is_empty());
		assert_eq!(json["who"], subxt::utils::AccountId32([1; 32]).to_string());
		assert!(json["who"].as_str().unwrap().starts_with('5'));
		assert_eq!(json["root"], "0xdeadbeef");
		assert_eq!(json["big"], u128::MAX.to_string());
		assert_eq!(json["small"], 7);
		assert_eq!(json["maybe"], 3);
		assert_eq!(json["none"], Json::Null);
		assert_eq!(json["outcome"], "Served");
		assert_eq!(json["faulted"]["Faulted"]["slashed"], 5);
		assert_eq!(json["pair"], serde_json::json!([9, true]));
		assert_eq!(json["one"], serde_json::json!([4]));
		assert_eq!(json["newtype"], 11);
	}

	#[test]
	fn truncated_or_overlong_fields_are_named_errors() {
		let (types, id) = registry::<u32>();
		let field = |name: &str| Field::<PortableForm> {
			name: Some(name.into()),
			ty: id.into(),
			type_name: None,
			docs: vec![],
		};
		let ok = fields(&7u32.encode(), &[field("n")], &types).unwrap();
		assert_eq!(ok["n"], 7);
		let short = fields(&[1, 2], &[field("n")], &types).unwrap_err();
		assert!(short.0.contains("field 0 (n)"), "{}", short.0);
		let long = fields(&[1, 2, 3, 4, 5], &[field("n")], &types).unwrap_err();
		assert!(long.0.contains("1 bytes left"), "{}", long.0);
	}
}
