//! A line diff of two texts (the pretty JSON of two documents), by longest common
//! subsequence: documents are at most a few hundred lines, so the quadratic table is small.

use std::fmt::Write as _;

/// One line of a diff.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Line<'a> {
    /// In both texts.
    Same(&'a str),
    /// Only in the old text.
    Removed(&'a str),
    /// Only in the new text.
    Added(&'a str),
}

/// The lines of `old` and `new`, in order, each marked as kept, removed or added, with as many
/// kept as possible.
pub(crate) fn lines<'a>(old: &'a str, new: &'a str) -> Vec<Line<'a>> {
    let old: Vec<&str> = old.lines().collect();
    let new: Vec<&str> = new.lines().collect();
    // `longest[i][j]`: the longest common subsequence of `old[i..]` and `new[j..]`.
    let mut longest = vec![vec![0_usize; new.len() + 1]; old.len() + 1];
    let at = |table: &Vec<Vec<usize>>, i: usize, j: usize| {
        table
            .get(i)
            .and_then(|row| row.get(j))
            .copied()
            .unwrap_or(0)
    };
    for i in (0..old.len()).rev() {
        for j in (0..new.len()).rev() {
            let value = if old.get(i) == new.get(j) {
                at(&longest, i + 1, j + 1) + 1
            } else {
                at(&longest, i + 1, j).max(at(&longest, i, j + 1))
            };
            if let Some(cell) = longest.get_mut(i).and_then(|row| row.get_mut(j)) {
                *cell = value;
            }
        }
    }
    let (mut i, mut j) = (0, 0);
    let mut out = Vec::with_capacity(old.len().max(new.len()));
    loop {
        match (old.get(i), new.get(j)) {
            (Some(a), Some(b)) if a == b => {
                out.push(Line::Same(a));
                i += 1;
                j += 1;
            }
            (Some(a), Some(_)) if at(&longest, i + 1, j) >= at(&longest, i, j + 1) => {
                out.push(Line::Removed(a));
                i += 1;
            }
            (_, Some(b)) => {
                out.push(Line::Added(b));
                j += 1;
            }
            (Some(a), None) => {
                out.push(Line::Removed(a));
                i += 1;
            }
            (None, None) => break,
        }
    }
    out
}

/// The changed lines of `old` → `new` with `context` kept lines around each change, every
/// line prefixed with `indent` and `+ `, `- ` or two spaces; `…` stands for the kept lines
/// left out. Empty when the texts have the same lines.
pub(crate) fn render(old: &str, new: &str, context: usize, indent: &str) -> String {
    let diff = lines(old, new);
    let changed: Vec<usize> = diff
        .iter()
        .enumerate()
        .filter(|(_, line)| !matches!(line, Line::Same(_)))
        .map(|(index, _)| index)
        .collect();
    let near = |index: usize| changed.iter().any(|c| c.abs_diff(index) <= context);
    let mut out = String::new();
    let mut skipped = false;
    for (index, line) in diff.iter().enumerate() {
        if !near(index) {
            skipped = true;
            continue;
        }
        if skipped && !out.is_empty() {
            let _ = writeln!(out, "{indent}  …");
        }
        skipped = false;
        let _ = match line {
            Line::Same(text) => writeln!(out, "{indent}  {text}"),
            Line::Removed(text) => writeln!(out, "{indent}- {text}"),
            Line::Added(text) => writeln!(out, "{indent}+ {text}"),
        };
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kept_lines_are_as_many_as_possible() {
        let old = "a\nb\nc\nd\n";
        let new = "a\nc\nd\ne\n";
        assert_eq!(
            lines(old, new),
            [
                Line::Same("a"),
                Line::Removed("b"),
                Line::Same("c"),
                Line::Same("d"),
                Line::Added("e")
            ]
        );
        assert_eq!(lines("", "x"), [Line::Added("x")]);
        assert_eq!(lines("x", ""), [Line::Removed("x")]);
    }

    #[test]
    fn only_changes_and_their_context_are_shown() {
        let old: String = (1..=20).fold(String::new(), |mut text, n| {
            let _ = writeln!(text, "{n}");
            text
        });
        let new = old.replacen("3\n", "three\n", 1).replace("18\n", "");
        assert_eq!(
            render(&old, &new, 1, "  "),
            "    2\n  - 3\n  + three\n    4\n    …\n    17\n  - 18\n    19\n"
        );
        assert_eq!(render("same\n", "same\n", 2, ""), "");
    }
}
