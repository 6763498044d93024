//! Excel: a cover sheet, one sheet per section with typed cells, and the evidence sheet.

use rust_xlsxwriter::{Format, Workbook, Worksheet, XlsxError};

use super::report::{Cell, Report};

/// A sheet name Excel accepts: at most 31 characters, none of `[]:*?/\`, unique.
fn sheet_name(name: &str, taken: &mut Vec<String>) -> String {
    let clean: String = name
        .chars()
        .map(|c| if "[]:*?/\\".contains(c) { '-' } else { c })
        .take(28)
        .collect();
    let mut candidate = clean.clone();
    let mut n = 2;
    while taken.iter().any(|t| t.eq_ignore_ascii_case(&candidate)) {
        candidate = format!("{clean} {n}");
        n += 1;
    }
    taken.push(candidate.clone());
    candidate
}

fn write_cell(ws: &mut Worksheet, row: u32, col: u16, cell: &Cell) -> Result<(), XlsxError> {
    match cell {
        Cell::Text(s) => ws.write_string(row, col, s).map(|_| ()),
        Cell::Number(n) => ws.write_number(row, col, *n).map(|_| ()),
        // Excel numbers are doubles; integers beyond 2^53 are not expected here.
        Cell::Int(i) => ws.write_number(row, col, *i as f64).map(|_| ()),
        Cell::Bool(b) => ws.write_boolean(row, col, *b).map(|_| ()),
        Cell::Empty => Ok(()),
    }
}

fn table(
    ws: &mut Worksheet,
    columns: &[String],
    rows: &[Vec<Cell>],
    bold: &Format,
) -> Result<(), XlsxError> {
    for (c, name) in columns.iter().enumerate() {
        ws.write_string_with_format(0, u16::try_from(c).unwrap_or(u16::MAX), name, bold)?;
    }
    for (r, row) in rows.iter().enumerate() {
        for (c, cell) in row.iter().enumerate() {
            write_cell(
                ws,
                u32::try_from(r + 1).unwrap_or(u32::MAX),
                u16::try_from(c).unwrap_or(u16::MAX),
                cell,
            )?;
        }
    }
    Ok(())
}

/// Renders the report as an `.xlsx` workbook.
pub fn render(report: &Report) -> Result<Vec<u8>, XlsxError> {
    let mut wb = Workbook::new();
    let bold = Format::new().set_bold();
    let mut taken = Vec::new();
    let cover = wb.add_worksheet();
    cover.set_name(sheet_name("Report", &mut taken))?;
    let facts: [(&str, Cell); 4] = [
        ("title", Cell::Text(report.title.clone())),
        ("subject", Cell::Text(report.subtitle.clone())),
        ("generated_at", Cell::Text(report.generated_at.clone())),
        ("head_position", Cell::Int(report.head_position)),
    ];
    table(
        cover,
        &["field".to_owned(), "value".to_owned()],
        &facts
            .iter()
            .map(|(k, v)| vec![Cell::from(*k), v.clone()])
            .collect::<Vec<_>>(),
        &bold,
    )?;
    for s in &report.sections {
        let ws = wb.add_worksheet();
        ws.set_name(sheet_name(&s.name, &mut taken))?;
        table(ws, &s.columns, &s.rows, &bold)?;
    }
    let ws = wb.add_worksheet();
    ws.set_name(sheet_name("Evidence", &mut taken))?;
    table(
        ws,
        &[
            "position".to_owned(),
            "event_type".to_owned(),
            "hash".to_owned(),
        ],
        &report
            .evidence
            .iter()
            .map(|e| {
                vec![
                    Cell::Int(e.position),
                    Cell::from(e.event_type.as_str()),
                    Cell::from(e.hash.as_str()),
                ]
            })
            .collect::<Vec<_>>(),
        &bold,
    )?;
    wb.save_to_buffer()
}
