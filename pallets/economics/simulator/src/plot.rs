//! PNG line charts (plotters, bitmap backend, DejaVu Sans registered at start-up).

use plotters::prelude::*;

/// One line of a chart, with an optional shaded band (`(x, low, high)`) around it.
pub struct Series {
	pub name: String,
	pub points: Vec<(f64, f64)>,
	pub color: RGBColor,
	pub width: u32,
	pub dashed: bool,
	pub markers: bool,
	pub band: Vec<(f64, f64, f64)>,
}

impl Series {
	pub fn new(name: &str, points: Vec<(f64, f64)>, color: RGBColor) -> Self {
		Series {
			name: name.to_string(),
			points,
			color,
			width: 2,
			dashed: false,
			markers: false,
			band: Vec::new(),
		}
	}

	/// A wider line, drawn under the narrower ones it may coincide with.
	pub fn width(mut self, width: u32) -> Self {
		self.width = width;
		self
	}

	/// Another colour.
	pub fn color(mut self, color: RGBColor) -> Self {
		self.color = color;
		self
	}

	/// A dashed line (reference levels, secondary quantities).
	pub fn dashed(mut self) -> Self {
		self.dashed = true;
		self
	}

	/// A circle at every point (sweeps).
	pub fn markers(mut self) -> Self {
		self.markers = true;
		self
	}

	/// A shaded band around the line (percentiles or a confidence interval).
	pub fn band(mut self, band: Vec<(f64, f64, f64)>) -> Self {
		self.band = band;
		self
	}
}

/// How the y axis is laid out.
#[derive(Clone, Copy, Debug)]
pub enum Axis {
	/// From the data.
	Auto,
	/// From the data, extended down to this value.
	From(f64),
	/// At least this range, extended to the data.
	Range(f64, f64),
	/// Logarithmic, from the data (non-positive values are left out).
	Log,
}

/// Colours in series order.
pub const PALETTE: [RGBColor; 6] = [
	RGBColor(31, 119, 180),
	RGBColor(214, 39, 40),
	RGBColor(44, 160, 44),
	RGBColor(255, 127, 14),
	RGBColor(148, 103, 189),
	RGBColor(127, 127, 127),
];

const FONT_PATHS: [&str; 3] = [
	"/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf",
	"/usr/share/fonts/dejavu/DejaVuSans.ttf",
	"/usr/share/fonts/TTF/DejaVuSans.ttf",
];

/// Registers DejaVu Sans as plotters' "sans-serif" font. Errors if no font file is installed
/// (`scripts/setup.sh` installs `fonts-dejavu-core`).
pub fn init_fonts() -> Result<(), String> {
	let bytes = FONT_PATHS
		.iter()
		.find_map(|p| std::fs::read(p).ok())
		.ok_or_else(|| format!("no DejaVuSans.ttf in {FONT_PATHS:?}: install fonts-dejavu-core"))?;
	let bytes: &'static [u8] = Box::leak(bytes.into_boxed_slice());
	plotters::style::register_font("sans-serif", FontStyle::Normal, bytes)
		.map_err(|_| "DejaVuSans.ttf is not a usable font".to_string())
}

fn bounds(series: &[Series], axis: Axis) -> (f64, f64, f64, f64) {
	let log = matches!(axis, Axis::Log);
	let pts = series
		.iter()
		.flat_map(|s| {
			s.points.iter().copied().chain(s.band.iter().flat_map(|(x, a, b)| [(*x, *a), (*x, *b)]))
		})
		.filter(|(x, y)| x.is_finite() && y.is_finite() && (!log || *y > 0.0));
	let (mut x0, mut x1, mut y0, mut y1) = (f64::MAX, f64::MIN, f64::MAX, f64::MIN);
	for (x, y) in pts {
		x0 = x0.min(x);
		x1 = x1.max(x);
		y0 = y0.min(y);
		y1 = y1.max(y);
	}
	if x0 > x1 {
		return (0.0, 1.0, if log { 0.1 } else { 0.0 }, 1.0);
	}
	match axis {
		Axis::From(f) => y0 = y0.min(f),
		Axis::Range(lo, hi) => {
			y0 = y0.min(lo);
			y1 = y1.max(hi);
		}
		Axis::Auto | Axis::Log => {}
	}
	if log {
		return (x0, x1.max(x0 + 1e-9), y0 / 1.5, y1 * 1.5);
	}
	let pad = ((y1 - y0) * 0.05).max(1e-9);
	(x0, x1.max(x0 + 1e-9), y0 - pad, y1 + pad)
}

/// Draws `series` into a 1200×700 PNG at `path`: bands first, then lines from the widest to the
/// narrowest (so that no line hides under another), with a legend.
pub fn chart(
	path: &std::path::Path,
	title: &str,
	x_desc: &str,
	y_desc: &str,
	series: &[Series],
	axis: Axis,
) -> Result<(), String> {
	let err = |e: &dyn std::fmt::Display| format!("{}: {e}", path.display());
	let root = BitMapBackend::new(path, (1200, 700)).into_drawing_area();
	root.fill(&WHITE).map_err(|e| err(&e))?;
	let (x0, x1, y0, y1) = bounds(series, axis);
	let mut builder = ChartBuilder::on(&root);
	builder
		.caption(title, ("sans-serif", 28))
		.margin(20)
		.x_label_area_size(50)
		.y_label_area_size(100);
	let mut order: Vec<&Series> = series.iter().collect();
	order.sort_by_key(|s| std::cmp::Reverse(s.width));
	if matches!(axis, Axis::Log) {
		let mut chart =
			builder.build_cartesian_2d(x0..x1, (y0..y1).log_scale()).map_err(|e| err(&e))?;
		chart
			.configure_mesh()
			.x_desc(x_desc)
			.y_desc(y_desc)
			.y_label_formatter(&|y| format!("{y:.3e}"))
			.label_style(("sans-serif", 16))
			.draw()
			.map_err(|e| err(&e))?;
		for s in &order {
			let keep = |p: &(f64, f64)| p.1 > 0.0 && p.1.is_finite();
			draw_series(&mut chart, s, keep).map_err(|e| err(&e))?;
		}
		legend(&mut chart).map_err(|e| err(&e))?;
	} else {
		let mut chart = builder.build_cartesian_2d(x0..x1, y0..y1).map_err(|e| err(&e))?;
		chart
			.configure_mesh()
			.x_desc(x_desc)
			.y_desc(y_desc)
			.label_style(("sans-serif", 16))
			.draw()
			.map_err(|e| err(&e))?;
		for s in &order {
			draw_series(&mut chart, s, |p| p.1.is_finite()).map_err(|e| err(&e))?;
		}
		legend(&mut chart).map_err(|e| err(&e))?;
	}
	root.present().map_err(|e| err(&e))?;
	Ok(())
}

type Plot<'a, Y> =
	ChartContext<'a, BitMapBackend<'a>, Cartesian2d<plotters::coord::types::RangedCoordf64, Y>>;

fn draw_series<'a, Y>(
	chart: &mut Plot<'a, Y>,
	s: &Series,
	keep: impl Fn(&(f64, f64)) -> bool,
) -> Result<(), Box<dyn std::error::Error + 'a>>
where
	Y: Ranged<ValueType = f64>,
{
	let color = s.color;
	if !s.band.is_empty() {
		let upper = s.band.iter().map(|(x, _, hi)| (*x, *hi));
		let lower = s.band.iter().rev().map(|(x, lo, _)| (*x, *lo));
		let polygon: Vec<(f64, f64)> = upper.chain(lower).filter(|p| keep(p)).collect();
		chart.draw_series(std::iter::once(Polygon::new(polygon, color.mix(0.2).filled())))?;
	}
	let points: Vec<(f64, f64)> = s.points.iter().copied().filter(|p| keep(p)).collect();
	let style = color.stroke_width(s.width);
	let width = s.width;
	let anno = if s.dashed {
		chart.draw_series(DashedLineSeries::new(points.iter().copied(), 10, 6, style))?
	} else {
		chart.draw_series(LineSeries::new(points.iter().copied(), style))?
	};
	anno.label(s.name.clone()).legend(move |(x, y)| {
		PathElement::new(vec![(x, y), (x + 24, y)], color.stroke_width(width + 1))
	});
	if s.markers {
		chart.draw_series(points.iter().map(|p| Circle::new(*p, 5, color.filled())))?;
	}
	Ok(())
}

fn legend<'a, Y>(chart: &mut Plot<'a, Y>) -> Result<(), Box<dyn std::error::Error + 'a>>
where
	Y: Ranged<ValueType = f64>,
{
	chart
		.configure_series_labels()
		.label_font(("sans-serif", 16))
		.background_style(WHITE.mix(0.85))
		.border_style(BLACK)
		.position(SeriesLabelPosition::LowerRight)
		.draw()?;
	Ok(())
}
