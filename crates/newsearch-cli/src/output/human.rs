//! Printing what goes beyond a list of hits: facet counts, the timeline chart, score
//! explanations, and their JSON forms.

use std::io::{self, Write};

use newsearch::{Explanation, Facets, Timeline};
use serde_json::{Value, json};

use crate::print::clean;
use crate::wrap::{Cell, hanging, plain};

/// A count as the CLI prints it: `1,523`.
fn n(count: usize) -> String {
    crate::print::thousands(count as u64)
}

/// Top tags and sections, and the matches per period unless a chart follows: one list each,
/// wrapped to `width` columns under its first item.
pub(crate) fn print_facets(
    out: &mut impl Write,
    facets: &Facets,
    with_counts_line: bool,
    width: usize,
) -> io::Result<()> {
    let mut print = |head: &str, text: &str| -> io::Result<()> {
        let cells: Vec<Cell<()>> = text.chars().map(|c| (c, ())).collect();
        for line in hanging(head, &cells, head.chars().count(), width, plain) {
            writeln!(out, "{line}")?;
        }
        Ok(())
    };
    let list = |values: &[newsearch::FacetCount]| {
        if values.is_empty() {
            "-".to_owned()
        } else {
            values
                .iter()
                .map(|f| format!("{} ({})", clean(&f.value), n(f.count)))
                .collect::<Vec<_>>()
                .join(", ")
        }
    };
    print("Top tags: ", &list(&facets.tags))?;
    print("Sections: ", &list(&facets.sections))?;
    if with_counts_line {
        let t = &facets.timeline;
        let periods: Vec<String> = t
            .buckets
            .iter()
            .filter(|b| b.count > 0)
            .map(|b| format!("{} ({})", t.granularity.label(b.start), n(b.count)))
            .collect();
        let mut line = if periods.is_empty() { "-".to_owned() } else { periods.join(", ") };
        if t.undated > 0 {
            line.push_str(&format!("; undated ({})", n(t.undated)));
        }
        print(&format!("By {}: ", t.granularity), &line)?;
    }
    Ok(())
}

/// The timeline as horizontal bars, one line per period: `2025-02 ██████▍ 17`.
pub(crate) fn print_timeline(out: &mut impl Write, timeline: &Timeline, width: usize) -> io::Result<()> {
    let heading = crate::wrap::wrap(&format!("Matches by {}:", timeline.granularity), width);
    let undated = match timeline.undated {
        0 => Vec::new(),
        count => crate::wrap::wrap(&format!("(and {} undated)", n(count)), width),
    };
    for line in heading.into_iter().chain(chart(timeline, width)).chain(undated) {
        writeln!(out, "{line}")?;
    }
    Ok(())
}

/// Chart lines fitting in `width` columns. Bars are drawn with eighth blocks, scaled to the
/// largest count; a non-zero count always shows at least a sliver, zero shows nothing. Where
/// there is no room for a bar, lines are period and count alone (which need the label's width,
/// a space and the count's: 10 columns for months with counts below 100).
pub(crate) fn chart(timeline: &Timeline, width: usize) -> Vec<String> {
    const EIGHTHS: [char; 8] = ['▏', '▎', '▍', '▌', '▋', '▊', '▉', '█'];
    let labels: Vec<String> = timeline.buckets.iter().map(|b| timeline.granularity.label(b.start)).collect();
    let label_width = labels.iter().map(|l| l.chars().count()).max().unwrap_or(0);
    let max = timeline.buckets.iter().map(|b| b.count).max().unwrap_or(0);
    let count_width = n(max).len();
    // One column is left free: a line that fills the terminal exactly wraps on some of them.
    let bar_width = width.saturating_sub(label_width + count_width + 3);
    if bar_width == 0 {
        let rows = timeline.buckets.iter().zip(labels);
        return rows
            .map(|(b, label)| format!("{label:<label_width$} {:>count_width$}", n(b.count)))
            .collect();
    }
    timeline
        .buckets
        .iter()
        .zip(labels)
        .map(|(bucket, label)| {
            let eighths = if max == 0 { 0 } else { (bucket.count * bar_width * 8).div_ceil(max) };
            let mut bar = "█".repeat(eighths / 8);
            if eighths % 8 > 0 {
                bar.push(EIGHTHS[eighths % 8 - 1]);
            }
            let pad = bar_width.saturating_sub(bar.chars().count());
            format!("{label:<label_width$} {bar}{} {:>count_width$}", " ".repeat(pad), n(bucket.count))
                .trim_end()
                .to_owned()
        })
        .collect()
}

/// A hit's score, broken down, indented under the hit.
pub(crate) fn print_explanation(out: &mut impl Write, e: &Explanation) -> io::Result<()> {
    let mut head = format!("     score {:.3} = text {:.3}", e.score, e.text_score);
    if let Some(r) = e.recency {
        head.push_str(&format!(" × recency {r:.3}"));
    }
    if let Some(p) = e.popularity {
        head.push_str(&format!(" × popularity {p:.3}"));
    }
    writeln!(out, "{head}")?;
    let text_width = e.parts.iter().map(|p| p.text.chars().count()).max().unwrap_or(0).min(40);
    for part in &e.parts {
        let mut inputs: Vec<String> = Vec::new();
        if (part.boost - 1.0).abs() > f32::EPSILON {
            inputs.push(format!("boost {}", part.boost));
        }
        inputs.extend(part.inputs.iter().map(|(name, value)| format!("{name} {}", short(*value))));
        writeln!(
            out,
            "       {:<7} {:<text_width$} {:>7.3}  {}",
            part.field,
            clean(&part.text),
            part.score,
            inputs.join(", ")
        )?;
    }
    writeln!(out)
}

/// 3 → "3", 2.345678 → "2.346".
fn short(v: f32) -> String {
    if v.fract() == 0.0 && v.abs() < 1e9 { format!("{v:.0}") } else { format!("{v:.3}") }
}

pub(crate) fn facets_json(facets: &Facets) -> Value {
    let counts = |values: &[newsearch::FacetCount]| -> Vec<Value> {
        values.iter().map(|f| json!({ "value": f.value, "count": f.count })).collect()
    };
    let t = &facets.timeline;
    json!({
        "tags": counts(&facets.tags),
        "sections": counts(&facets.sections),
        "timeline": {
            "granularity": t.granularity.to_string(),
            "buckets": t.buckets.iter().map(|b| json!({
                "period": t.granularity.label(b.start),
                "start": b.start.to_string(),
                "count": b.count,
            })).collect::<Vec<_>>(),
            "undated": t.undated,
        },
    })
}

pub(crate) fn explanation_json(e: &Explanation) -> Value {
    json!({
        "score": e.score,
        "text_score": e.text_score,
        "recency": e.recency,
        "popularity": e.popularity,
        "parts": e.parts.iter().map(|p| json!({
            "field": p.field,
            "text": p.text,
            "boost": p.boost,
            "score": p.score,
            "inputs": p.inputs.iter().map(|(n, v)| (n.clone(), json!(v))).collect::<serde_json::Map<_, _>>(),
        })).collect::<Vec<_>>(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use newsearch::{Bucket, Granularity};

    fn timeline(counts: &[usize]) -> Timeline {
        let start = chrono::NaiveDate::from_ymd_opt(2025, 1, 1).unwrap();
        Timeline {
            granularity: Granularity::Month,
            buckets: counts
                .iter()
                .enumerate()
                .map(|(i, &count)| Bucket {
                    start: start.checked_add_months(chrono::Months::new(i as u32)).unwrap(),
                    count,
                })
                .collect(),
            undated: 0,
        }
    }

    #[test]
    fn bars_scale_to_the_largest_count_and_fit_the_width() {
        let lines = chart(&timeline(&[10, 0, 5, 1]), 30);
        assert_eq!(lines.len(), 4);
        for line in &lines {
            assert!(line.chars().count() <= 30, "{line:?} is wider than 30");
        }
        // 30 columns − "2025-01" (7) − "10" (2) − 3 spaces: bars of 18 cells.
        assert_eq!(lines[0], format!("2025-01 {} 10", "█".repeat(18)));
        assert_eq!(lines[1], "2025-02                     0");
        assert_eq!(lines[2], format!("2025-03 {}{}  5", "█".repeat(9), " ".repeat(9)));
        // 1 of 10 on 18 cells is 1.8 cells, rounded up to eighths: one full block and seven eighths.
        assert!(lines[3].starts_with("2025-04 █▉ "), "{:?}", lines[3]);
    }

    #[test]
    fn the_chart_fits_narrow_terminals() {
        let months = timeline(&[10, 0, 5, 1]);
        for width in crate::print::MIN_WIDTH..40 {
            for line in chart(&months, width) {
                assert!(line.chars().count() <= width, "{line:?} is wider than {width}");
            }
        }
        // At 13 columns a month still gets a bar of one cell; at 12 only period and count.
        assert_eq!(chart(&months, 13)[0], "2025-01 █ 10");
        assert_eq!(chart(&months, 12)[0], "2025-01 10");
        // Days need 13 columns for period and count.
        let mut days = months.clone();
        days.granularity = Granularity::Day;
        for width in 13..40 {
            assert!(chart(&days, width).iter().all(|l| l.chars().count() <= width), "{width}");
        }
    }

    #[test]
    fn any_count_above_zero_shows() {
        let lines = chart(&timeline(&[100_000, 1]), 40);
        assert!(lines[1].contains('▏'), "{:?}", lines[1]);
    }
}
