//! The nick colours in style/main.css stay readable: at least 4.5:1 (WCAG AA) against every
//! background a nick is drawn on, in both themes.

const CSS: &str = include_str!("../../style/main.css");
const BACKGROUNDS: [&str; 3] = ["--bg", "--own", "--mention"];

/// The custom properties declared in `block`.
fn variables(block: &str) -> Vec<(String, String)> {
    block
        .lines()
        .filter_map(|line| {
            let line = line.trim();
            let (name, value) = line.strip_prefix("--")?.split_once(':')?;
            Some((format!("--{name}"), value.trim().trim_end_matches(';').trim().to_string()))
        })
        .collect()
}

fn theme(marker: &str) -> Vec<(String, String)> {
    let start = CSS.find(marker).unwrap_or_else(|| panic!("{marker} in main.css"));
    let end = CSS[start..].find("}").map_or(CSS.len(), |e| start + e);
    variables(&CSS[start..end])
}

fn luminance(hex: &str) -> f64 {
    let hex = hex.trim_start_matches('#');
    assert_eq!(hex.len(), 6, "colour {hex} is #rrggbb");
    let channel = |i: usize| {
        let c = f64::from(u8::from_str_radix(&hex[i..i + 2], 16).expect("hex digits")) / 255.0;
        if c <= 0.03928 {
            c / 12.92
        } else {
            ((c + 0.055) / 1.055).powf(2.4)
        }
    };
    0.2126 * channel(0) + 0.7152 * channel(2) + 0.0722 * channel(4)
}

fn contrast(a: &str, b: &str) -> f64 {
    let (la, lb) = (luminance(a), luminance(b));
    (la.max(lb) + 0.05) / (la.min(lb) + 0.05)
}

fn check(theme_name: &str, vars: &[(String, String)]) {
    let get = |name: &str| vars.iter().find(|(n, _)| n == name).map(|(_, v)| v.clone());
    let nicks: Vec<String> = (0..wschat_core::present::NICK_COLOURS)
        .map(|i| get(&format!("--nick-{i}")).unwrap_or_else(|| panic!("{theme_name} defines --nick-{i}")))
        .collect();
    for background in BACKGROUNDS {
        let bg = get(background).unwrap_or_else(|| panic!("{theme_name} defines {background}"));
        for (i, nick) in nicks.iter().enumerate() {
            let ratio = contrast(nick, &bg);
            assert!(ratio >= 4.5, "{theme_name}: --nick-{i} {nick} on {background} {bg} is {ratio:.2}:1");
        }
    }
}

#[test]
fn nick_colours_are_readable_in_both_themes() {
    check("light", &theme(":root {"));
    check("dark", &theme("@media (prefers-color-scheme: dark) {\n  :root {"));
}

#[test]
fn contrast_formula_matches_wcag() {
    assert!((contrast("#000000", "#ffffff") - 21.0).abs() < 1e-9);
    assert!((contrast("#777777", "#ffffff") - 4.48).abs() < 0.01);
}
