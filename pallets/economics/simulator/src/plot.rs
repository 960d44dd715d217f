//! PNG line charts (plotters, bitmap backend, DejaVu Sans registered at start-up).

use plotters::prelude::*;

/// One line of a chart.
pub struct Series {
	pub name: String,
	pub points: Vec<(f64, f64)>,
	pub color: RGBColor,
}

impl Series {
	pub fn new(name: &str, points: Vec<(f64, f64)>, color: RGBColor) -> Self {
		Series { name: name.to_string(), points, color }
	}
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

fn bounds(series: &[Series], y_floor: Option<f64>) -> (f64, f64, f64, f64) {
	let pts =
		series.iter().flat_map(|s| s.points.iter()).filter(|(x, y)| x.is_finite() && y.is_finite());
	let (mut x0, mut x1, mut y0, mut y1) = (f64::MAX, f64::MIN, f64::MAX, f64::MIN);
	for (x, y) in pts {
		x0 = x0.min(*x);
		x1 = x1.max(*x);
		y0 = y0.min(*y);
		y1 = y1.max(*y);
	}
	if x0 > x1 {
		return (0.0, 1.0, 0.0, 1.0);
	}
	if let Some(f) = y_floor {
		y0 = y0.min(f);
	}
	let pad = ((y1 - y0) * 0.05).max(1e-9);
	(x0, x1.max(x0 + 1e-9), y0 - pad, y1 + pad)
}

/// Draws `series` into a 1200×700 PNG at `path`. `y_floor` extends the y axis down to it.
pub fn chart(
	path: &std::path::Path,
	title: &str,
	x_desc: &str,
	y_desc: &str,
	series: &[Series],
	y_floor: Option<f64>,
) -> Result<(), String> {
	let err = |e: &dyn std::fmt::Display| format!("{}: {e}", path.display());
	let root = BitMapBackend::new(path, (1200, 700)).into_drawing_area();
	root.fill(&WHITE).map_err(|e| err(&e))?;
	let (x0, x1, y0, y1) = bounds(series, y_floor);
	let mut chart = ChartBuilder::on(&root)
		.caption(title, ("sans-serif", 28))
		.margin(20)
		.x_label_area_size(50)
		.y_label_area_size(90)
		.build_cartesian_2d(x0..x1, y0..y1)
		.map_err(|e| err(&e))?;
	chart
		.configure_mesh()
		.x_desc(x_desc)
		.y_desc(y_desc)
		.label_style(("sans-serif", 16))
		.draw()
		.map_err(|e| err(&e))?;
	for s in series {
		let color = s.color;
		chart
			.draw_series(LineSeries::new(s.points.iter().copied(), color.stroke_width(2)))
			.map_err(|e| err(&e))?
			.label(s.name.clone())
			.legend(move |(x, y)| {
				PathElement::new(vec![(x, y), (x + 24, y)], color.stroke_width(3))
			});
	}
	chart
		.configure_series_labels()
		.label_font(("sans-serif", 16))
		.background_style(WHITE.mix(0.85))
		.border_style(BLACK)
		.position(SeriesLabelPosition::UpperLeft)
		.draw()
		.map_err(|e| err(&e))?;
	root.present().map_err(|e| err(&e))?;
	Ok(())
}
