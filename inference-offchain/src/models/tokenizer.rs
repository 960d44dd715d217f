//! The BERT uncased WordPiece tokenizer of all-MiniLM-L6-v2, read from its `vocab.txt`.
//!
//! It follows the model's `tokenizer.json` (Hugging Face `BertNormalizer` with `clean_text`,
//! `handle_chinese_chars`, `lowercase` and therefore accent stripping; `BertPreTokenizer`;
//! `WordPiece` with `##` continuations, `[UNK]` and at most 100 characters per word; the
//! `[CLS] … [SEP]` template) and sentence-transformers' 256-token limit. Unicode punctuation
//! and format characters come from tables of the common blocks; text in rare scripts with
//! punctuation outside them may split differently from the reference tokenizer. The tests check
//! the ids against the Hugging Face `tokenizers` library on a fixed set of sentences.

use std::collections::HashMap;

use unicode_normalization::{char::is_combining_mark, UnicodeNormalization};

use super::ModelError;

/// sentence-transformers' `max_seq_length` for this model (including `[CLS]` and `[SEP]`).
pub const MAX_TOKENS: usize = 256;
/// Words longer than this many characters become `[UNK]`.
const MAX_WORD_CHARS: usize = 100;

/// A WordPiece vocabulary.
pub struct Tokenizer {
	vocab: HashMap<String, u32>,
	cls: u32,
	sep: u32,
	unk: u32,
}

impl Tokenizer {
	/// Builds the tokenizer from the lines of `vocab.txt` (line number = token id).
	pub fn from_vocab(text: &str) -> Result<Self, ModelError> {
		let vocab: HashMap<String, u32> =
			text.lines().enumerate().map(|(i, t)| (t.to_string(), i as u32)).collect();
		let special = |name: &str| {
			vocab.get(name).copied().ok_or_else(|| ModelError::Format {
				path: "vocab.txt".into(),
				reason: format!("no {name} token"),
			})
		};
		Ok(Self { cls: special("[CLS]")?, sep: special("[SEP]")?, unk: special("[UNK]")?, vocab })
	}

	/// Number of tokens in the vocabulary.
	pub fn len(&self) -> usize {
		self.vocab.len()
	}

	/// Whether the vocabulary is empty (never, once built).
	pub fn is_empty(&self) -> bool {
		self.vocab.is_empty()
	}

	/// Token ids of `text`: `[CLS]`, the word pieces (truncated to fit), `[SEP]`.
	pub fn encode(&self, text: &str) -> Vec<u32> {
		let mut ids = vec![self.cls];
		for word in pre_tokenize(&normalize(text)) {
			self.word_pieces(&word, &mut ids);
			if ids.len() >= MAX_TOKENS - 1 {
				break;
			}
		}
		ids.truncate(MAX_TOKENS - 1);
		ids.push(self.sep);
		ids
	}

	/// Greedy longest-match-first WordPiece of one word.
	fn word_pieces(&self, word: &str, out: &mut Vec<u32>) {
		let chars: Vec<char> = word.chars().collect();
		if chars.len() > MAX_WORD_CHARS {
			out.push(self.unk);
			return;
		}
		let mut pieces = Vec::new();
		let mut start = 0;
		while start < chars.len() {
			let mut end = chars.len();
			let mut found = None;
			while start < end {
				let piece: String = chars[start..end].iter().collect();
				let piece = if start > 0 { format!("##{piece}") } else { piece };
				if let Some(id) = self.vocab.get(&piece) {
					found = Some(*id);
					break;
				}
				end -= 1;
			}
			match found {
				Some(id) => pieces.push(id),
				None => {
					out.push(self.unk);
					return;
				}
			}
			start = end;
		}
		out.extend(pieces);
	}
}

/// `BertNormalizer`: drop control and format characters, whitespace to spaces, spaces around
/// CJK ideographs, NFD and drop combining marks, lowercase.
pub fn normalize(text: &str) -> String {
	let mut cleaned = String::with_capacity(text.len());
	for c in text.chars() {
		if c == '\0' || c == '\u{fffd}' || is_control(c) {
			continue;
		}
		if is_cjk(c) {
			cleaned.push(' ');
			cleaned.push(c);
			cleaned.push(' ');
		} else if c.is_whitespace() {
			cleaned.push(' ');
		} else {
			cleaned.push(c);
		}
	}
	cleaned.nfd().filter(|c| !is_combining_mark(*c)).flat_map(char::to_lowercase).collect()
}

/// `BertPreTokenizer`: split on whitespace; every punctuation character is a word of its own.
pub fn pre_tokenize(text: &str) -> Vec<String> {
	let mut words = Vec::new();
	let mut current = String::new();
	for c in text.chars() {
		if c.is_whitespace() {
			if !current.is_empty() {
				words.push(std::mem::take(&mut current));
			}
		} else if is_punctuation(c) {
			if !current.is_empty() {
				words.push(std::mem::take(&mut current));
			}
			words.push(c.to_string());
		} else {
			current.push(c);
		}
	}
	if !current.is_empty() {
		words.push(current);
	}
	words
}

/// Control (Cc other than tab, newline, carriage return) and format (Cf) characters.
fn is_control(c: char) -> bool {
	if matches!(c, '\t' | '\n' | '\r') {
		return false;
	}
	c.is_control()
		|| matches!(c as u32,
			0x00AD | 0x0600..=0x0605 | 0x061C | 0x06DD | 0x070F | 0x180E | 0x200B..=0x200F |
			0x202A..=0x202E | 0x2060..=0x2064 | 0x2066..=0x206F | 0xFEFF | 0xFFF9..=0xFFFB |
			0xE0001 | 0xE0020..=0xE007F)
}

/// CJK Unified Ideographs and their extensions and compatibility blocks (as BERT defines them).
fn is_cjk(c: char) -> bool {
	matches!(c as u32,
		0x4E00..=0x9FFF | 0x3400..=0x4DBF | 0x20000..=0x2A6DF | 0x2A700..=0x2B73F |
		0x2B740..=0x2B81F | 0x2B820..=0x2CEAF | 0xF900..=0xFAFF | 0x2F800..=0x2FA1F)
}

/// ASCII punctuation and symbols (as BERT treats them) and Unicode punctuation (P*) of the
/// common blocks.
fn is_punctuation(c: char) -> bool {
	c.is_ascii_punctuation()
		|| matches!(c as u32,
			0x00A1 | 0x00A7 | 0x00AB | 0x00B6 | 0x00B7 | 0x00BB | 0x00BF | 0x037E | 0x0387 |
			0x055A..=0x055F | 0x0589 | 0x058A | 0x05BE | 0x05C0 | 0x05C3 | 0x05C6 | 0x05F3 | 0x05F4 |
			0x0609 | 0x060A | 0x060C | 0x060D | 0x061B | 0x061D..=0x061F | 0x066A..=0x066D | 0x06D4 |
			0x0964 | 0x0965 | 0x0970 | 0x0E4F | 0x0E5A | 0x0E5B | 0x10FB | 0x1360..=0x1368 |
			0x166E | 0x169B | 0x169C | 0x16EB..=0x16ED | 0x17D4..=0x17D6 | 0x17D8..=0x17DA |
			0x1800..=0x180A | 0x2010..=0x2027 | 0x2030..=0x2043 | 0x2045..=0x2051 | 0x2053..=0x205E |
			0x207D | 0x207E | 0x208D | 0x208E | 0x2308..=0x230B | 0x2329 | 0x232A | 0x2768..=0x2775 |
			0x27C5 | 0x27C6 | 0x27E6..=0x27EF | 0x2983..=0x2998 | 0x29D8..=0x29DB | 0x29FC | 0x29FD |
			0x2CF9..=0x2CFC | 0x2CFE | 0x2CFF | 0x2E00..=0x2E2E | 0x2E30..=0x2E4F | 0x3001..=0x3003 |
			0x3008..=0x3011 | 0x3014..=0x301F | 0x3030 | 0x303D | 0x30A0 | 0x30FB | 0xFE10..=0xFE19 |
			0xFE30..=0xFE52 | 0xFE54..=0xFE61 | 0xFE63 | 0xFE68 | 0xFE6A | 0xFE6B | 0xFF01..=0xFF03 |
			0xFF05..=0xFF0A | 0xFF0C..=0xFF0F | 0xFF1A | 0xFF1B | 0xFF1F | 0xFF20 | 0xFF3B..=0xFF3D |
			0xFF3F | 0xFF5B | 0xFF5D | 0xFF5F..=0xFF65)
}

#[cfg(test)]
mod tests {
	use super::*;

	fn tiny() -> Tokenizer {
		let vocab = [
			"[PAD]", "[UNK]", "[CLS]", "[SEP]", "hello", "world", "un", "##aff", "##able", ",",
			"!", "cafe", "中",
		];
		Tokenizer::from_vocab(&vocab.join("\n")).unwrap()
	}

	#[test]
	fn normalizes_like_bert_uncased() {
		assert_eq!(normalize("Héllo\tWORLD\u{200B}!"), "hello world!");
		assert_eq!(normalize("中文"), " 中  文 ");
		assert_eq!(pre_tokenize("hello, world!"), ["hello", ",", "world", "!"]);
	}

	#[test]
	fn word_pieces_are_greedy_longest_first() {
		let t = tiny();
		assert_eq!(t.encode("Hello, unaffable WORLD!"), [2, 4, 9, 6, 7, 8, 5, 10, 3]);
		// A word with an unknown piece becomes one [UNK]; an over-long word too.
		assert_eq!(t.encode("unknown café"), [2, 1, 11, 3]);
		assert_eq!(t.encode(&"a".repeat(101)), [2, 1, 3]);
		assert_eq!(t.encode("中"), [2, 12, 3]);
	}

	#[test]
	fn long_text_is_truncated_to_the_model_limit() {
		let t = tiny();
		let ids = t.encode(&"hello ".repeat(1000));
		assert_eq!(ids.len(), MAX_TOKENS);
		assert_eq!((ids[0], ids[MAX_TOKENS - 1]), (2, 3));
	}

	#[test]
	fn vocab_without_special_tokens_is_a_named_error() {
		assert!(matches!(Tokenizer::from_vocab("a\nb"), Err(ModelError::Format { .. })));
	}
}
