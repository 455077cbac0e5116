//! Config fragments: parsing, and checking that every requested option
//! survived `olddefconfig` (merge_config drops unmet options silently).

use anyhow::{bail, Result};
use std::collections::BTreeMap;

/// What a fragment asks for: `CONFIG_X=value`, or `# CONFIG_X is not set` (= "n").
pub fn parse(text: &str) -> Result<BTreeMap<String, String>> {
    let mut wanted = BTreeMap::new();
    for (n, raw) in text.lines().enumerate() {
        let line = raw.trim();
        if let Some(rest) = line.strip_prefix("# ") {
            if let Some(name) = rest.strip_suffix(" is not set") {
                if name.starts_with("CONFIG_") {
                    wanted.insert(name.to_string(), "n".to_string());
                }
            }
            continue;
        }
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        match line.split_once('=') {
            Some((name, value)) if name.starts_with("CONFIG_") && !value.is_empty() => {
                wanted.insert(name.to_string(), value.to_string());
            }
            _ => bail!("line {}: not CONFIG_NAME=value: {raw:?}", n + 1),
        }
    }
    Ok(wanted)
}

/// Lines of the wanted options that the final `.config` does not have, as
/// "CONFIG_X: wanted y, got n".
pub fn missing(wanted: &BTreeMap<String, String>, config: &str) -> Vec<String> {
    let got = parse_config(config);
    wanted
        .iter()
        .filter_map(|(name, want)| {
            let have = got.get(name).map(String::as_str).unwrap_or("n");
            (have != want).then(|| format!("{name}: wanted {want}, got {have}"))
        })
        .collect()
}

fn parse_config(config: &str) -> BTreeMap<String, String> {
    config
        .lines()
        .filter_map(|l| l.split_once('='))
        .filter(|(name, _)| name.starts_with("CONFIG_"))
        .map(|(n, v)| (n.to_string(), v.to_string()))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_values_and_not_set() {
        let w =
            parse("# comment\nCONFIG_A=y\n\n# CONFIG_B is not set\nCONFIG_C=\"x y\"\n").unwrap();
        assert_eq!(w["CONFIG_A"], "y");
        assert_eq!(w["CONFIG_B"], "n");
        assert_eq!(w["CONFIG_C"], "\"x y\"");
        assert_eq!(w.len(), 3);
    }

    #[test]
    fn rejects_garbage() {
        assert!(parse("CONFIG_A\n").is_err());
        assert!(parse("FOO=y\n").is_err());
    }

    #[test]
    fn reports_dropped_and_changed_options() {
        let w = parse("CONFIG_A=y\nCONFIG_B=y\n# CONFIG_C is not set\nCONFIG_D=8\n").unwrap();
        let cfg = "CONFIG_A=y\n# CONFIG_B is not set\nCONFIG_D=4\n";
        assert_eq!(
            missing(&w, cfg),
            vec!["CONFIG_B: wanted y, got n", "CONFIG_D: wanted 8, got 4"]
        );
        assert!(missing(&w, "CONFIG_A=y\nCONFIG_B=y\nCONFIG_D=8\n").is_empty());
    }
}
