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
pub enum Verdict {
    Pass,
    Fail,
    /// The driver answered ENOTTY to the ioctl the check needs.
    NotImplemented,
}

/// One clause's result as observed in the guest.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Observation {
    pub id: String,
    pub verdict: Verdict,
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
pub fn parse(console: &str) -> Vec<(usize, Marker)> {
    console
        .lines()
        .enumerate()
        .filter_map(|(i, line)| Some((i + 1, marker(line)?)))
        .collect()
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
                "pass" => Verdict::Pass,
                "fail" => Verdict::Fail,
                "notimpl" => Verdict::NotImplemented,
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
                verdict: Verdict::Fail,
                detail: "expected 5 rows, got 2".into()
            })
        );
        assert!(matches!(&m[2].1, Marker::Clause(o) if o.verdict == Verdict::NotImplemented));
        assert_eq!(m[3], (7, Marker::End("seed".into())));
        assert_eq!(m[4].1, Marker::LoadFailed("insmod: bad".into()));
        assert_eq!(m.len(), 5, "the shell's echo line is not a marker");
    }
}
