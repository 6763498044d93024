//! PDF: a title page, each section's bar chart (drawn) and table, and an
//! appendix of the evidence hashes, in an embedded (subset) DejaVu Sans.

use printpdf::{
    Color, FontId, Mm, Op, PaintMode, ParsedFont, PdfDocument, PdfFontHandle, PdfPage,
    PdfSaveOptions, Point, Pt, Rect, Rgb, TextItem,
};

use super::report::{BarChart, Cell, Report, Section};

/// DejaVu Sans (Bitstream Vera licence, see assets/fonts/DejaVuSans-LICENSE.txt).
const FONT: &[u8] = include_bytes!("../../assets/fonts/DejaVuSans.ttf");

// A4 landscape: wide tables stay readable.
const WIDTH: f32 = 842.0;
const HEIGHT: f32 = 595.0;
const MARGIN: f32 = 40.0;
const BODY: f32 = 7.0;

/// Why a PDF could not be made.
#[derive(Debug, thiserror::Error)]
#[error("the embedded font does not parse")]
pub struct FontError;

struct Layout {
    font: FontId,
    pages: Vec<Vec<Op>>,
    y: f32,
}

fn rgb(r: f32, g: f32, b: f32) -> Color {
    Color::Rgb(Rgb {
        r,
        g,
        b,
        icc_profile: None,
    })
}

/// Cuts `s` to about `width` points at `size` (DejaVu averages ~0.55 em per glyph).
fn fit(s: &str, width: f32, size: f32) -> String {
    let max = ((width / (size * 0.56)).floor() as usize).max(1);
    if s.chars().count() <= max {
        s.to_owned()
    } else {
        let mut t: String = s.chars().take(max.saturating_sub(1)).collect();
        t.push('…');
        t
    }
}

impl Layout {
    fn ops(&mut self) -> &mut Vec<Op> {
        if self.pages.is_empty() {
            self.pages.push(Vec::new());
        }
        let i = self.pages.len() - 1;
        &mut self.pages[i]
    }

    fn new_page(&mut self) {
        self.pages.push(Vec::new());
        self.y = HEIGHT - MARGIN;
    }

    /// Starts a new page unless `height` points still fit.
    fn room(&mut self, height: f32) {
        if self.y - height < MARGIN + 20.0 {
            self.new_page();
        }
    }

    fn text_at(&mut self, x: f32, y: f32, size: f32, s: &str) {
        let font = self.font.clone();
        self.ops().extend([
            Op::SetFillColor {
                col: rgb(0.0, 0.0, 0.0),
            },
            Op::StartTextSection,
            Op::SetFont {
                font: PdfFontHandle::External(font),
                size: Pt(size),
            },
            Op::SetTextCursor {
                pos: Point { x: Pt(x), y: Pt(y) },
            },
            Op::ShowText {
                items: vec![TextItem::Text(s.to_owned())],
            },
            Op::EndTextSection,
        ]);
    }

    fn line(&mut self, size: f32, s: &str) {
        self.room(size * 1.6);
        self.y -= size * 1.4;
        let y = self.y;
        self.text_at(MARGIN, y, size, &fit(s, WIDTH - 2.0 * MARGIN, size));
    }

    fn rect(&mut self, x: f32, y: f32, w: f32, h: f32, col: Color) {
        self.ops().extend([
            Op::SetFillColor { col },
            Op::DrawRectangle {
                rectangle: Rect {
                    x: Pt(x),
                    y: Pt(y),
                    width: Pt(w),
                    height: Pt(h),
                    mode: Some(PaintMode::Fill),
                    winding_order: None,
                },
            },
        ]);
    }

    fn chart(&mut self, c: &BarChart) {
        if c.bars.is_empty() {
            return;
        }
        self.line(10.0, &c.title);
        let colours = [rgb(0.22, 0.45, 0.70), rgb(0.90, 0.55, 0.15)];
        if let Some([a, b]) = &c.series {
            self.line(
                BODY,
                &format!("Series: {a} (blue, first of each pair), {b} (orange)"),
            );
        }
        let max = c.bars.iter().map(|b| b.1.abs()).fold(0.0_f64, f64::max);
        let label_w = 150.0;
        let bar_w = WIDTH - 2.0 * MARGIN - label_w - 60.0;
        for (i, (label, v)) in c.bars.iter().enumerate() {
            let colour = if c.series.is_some() {
                colours[i % 2].clone()
            } else {
                colours[0].clone()
            };
            self.room(14.0);
            self.y -= 13.0;
            let y = self.y;
            self.text_at(MARGIN, y + 2.0, BODY, &fit(label, label_w - 6.0, BODY));
            let len = if max > 0.0 {
                (v.abs() / max) as f32 * bar_w
            } else {
                0.0
            };
            self.rect(MARGIN + label_w, y, len.max(0.5), 9.0, colour);
            self.text_at(
                MARGIN + label_w + len + 4.0,
                y + 2.0,
                BODY,
                &format!("{v:.4}"),
            );
        }
        self.y -= 6.0;
    }

    fn widths(s: &Section) -> Vec<f32> {
        let avail = WIDTH - 2.0 * MARGIN;
        let want: Vec<f32> = s
            .columns
            .iter()
            .enumerate()
            .map(|(i, name)| {
                let longest = s
                    .rows
                    .iter()
                    .take(200)
                    .map(|r| r.get(i).map_or(0, |c| c.text().chars().count()))
                    .max()
                    .unwrap_or(0)
                    .max(name.chars().count());
                (longest.min(70) as f32 * BODY * 0.56 + 6.0).max(24.0)
            })
            .collect();
        let total: f32 = want.iter().sum();
        let scale = if total > avail { avail / total } else { 1.0 };
        want.iter().map(|w| w * scale).collect()
    }

    fn row(&mut self, cells: &[String], widths: &[f32], shade: Option<Color>) {
        self.room(12.0);
        self.y -= 11.0;
        let y = self.y;
        if let Some(col) = shade {
            self.rect(MARGIN, y - 2.5, WIDTH - 2.0 * MARGIN, 11.0, col);
        }
        let mut x = MARGIN;
        for (c, w) in cells.iter().zip(widths) {
            self.text_at(x + 2.0, y, BODY, &fit(c, w - 4.0, BODY));
            x += w;
        }
    }

    fn table(&mut self, columns: &[String], rows: &[Vec<Cell>], widths: &[f32]) {
        let header = Some(rgb(0.85, 0.87, 0.90));
        self.row(columns, widths, header.clone());
        for (i, r) in rows.iter().enumerate() {
            if self.y - 12.0 < MARGIN + 20.0 {
                self.new_page();
                self.row(columns, widths, header.clone());
            }
            let shade = (i % 2 == 1).then(|| rgb(0.96, 0.96, 0.97));
            self.row(&r.iter().map(Cell::text).collect::<Vec<_>>(), widths, shade);
        }
        self.y -= 8.0;
    }
}

/// Renders the report as a PDF document.
pub fn render(report: &Report) -> Result<Vec<u8>, FontError> {
    let parsed = ParsedFont::from_bytes(FONT, 0, &mut Vec::new()).ok_or(FontError)?;
    let mut doc = PdfDocument::new(&report.title);
    let font = doc.add_font(&parsed);
    let mut l = Layout {
        font,
        pages: Vec::new(),
        y: HEIGHT - MARGIN,
    };
    // Title page.
    l.new_page();
    l.y = HEIGHT - 150.0;
    l.line(24.0, &report.title);
    l.line(12.0, &report.subtitle);
    l.y -= 20.0;
    l.line(10.0, &format!("Generated at {}", report.generated_at));
    l.line(
        10.0,
        &format!("Event log head: position {}", report.head_position),
    );
    l.line(
        10.0,
        &format!(
            "Evidence events: {} (hashes in the appendix)",
            report.evidence.len()
        ),
    );
    l.y -= 20.0;
    l.line(12.0, "Contents");
    for (i, s) in report.sections.iter().enumerate() {
        l.line(
            10.0,
            &format!("{}. {} ({} rows)", i + 1, s.name, s.rows.len()),
        );
    }
    l.line(
        10.0,
        &format!("{}. Appendix: evidence hashes", report.sections.len() + 1),
    );
    for (i, s) in report.sections.iter().enumerate() {
        l.new_page();
        l.line(14.0, &format!("{}. {}", i + 1, s.name));
        l.y -= 6.0;
        if let Some(c) = &s.chart {
            l.chart(c);
        }
        let widths = Layout::widths(s);
        l.table(&s.columns, &s.rows, &widths);
    }
    l.new_page();
    l.line(
        14.0,
        &format!("{}. Appendix: evidence hashes", report.sections.len() + 1),
    );
    l.line(
        BODY,
        "Each row is an event of the hash-chained log; `raia replay verify` checks every one.",
    );
    l.y -= 4.0;
    let cols = [
        "position".to_owned(),
        "event type".to_owned(),
        "SHA-256 chain hash".to_owned(),
    ];
    let rows: Vec<Vec<Cell>> = report
        .evidence
        .iter()
        .map(|e| {
            vec![
                Cell::Int(e.position),
                Cell::from(e.event_type.as_str()),
                Cell::from(e.hash.as_str()),
            ]
        })
        .collect();
    let widths = [60.0, 180.0, WIDTH - 2.0 * MARGIN - 240.0];
    l.table(&cols, &rows, &widths);
    let n = l.pages.len();
    let pages = l
        .pages
        .drain(..)
        .collect::<Vec<_>>()
        .into_iter()
        .enumerate()
        .map(|(i, mut ops)| {
            let mut footer = Layout {
                font: l.font.clone(),
                pages: Vec::new(),
                y: 0.0,
            };
            footer.text_at(
                WIDTH - MARGIN - 60.0,
                20.0,
                7.0,
                &format!("Page {} of {n}", i + 1),
            );
            ops.extend(footer.pages.into_iter().flatten());
            PdfPage::new(Mm(297.0), Mm(210.0), ops)
        })
        .collect();
    Ok(doc
        .with_pages(pages)
        .save(&PdfSaveOptions::default(), &mut Vec::new()))
}
