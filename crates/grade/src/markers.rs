//! What the guest's grade script (crates/lab/guest/scripts/grade.sh) prints
//! on the console, one marker a line, so the results survive a panic that
//! loses the results channel:
//!
//! ```text
//! @@GRADE-GROUP <group>@@                  a clause group starts
//! @@GRADE-CLAUSE <id> <verdict> <detail>@@  verdict: pass | fail | notimpl
//! @@GRADE-END <group>@@                    the group finished
//! @@GRADE-LOAD-FAILED <message>@@          insmod of the submission failed
//! ```
//!
//! The conformance group's clauses are its libtest lines instead (the runner
//! reads them with the JUnit parser).

/// A clause verdict from the guest.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ClauseVerdict {
    Pass,
    Fail,
    /// The driver answered ENOTTY to the ioctl the check needs.
    NotImplemented,
}

/// One clause's result as observed in the guest.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Observation {
    pub id: String,
    pub verdict: ClauseVerdict,
    pub detail: String,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Marker {
    Group(String),
    End(String),
    Clause(Observation),
    LoadFailed(String),
}

/// Every marker of a console with its 1-based line number.
///
/// The kernel writes to the serial console directly, so one of its messages
/// can land inside a marker line: `@@GRADE-GROUP co[    4.1] msg` and then
/// `nformance@@` on the next line that is not a kernel message. Such a
/// marker is put back together.
pub fn parse(console: &str) -> Vec<(usize, Marker)> {
    let lines: Vec<&str> = console.lines().map(|l| l.trim_end_matches('\r')).collect();
    let mut found = Vec::new();
    for (i, line) in lines.iter().enumerate() {
        let Some(start) = line.find("@@GRADE-") else {
            continue;
        };
        let text = &line[start..];
        let whole = if text[8..].contains("@@") {
            text.to_string()
        } else {
            let Some(tail) = lines[i + 1..]
                .iter()
                .take(200)
                .find(|l| kernel_stamp(l).is_none())
                .filter(|l| !l.contains("@@GRADE-"))
            else {
                continue;
            };
            let head = kernel_stamp(text).map_or(text, |at| &text[..at]);
            format!("{head}{tail}")
        };
        if let Some(m) = marker(&whole) {
            found.push((i + 1, m));
        }
    }
    found
}

/// Where a kernel message (`[ seconds.micros] `) starts in `text`, if it does.
fn kernel_stamp(text: &str) -> Option<usize> {
    text.match_indices('[').map(|(i, _)| i).find(|&i| {
        let rest = &text[i + 1..];
        let Some((stamp, _)) = rest.split_once(']') else {
            return false;
        };
        let Some((secs, micros)) = stamp.trim_start().split_once('.') else {
            return false;
        };
        !secs.is_empty()
            && !micros.is_empty()
            && secs.bytes().all(|b| b.is_ascii_digit())
            && micros.bytes().all(|b| b.is_ascii_digit())
    })
}

fn marker(line: &str) -> Option<Marker> {
    let start = line.find("@@GRADE-")?;
    let body = line[start + 8..]
        .trim_end_matches('\r')
        .strip_suffix("@@")?;
    let (kind, rest) = body.split_once(' ').unwrap_or((body, ""));
    let rest = rest.trim();
    match kind {
        "GROUP" => Some(Marker::Group(rest.to_string())),
        "END" => Some(Marker::End(rest.to_string())),
        "LOAD-FAILED" => Some(Marker::LoadFailed(rest.to_string())),
        "CLAUSE" => {
            let mut parts = rest.splitn(3, ' ');
            let id = parts.next()?.to_string();
            let verdict = match parts.next()? {
                "pass" => ClauseVerdict::Pass,
                "fail" => ClauseVerdict::Fail,
                "notimpl" => ClauseVerdict::NotImplemented,
                _ => return None,
            };
            let detail = parts.next().unwrap_or("").trim().to_string();
            Some(Marker::Clause(Observation {
                id,
                verdict,
                detail,
            }))
        }
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn markers_are_found_with_their_lines() {
        let console = "boot\n@@GRADE-GROUP seed@@\r\n[ 1.0] x\n\
            @@GRADE-CLAUSE seed.timing fail expected 5 rows, got 2@@\n\
            echo @@GRADE-CLAUSE $id $v@@\n\
            @@GRADE-CLAUSE race.kernel-lock notimpl MYMEM_IOC_LOCK: ENOTTY@@\n\
            @@GRADE-END seed@@\n@@GRADE-LOAD-FAILED insmod: bad@@\n";
        let m = parse(console);
        assert_eq!(m[0], (2, Marker::Group("seed".into())));
        assert_eq!(
            m[1].1,
            Marker::Clause(Observation {
                id: "seed.timing".into(),
                verdict: ClauseVerdict::Fail,
                detail: "expected 5 rows, got 2".into()
            })
        );
        assert!(matches!(&m[2].1, Marker::Clause(o) if o.verdict == ClauseVerdict::NotImplemented));
        assert_eq!(m[3], (7, Marker::End("seed".into())));
        assert_eq!(m[4].1, Marker::LoadFailed("insmod: bad".into()));
        assert_eq!(m.len(), 5, "the shell's echo line is not a marker");
    }

    #[test]
    fn a_marker_cut_by_a_kernel_message_is_put_back_together() {
        let console = "@@GRADE-GROUP co[    4.106695] mymem_c: loaded, /dev/mymem_c\n\
            [    4.106800] another kernel line\n\
            nformance@@\n\
            @@GRADE-CLAUSE seed.timing fa[   12.5] x: y\nil write failed@@\n";
        let m = parse(console);
        assert_eq!(m[0], (1, Marker::Group("conformance".into())));
        assert!(
            matches!(&m[1].1, Marker::Clause(o) if o.id == "seed.timing"
                && o.verdict == ClauseVerdict::Fail && o.detail == "write failed"),
            "{m:?}"
        );
        assert_eq!(m.len(), 2);
        assert_eq!(kernel_stamp("ab[  1.5] x"), Some(2));
        assert_eq!(kernel_stamp("[x] [a.b] [1.] [.5]"), None);
    }
}
