//! The rubric: a TOML file an instructor edits (`grading/rubric.toml`). Each
//! `[[clause]]` has an `id` (as listed in docs/device.md, "Clause ids"), a
//! `group` (one of [`GROUPS`]), `points`, and optionally `bonus = true`
//! (earned on top of the total) and `contract` (the contract row it checks).

use std::collections::BTreeSet;
use std::path::Path;

use anyhow::{bail, Context, Result};
use serde::Deserialize;

/// Clause groups, in the order the guest runs them. A crash costs the
/// clauses of the group it happened in.
pub const GROUPS: [&str; 5] = ["conformance", "seed", "race", "stress", "cycling"];

/// The groups of a handout's other parts (grading/rubric-parts.toml), each graded in a boot
/// of its own: part 1's hello module and part 5's in-kernel module.
pub const PART_GROUPS: [&str; 2] = ["hello", "kernel-test"];

#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Clause {
    pub id: String,
    pub group: String,
    pub points: u32,
    #[serde(default)]
    pub bonus: bool,
    /// The contract row (docs/device.md) this clause checks; for the reader.
    #[serde(default)]
    pub contract: String,
    /// The lab part it belongs to (1-5); none: the part of the module graded.
    #[serde(default)]
    pub part: Option<u8>,
    /// What the assignment asked (a rubric profile says it per clause; shown in grade.md).
    #[serde(default)]
    pub asked: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Rubric {
    #[serde(rename = "clause")]
    pub clauses: Vec<Clause>,
}

impl Rubric {
    /// Parses and checks a rubric: ids unique and non-empty, groups known.
    pub fn parse(text: &str) -> Result<Rubric> {
        let rubric: Rubric = toml::from_str(text)?;
        let mut seen = BTreeSet::new();
        for c in &rubric.clauses {
            if c.id.trim().is_empty() {
                bail!("a clause has an empty id");
            }
            if !seen.insert(c.id.as_str()) {
                bail!("clause {:?} appears twice", c.id);
            }
            if !GROUPS.contains(&c.group.as_str()) && !PART_GROUPS.contains(&c.group.as_str()) {
                bail!(
                    "clause {:?}: unknown group {:?} (groups: {}, {})",
                    c.id,
                    c.group,
                    GROUPS.join(", "),
                    PART_GROUPS.join(", ")
                );
            }
            if c.part.is_some_and(|p| !(1..=5).contains(&p)) {
                bail!("clause {:?}: part must be 1-5", c.id);
            }
        }
        if rubric.clauses.is_empty() {
            bail!("the rubric has no clause");
        }
        Ok(rubric)
    }

    pub fn load(path: &Path) -> Result<Rubric> {
        let text = std::fs::read_to_string(path)
            .with_context(|| format!("cannot read the rubric {}", path.display()))?;
        Rubric::parse(&text).with_context(|| format!("rubric {}", path.display()))
    }

    pub fn get(&self, id: &str) -> Option<&Clause> {
        self.clauses.iter().find(|c| c.id == id)
    }

    /// Sum of the points of the clauses that are not bonus.
    pub fn total(&self) -> u32 {
        self.clauses
            .iter()
            .filter(|c| !c.bonus)
            .map(|c| c.points)
            .sum()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_and_totals() {
        let r = Rubric::parse(
            r#"
[[clause]]
id = "rw::a"
group = "conformance"
points = 3
[[clause]]
id = "race.fetch-add"
group = "race"
points = 2
bonus = true
"#,
        )
        .unwrap();
        assert_eq!(r.total(), 3);
        assert!(r.get("race.fetch-add").unwrap().bonus);
    }

    #[test]
    fn rejects_duplicates_unknown_groups_and_fields() {
        let dup = "[[clause]]\nid='a'\ngroup='seed'\npoints=1\n[[clause]]\nid='a'\ngroup='seed'\npoints=1\n";
        assert!(format!("{:#}", Rubric::parse(dup).unwrap_err()).contains("twice"));
        let group = "[[clause]]\nid='a'\ngroup='nope'\npoints=1\n";
        assert!(format!("{:#}", Rubric::parse(group).unwrap_err()).contains("unknown group"));
        let field = "[[clause]]\nid='a'\ngroup='seed'\npoints=1\nweight=2\n";
        assert!(Rubric::parse(field).is_err());
    }
}
