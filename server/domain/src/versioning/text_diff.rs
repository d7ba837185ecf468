//! A line diff of two texts for the diff view: the longest common subsequence of their lines,
//! printed as kept, removed and added lines. Quadratic, so only for files of modest size.

use super::model::{DiffLine, LineChange};

/// The most lines on either side a diff is worked out for (the table is `a × b` entries).
pub const MAX_LINES: usize = 2_000;

/// `None` when either side has more than [`MAX_LINES`] lines.
pub fn line_diff(before: &str, after: &str) -> Option<Vec<DiffLine>> {
    let a: Vec<&str> = before.lines().collect();
    let b: Vec<&str> = after.lines().collect();
    if a.len() > MAX_LINES || b.len() > MAX_LINES {
        return None;
    }
    // common[i][j]: the longest common subsequence of a[i..] and b[j..].
    let mut common = vec![vec![0u16; b.len() + 1]; a.len() + 1];
    for i in (0..a.len()).rev() {
        for j in (0..b.len()).rev() {
            common[i][j] = if a[i] == b[j] {
                common[i + 1][j + 1] + 1
            } else {
                common[i + 1][j].max(common[i][j + 1])
            };
        }
    }
    let line = |change, text: &str| DiffLine {
        change,
        text: text.to_string(),
    };
    let (mut i, mut j, mut lines) = (0, 0, Vec::new());
    while i < a.len() || j < b.len() {
        if i < a.len() && j < b.len() && a[i] == b[j] {
            lines.push(line(LineChange::Kept, a[i]));
            (i, j) = (i + 1, j + 1);
        } else if i < a.len() && (j == b.len() || common[i + 1][j] >= common[i][j + 1]) {
            // Removals before additions, as unified diffs show them.
            lines.push(line(LineChange::Removed, a[i]));
            i += 1;
        } else {
            lines.push(line(LineChange::Added, b[j]));
            j += 1;
        }
    }
    Some(lines)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn shown(lines: &[DiffLine]) -> Vec<String> {
        lines
            .iter()
            .map(|l| {
                let mark = match l.change {
                    LineChange::Kept => ' ',
                    LineChange::Added => '+',
                    LineChange::Removed => '-',
                };
                format!("{mark}{}", l.text)
            })
            .collect()
    }

    #[test]
    fn changed_lines_show_as_removed_and_added() {
        let lines = line_diff("id,value\na,1\nb,2\n", "id,value\na,1\nb,3\nc,4\n").unwrap();
        assert_eq!(shown(&lines), [" id,value", " a,1", "-b,2", "+b,3", "+c,4"]);
        assert_eq!(shown(&line_diff("", "x\n").unwrap()), ["+x"]);
        assert_eq!(shown(&line_diff("x\n", "").unwrap()), ["-x"]);
    }

    #[test]
    fn huge_files_are_not_diffed() {
        let big = "line\n".repeat(MAX_LINES + 1);
        assert!(line_diff(&big, "x").is_none());
    }
}
