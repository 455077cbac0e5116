//! The results channel of `lab grade`: what the guest's grade script
//! (crates/lab/guest/scripts/grade.sh) writes on a serial port of its own
//! (ttyS2, stored by the host in a file), never on the console. A module's
//! `printk` goes to the console only, and a record is valid only with the
//! boot's secret (random, made by the host per boot, read and deleted by the
//! script before the module is loaded) and the next sequence number, so a
//! module can neither garble nor forge a result.
//!
//! One record a line, fields separated by one space; free text is hex (`-`
//! when empty) so that it never holds a space or a newline:
//!
//! ```text
//! <secret> <seq> CPU <flag>...                    smep/smap as the guest sees them
//! <secret> <seq> BEGIN <id>                       the check of clause <id> starts
//! <secret> <seq> RESULT <id> <verdict> <hex>      verdict: pass | fail | notimpl; detail
//! <secret> <seq> TIMEOUT <id> <secs> <hex> <hex>  the command that ran out of time; its stacks
//! <secret> <seq> WEDGED <id>                      after <id>'s timeout the device does not answer
//! <secret> <seq> LOADFAIL <how> <secs> <hex>      first insmod: refused | timeout; message
//! <secret> <seq> RELOADFAIL <id> <hex>            the module cannot be loaded again after <id>
//! <secret> <seq> TAINT <id> <value>               the kernel tainted itself during <id>
//! <secret> <seq> STOP <reason>                    the script gives up this boot (hangs)
//! <secret> <seq> DONE                             every pending clause ran
//! ```
//!
//! `<seq>` counts from 1 in each boot. The script opens the port for each
//! record and closes it again; the last close waits until the UART has sent
//! the line, so a record survives a panic right after it.

use crate::markers::{ClauseVerdict, Observation};

/// One record of the channel.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Record {
    Cpu(Vec<String>),
    Begin(String),
    Result(Observation),
    Timeout {
        id: String,
        secs: u32,
        check: String,
        stacks: String,
    },
    Wedged(String),
    LoadFailed {
        timed_out: bool,
        secs: u32,
        message: String,
    },
    ReloadFailed {
        id: String,
        message: String,
    },
    Tainted {
        id: String,
        taint: u64,
    },
    Stop(String),
    Done,
}

/// The records of one boot's channel, and how many lines were not records
/// (wrong secret, out of sequence, malformed).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Channel {
    pub records: Vec<Record>,
    pub rejected: usize,
}

/// Reads a channel file written with `secret`. A line without the secret,
/// or whose sequence number is not the next one expected (a replay, a line
/// out of order), is counted in `rejected` and ignored.
pub fn parse(text: &str, secret: &str) -> Channel {
    let mut ch = Channel::default();
    let mut next = 1u64;
    for line in text.lines() {
        let line = line.trim_end_matches('\r');
        if line.is_empty() {
            continue;
        }
        let mut f = line.split(' ');
        let ok =
            f.next() == Some(secret) && f.next().and_then(|s| s.parse::<u64>().ok()) == Some(next);
        match ok.then(|| record(f)).flatten() {
            Some(r) => {
                ch.records.push(r);
                next += 1;
            }
            None => ch.rejected += 1,
        }
    }
    ch
}

fn record<'a>(mut f: impl Iterator<Item = &'a str>) -> Option<Record> {
    let kind = f.next()?;
    let mut word = || f.next().map(str::to_string);
    let r = match kind {
        "CPU" => Record::Cpu(std::iter::from_fn(&mut word).collect()),
        "BEGIN" => Record::Begin(word()?),
        "RESULT" => {
            let id = word()?;
            let verdict = match word()?.as_str() {
                "pass" => ClauseVerdict::Pass,
                "fail" => ClauseVerdict::Fail,
                "notimpl" => ClauseVerdict::NotImplemented,
                _ => return None,
            };
            Record::Result(Observation {
                id,
                verdict,
                detail: unhex(&word()?)?,
            })
        }
        "TIMEOUT" => Record::Timeout {
            id: word()?,
            secs: word()?.parse().ok()?,
            check: unhex(&word()?)?,
            stacks: unhex(&word()?)?,
        },
        "WEDGED" => Record::Wedged(word()?),
        "LOADFAIL" => Record::LoadFailed {
            timed_out: match word()?.as_str() {
                "refused" => false,
                "timeout" => true,
                _ => return None,
            },
            secs: word()?.parse().ok()?,
            message: unhex(&word()?)?,
        },
        "RELOADFAIL" => Record::ReloadFailed {
            id: word()?,
            message: unhex(&word()?)?,
        },
        "TAINT" => Record::Tainted {
            id: word()?,
            taint: word()?.parse().ok()?,
        },
        "STOP" => Record::Stop(word()?),
        "DONE" => Record::Done,
        _ => return None,
    };
    Some(r)
}

/// Text from the script's hex (`od -An -tx1`, spaces removed; `-` = empty);
/// bytes that are not UTF-8 are replaced.
pub fn unhex(s: &str) -> Option<String> {
    if s == "-" {
        return Some(String::new());
    }
    if !s.len().is_multiple_of(2) {
        return None;
    }
    let bytes = (0..s.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(s.get(i..i + 2)?, 16).ok())
        .collect::<Option<Vec<u8>>>()?;
    Some(String::from_utf8_lossy(&bytes).into_owned())
}

/// The script's hex form of `bytes`, which [`unhex`] reads back (`-` = empty).
pub fn hex(bytes: &[u8]) -> String {
    if bytes.is_empty() {
        return "-".into();
    }
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// A new per-boot secret: 128 random bits from the kernel, as 32 hex digits.
pub fn new_secret() -> std::io::Result<String> {
    use std::io::Read;
    let mut b = [0u8; 16];
    std::fs::File::open("/dev/urandom")?.read_exact(&mut b)?;
    Ok(hex(&b))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn hex(s: &str) -> String {
        super::hex(s.as_bytes())
    }

    #[test]
    fn records_with_the_secret_in_sequence_are_read() {
        let text = format!(
            "k 1 CPU smep smap\nk 2 BEGIN rw::a\nk 3 RESULT rw::a fail {}\n\
             k 4 TIMEOUT rw::b 20 {} {}\nk 5 WEDGED rw::b\nk 6 LOADFAIL timeout 10 -\n\
             k 7 RELOADFAIL cycling.load-unload {}\nk 8 TAINT rw::c 512\nk 9 STOP hangs\nk 10 DONE\n",
            hex("expected [1, 2]\ngot [3]"),
            hex("/lab/tests/rw --exact b"),
            hex("[<0>] msleep+0x2f/0x40"),
            hex("insmod: File exists"),
        );
        let ch = parse(&text, "k");
        assert_eq!(ch.rejected, 0);
        assert_eq!(ch.records.len(), 10);
        assert_eq!(
            ch.records[0],
            Record::Cpu(vec!["smep".into(), "smap".into()])
        );
        assert_eq!(
            ch.records[2],
            Record::Result(Observation {
                id: "rw::a".into(),
                verdict: ClauseVerdict::Fail,
                detail: "expected [1, 2]\ngot [3]".into()
            })
        );
        assert!(
            matches!(&ch.records[3], Record::Timeout { id, secs: 20, check, stacks }
            if id == "rw::b" && check.ends_with("--exact b") && stacks.contains("msleep"))
        );
        assert!(matches!(
            &ch.records[5],
            Record::LoadFailed { timed_out: true, secs: 10, message } if message.is_empty()
        ));
        assert_eq!(ch.records[9], Record::Done);
    }

    #[test]
    fn forged_replayed_and_garbled_lines_are_rejected() {
        let pass = |s: &str, n: u32, id: &str| format!("{s} {n} RESULT {id} pass -\n");
        let text = [
            pass("k", 1, "rw::a"),
            // A module that guessed the format but not the secret.
            pass("@@GRADE-CLAUSE", 2, "rw::b"),
            pass("x", 2, "rw::b"),
            // A replay of a real record.
            pass("k", 1, "rw::a"),
            "k 2 RESULT rw::c maybe -\n".into(),
            "k 2 RESULT rw::c fail 4g\n".into(),
            pass("k", 2, "rw::d"),
        ]
        .concat();
        let ch = parse(&text, "k");
        let ids: Vec<_> = ch
            .records
            .iter()
            .map(|r| match r {
                Record::Result(o) => o.id.as_str(),
                _ => "?",
            })
            .collect();
        assert_eq!(ids, ["rw::a", "rw::d"]);
        assert_eq!(ch.rejected, 5);
    }

    #[test]
    fn lines_out_of_sequence_are_rejected() {
        let ch = parse(
            "k 1 BEGIN a\nk 3 RESULT a pass -\nk 2 RESULT a pass -\n",
            "k",
        );
        assert_eq!(ch.records.len(), 2);
        assert_eq!(ch.rejected, 1);
    }

    #[test]
    fn secrets_differ_and_hex_round_trips() {
        let (a, b) = (new_secret().unwrap(), new_secret().unwrap());
        assert_eq!(a.len(), 32);
        assert_ne!(a, b);
        assert_eq!(unhex(&hex("é\n|x")).as_deref(), Some("é\n|x"));
        assert_eq!(unhex("-").as_deref(), Some(""));
        assert_eq!(unhex("abc"), None);
    }
}
