//! The rubric profiles beside grading/rubric.toml (the full contract): the seed lab's own
//! assignment (grading/rubric-seed.toml) grades the same clauses, says for each what the
//! assignment asked, and gives nothing for what the seed lab does not ask.

use std::path::{Path, PathBuf};

use grade::Rubric;

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

fn load(file: &str) -> Rubric {
    Rubric::load(&root().join(file)).unwrap()
}

#[test]
fn the_seed_profile_has_the_full_rubric_s_clauses_in_order() {
    let full = load("grading/rubric.toml");
    let seed = load("grading/rubric-seed.toml");
    let key = |r: &Rubric| -> Vec<(String, String, bool)> {
        r.clauses
            .iter()
            .map(|c| (c.id.clone(), c.group.clone(), c.bonus))
            .collect()
    };
    assert_eq!(
        key(&seed),
        key(&full),
        "grading/rubric-seed.toml must list rubric.toml's clauses (id, group, bonus), in order"
    );
    for (s, f) in seed.clauses.iter().zip(&full.clauses) {
        assert!(!s.asked.is_empty(), "{}: no `asked`", s.id);
        assert!(s.points == f.points || s.points == 0, "{}: points", s.id);
        assert_eq!(
            s.points == 0 && f.points > 0,
            s.asked.starts_with("not asked"),
            "{}",
            s.id
        );
    }
}

#[test]
fn the_seed_profile_asks_no_mmap_splice_fsync_or_append() {
    let seed = load("grading/rubric-seed.toml");
    for c in &seed.clauses {
        let extra = ["mmap::", "splice::", "fsync::", "append::", "stress."]
            .iter()
            .any(|p| c.id.starts_with(p));
        if extra {
            assert_eq!(c.points, 0, "{} counts in the seed profile", c.id);
        }
    }
    for asked in [
        "rw::round_trip_read_write",
        "seek::seek_set",
        "ioctl::fetch_add_semantics",
        "lock::lock_blocks_until_unlock",
        "race.fetch-add",
        "race.kernel-lock",
    ] {
        assert!(seed.get(asked).unwrap().points > 0, "{asked}");
    }
    assert!(seed.total() > 50, "seed total {}", seed.total());
    // The seed lab's part 2 is a character device with a class: a world-writable node is
    // asked, a misc device is not.
    assert!(
        seed.get("rw::device_node_is_a_world_writable_char_device")
            .unwrap()
            .points
            > 0
    );
    assert_eq!(
        seed.get("rw::device_node_is_a_misc_device").unwrap().points,
        0
    );
}

#[test]
fn every_clause_id_is_in_both_profiles() {
    let ids = |r: &Rubric| -> std::collections::BTreeSet<String> {
        r.clauses.iter().map(|c| c.id.clone()).collect()
    };
    let (full, seed) = (
        ids(&load("grading/rubric.toml")),
        ids(&load("grading/rubric-seed.toml")),
    );
    let only_full: Vec<_> = full.difference(&seed).collect();
    let only_seed: Vec<_> = seed.difference(&full).collect();
    assert!(
        only_full.is_empty() && only_seed.is_empty(),
        "only in rubric.toml: {only_full:?}; only in rubric-seed.toml: {only_seed:?}"
    );
}

#[test]
fn the_parts_rubric_covers_parts_1_and_5() {
    let parts = load("grading/rubric-parts.toml");
    for c in &parts.clauses {
        assert!(matches!(c.part, Some(1 | 5)), "{}", c.id);
        assert!(!c.asked.is_empty(), "{}", c.id);
    }
}
