//! Small server-side SVG plots: no script, no library, readable without JavaScript.

use maud::{html, Markup, PreEscaped};

/// The line plots' size and margin (SVG units).
const W: f64 = 640.0;
const H: f64 = 160.0;
const PAD: f64 = 24.0;

/// A line plot's ranges and their mapping onto the SVG.
struct Frame {
	x0: f64,
	x1: f64,
	y0: f64,
	y1: f64,
}

impl Frame {
	/// The x range of `points` (x ascending, non-empty; at least 1 wide) and the y range `y0..y1`.
	fn new(points: &[(f64, f64)], y0: f64, y1: f64) -> Self {
		let x0 = points[0].0;
		Self { x0, x1: points[points.len() - 1].0.max(x0 + 1.0), y0, y1 }
	}

	fn x(&self, x: f64) -> f64 {
		PAD + (x - self.x0) / (self.x1 - self.x0) * (W - 2.0 * PAD)
	}

	fn y(&self, y: f64) -> f64 {
		H - PAD - (y - self.y0) / (self.y1 - self.y0) * (H - 2.0 * PAD)
	}

	/// The plot: `label` as its title, `body`, and the x range under it.
	fn svg(&self, label: &str, body: Markup) -> Markup {
		html! {
			svg.plot viewBox=(format!("0 0 {W} {H}")) role="img" aria-label=(label) {
				title { (label) }
				(body)
				text x=(PAD) y=(H - 6.0) font-size="11" { (fmt(self.x0)) }
				text x=(W - PAD) y=(H - 6.0) font-size="11" text-anchor="end" { (fmt(self.x1)) }
			}
		}
	}
}

/// A step line of `(x, y)` points (x ascending), with the y range labelled.
pub fn step_line(points: &[(f64, f64)], label: &str) -> Markup {
	if points.is_empty() {
		return html! { p.muted { "No data yet." } };
	}
	let y1 = points.iter().map(|p| p.1).fold(0.0_f64, f64::max).max(1e-12);
	let f = Frame::new(points, 0.0, y1);
	let mut d = format!("M{:.1},{:.1}", f.x(points[0].0), f.y(points[0].1));
	for w in points.windows(2) {
		d.push_str(&format!(" H{:.1} V{:.1}", f.x(w[1].0), f.y(w[1].1)));
	}
	d.push_str(&format!(" H{:.1}", W - PAD));
	f.svg(
		label,
		html! {
			line x1=(PAD) y1=(H - PAD) x2=(W - PAD) y2=(H - PAD) stroke="#999" {}
			path d=(d) fill="none" stroke="#2463eb" stroke-width="2" {}
			text x=(PAD) y="14" font-size="11" { (PreEscaped(format!("max {}", fmt(y1)))) }
		},
	)
}

/// Bars of `(label, value)`, e.g. credits by expiry day.
pub fn bars(items: &[(String, f64)], label: &str) -> Markup {
	const H: f64 = 140.0;
	const PAD: f64 = 20.0;
	if items.is_empty() {
		return html! { p.muted { "Nothing to show." } };
	}
	let max = items.iter().map(|i| i.1).fold(0.0_f64, f64::max).max(1e-12);
	let slot = (W - 2.0 * PAD) / items.len() as f64;
	html! {
		svg.plot viewBox=(format!("0 0 {W} {H}")) role="img" aria-label=(label) {
			title { (label) }
			@for (i, (name, v)) in items.iter().enumerate() {
				@let h = v / max * (H - 2.0 * PAD);
				@let x = PAD + i as f64 * slot;
				rect x=(format!("{:.1}", x + slot * 0.1)) y=(format!("{:.1}", H - PAD - h)) width=(format!("{:.1}", slot * 0.8)) height=(format!("{:.1}", h)) fill="#2463eb" {
					title { (name) ": " (fmt(*v)) }
				}
				text x=(format!("{:.1}", x + slot / 2.0)) y=(H - 6.0) font-size="10" text-anchor="middle" { (name) }
			}
		}
	}
}

/// A line of `(x, y)` points with a shaded band `[low, high]` (e.g. the 0.95–1.05 target).
pub fn band_line(points: &[(f64, f64)], (low, high): (f64, f64), label: &str) -> Markup {
	if points.is_empty() {
		return html! { p.muted { "No data yet." } };
	}
	let y0 = points.iter().map(|p| p.1).fold(low, f64::min) * 0.98;
	let y1 = points.iter().map(|p| p.1).fold(high, f64::max) * 1.02;
	let f = Frame::new(points, y0, y1);
	let d: Vec<String> = points
		.iter()
		.enumerate()
		.map(|(i, p)| format!("{}{:.1},{:.1}", if i == 0 { "M" } else { " L" }, f.x(p.0), f.y(p.1)))
		.collect();
	f.svg(
		label,
		html! {
			rect x=(PAD) y=(format!("{:.1}", f.y(high))) width=(W - 2.0 * PAD) height=(format!("{:.1}", f.y(low) - f.y(high))) fill="#2463eb" fill-opacity="0.12" {}
			path d=(d.concat()) fill="none" stroke="#2463eb" stroke-width="2" {}
			text x=(PAD) y="14" font-size="11" { (fmt(y1)) }
			text x=(PAD) y=(H - 26.0) font-size="11" { (fmt(y0)) }
		},
	)
}

fn fmt(v: f64) -> String {
	if v.fract() == 0.0 && v.abs() < 1e15 {
		format!("{v:.0}")
	} else {
		format!("{v:.4}").trim_end_matches('0').trim_end_matches('.').to_string()
	}
}
