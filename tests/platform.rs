//! What a grid platform takes (issue 12, items 3-5): free-text zone kinds,
//! grid names and the platform's fields in every layer, and the roster
//! spreadsheet grids.xlsx, opened in LibreOffice and compared row for row
//! with the GeoJSON layers.

use std::path::{Path, PathBuf};
use std::process::Command;

use gridplan::output::export::FieldKind;
use gridplan::output::fields::{GRID_FIELDS, MICRO_FIELDS};
use serde_json::Value;

use crate::common::{metrics, ok, partition, read_json, small_county, tool_or_skip, write};

/// The effective date every run here passes, so the layers do not depend
/// on the day the tests run.
const DATE: &str = "2024-06-30";

/// A copy of the small county whose zones have the kinds given (in zone
/// order), plus one empty zone far from any household with kind `extra`.
fn county_with_kinds(kinds: &[&str], extra: &str) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    for f in ["households.geojson", "boundaries.geojson"] {
        std::fs::copy(small_county().join(f), dir.path().join(f)).unwrap();
    }
    let mut zones = read_json(&small_county().join("zones.geojson"));
    let feats = zones["features"].as_array_mut().unwrap();
    for (f, k) in feats.iter_mut().zip(kinds) {
        f["properties"]["kind"] = Value::from(*k);
    }
    feats.push(serde_json::json!({
        "type": "Feature",
        "properties": {"code": "Z099", "name": "远港", "kind": extra},
        "geometry": {"type": "Polygon", "coordinates": [[[100.0, 10.0], [100.001, 10.0], [100.001, 10.001], [100.0, 10.001], [100.0, 10.0]]]}
    }));
    write(dir.path(), "zones.geojson", &zones.to_string());
    dir
}

/// `gridplan partition` of `county` with its zones into `out`.
fn run(county: &Path, out: &Path, extra: &[&str]) -> std::process::Output {
    let zones = county.join("zones.geojson");
    let mut args = vec![
        "--dedicated",
        zones.to_str().unwrap(),
        "--target",
        "367",
        "--effective-date",
        DATE,
    ];
    args.extend_from_slice(extra);
    partition(county, out, &args)
}

fn features(path: &Path) -> Vec<serde_json::Map<String, Value>> {
    read_json(path)["features"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["properties"].as_object().unwrap().clone())
        .collect()
}

// Issue 12: "Zones with kinds `industrial` and `工业园区` are accepted and
// reported."
#[test]
fn zones_of_free_text_kinds_are_accepted_counted_and_reported() {
    let county = county_with_kinds(&["industrial", "工业园区"], "港口");
    let out = county.path().join("out");
    let o = run(county.path(), &out, &[]);
    ok(&o);
    let stderr = String::from_utf8_lossy(&o.stderr);
    let warnings: Vec<&str> = stderr
        .lines()
        .filter(|l| l.starts_with("gridplan: warning:"))
        .collect();
    assert_eq!(
        warnings,
        [
            "gridplan: warning: 1 dedicated zone kind(s) not recognised, counted as other: \"港口\" (Z099)"
        ],
        "{stderr}"
    );
    let kinds = &metrics(&out)["zone_kinds"];
    assert_eq!(kinds["categories"][0]["category"], "park");
    assert_eq!(kinds["categories"][0]["zones"], 2);
    assert!(kinds["categories"][0]["households"].as_u64().unwrap() > 0);
    assert_eq!(kinds["categories"][1]["category"], "other");
    assert_eq!(kinds["unknown"][0]["kind"], "港口");
    assert_eq!(kinds["unknown"][0]["zones"][0], "Z099");
    // The layers carry the kind as given and its category.
    let dedicated: Vec<_> = features(&out.join("grids.geojson"))
        .into_iter()
        .filter(|p| p["grid_type"] == "dedicated")
        .collect();
    let given: std::collections::BTreeSet<&str> = dedicated
        .iter()
        .map(|p| p["zone_kind"].as_str().unwrap())
        .collect();
    assert_eq!(given, ["industrial", "工业园区"].into_iter().collect());
    for p in &dedicated {
        assert_eq!(p["zone_category"], "park");
        assert_eq!(p["type_zh"], "专属网格");
        let name = p["grid_name"].as_str().unwrap();
        assert!(name.ends_with("专属网格"), "{name}");
    }
}

#[test]
fn every_grid_has_a_name_and_the_platform_fields() {
    let county = county_with_kinds(&[], "park");
    let out = county.path().join("out");
    ok(&run(county.path(), &out, &[]));
    let grids = features(&out.join("grids.geojson"));
    let boundaries = read_json(&county.path().join("boundaries.geojson"));
    let name_of = |code: &str| {
        boundaries["features"]
            .as_array()
            .unwrap()
            .iter()
            .find(|f| f["properties"]["code"] == code)
            .map(|f| f["properties"]["name"].as_str().unwrap().to_string())
            .unwrap()
    };
    for p in &grids {
        let code = p["grid_code"].as_str().unwrap();
        assert_eq!(p["effective_date"], DATE);
        assert_eq!(
            p["village_name"],
            name_of(p["village_code"].as_str().unwrap())
        );
        assert_eq!(p["town_name"], name_of(p["town_code"].as_str().unwrap()));
        if p["grid_type"] == "full_scope" {
            let n: usize = code[12..].parse().unwrap();
            let want = format!("{}第{n}网格", p["village_name"].as_str().unwrap());
            assert_eq!(p["grid_name"], want.as_str());
            assert_eq!(p["type_zh"], "全科网格");
        }
    }
    let micro = features(&out.join("micro_grids.geojson"));
    for p in &micro {
        let code = p["grid_code"].as_str().unwrap();
        let m: usize = code[15..].parse().unwrap();
        let want = format!("{}{m}号微网格", p["parent_name"].as_str().unwrap());
        assert_eq!(p["grid_name"], want.as_str());
        assert_eq!(
            (&p["type_zh"], &p["grid_type"]),
            (&"微网格".into(), &"micro".into())
        );
    }
    // Property order is the field order, the same in every feature.
    for (file, fields) in [
        ("grids.geojson", GRID_FIELDS),
        ("micro_grids.geojson", MICRO_FIELDS),
    ] {
        let text = std::fs::read_to_string(out.join(file)).unwrap();
        for props in text.split("\"properties\":{").skip(1) {
            let props = &props[..props.find('}').unwrap()];
            let at: Vec<usize> = fields
                .iter()
                .map(|(k, _)| props.find(&format!("\"{k}\":")).unwrap())
                .collect();
            assert!(at.windows(2).all(|w| w[0] < w[1]), "{props}");
        }
    }
}

#[test]
fn naming_templates_change_names_and_bad_placeholders_are_refused() {
    let county = county_with_kinds(&[], "park");
    let cfg = write(
        county.path(),
        "gridplan.toml",
        "[naming]\nfull_scope = \"{town_name}{village_name}{n}号\"\nmicro = \"{grid_code}-{m}\"\n",
    );
    let out = county.path().join("out");
    ok(&run(
        county.path(),
        &out,
        &["--config", cfg.to_str().unwrap()],
    ));
    let g = features(&out.join("grids.geojson"));
    let p = g.iter().find(|p| p["grid_type"] == "full_scope").unwrap();
    let n: usize = p["grid_code"].as_str().unwrap()[12..].parse().unwrap();
    let want = format!(
        "{}{}{n}号",
        p["town_name"].as_str().unwrap(),
        p["village_name"].as_str().unwrap()
    );
    assert_eq!(p["grid_name"], want.as_str());
    let m = &features(&out.join("micro_grids.geojson"))[0];
    let code = m["grid_code"].as_str().unwrap();
    assert_eq!(
        m["grid_name"],
        format!("{}-{}", &code[..15], code[15..].parse::<u32>().unwrap()).as_str()
    );
    // An unknown placeholder stops the run before any work, naming the key.
    let bad = write(
        county.path(),
        "bad.toml",
        "[naming]\ndedicated = \"{village}专属\"\n",
    );
    let o = run(
        county.path(),
        &county.path().join("out2"),
        &["--config", bad.to_str().unwrap()],
    );
    assert_eq!(o.status.code(), Some(2));
    let e = String::from_utf8_lossy(&o.stderr);
    assert!(
        e.contains(
            "bad.toml: [naming] dedicated: unknown placeholder {village}; dedicated may use"
        ),
        "{e}"
    );
    assert!(!county.path().join("out2").join("grids.geojson").exists());
}

// ---- The roster in LibreOffice ----

/// Converts every sheet of `xlsx` to CSV with LibreOffice (≥ 7.2: sheet
/// -1 writes one `<stem>-<sheet>.csv` per sheet), text cells quoted so a
/// code is seen to be text; returns the folder.
fn sheets_as_csv(xlsx: &Path, dir: &Path) -> PathBuf {
    let out = dir.join("csv");
    let profile = dir.join("lo-profile");
    let o = Command::new("soffice")
        .arg(format!(
            "-env:UserInstallation=file://{}",
            profile.display()
        ))
        .args(["--headless", "--convert-to"])
        .arg("csv:Text - txt - csv (StarCalc):44,34,76,1,,0,true,true,false,false,false,-1")
        .arg("--outdir")
        .arg(&out)
        .arg(xlsx)
        .output()
        .expect("soffice runs");
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    out
}

/// One CSV cell as LibreOffice wrote it: whether it was quoted (a text
/// cell) and its text.
fn cells(line: &str) -> Vec<(bool, String)> {
    let mut out = Vec::new();
    let mut rest = line;
    loop {
        let (cell, tail) = if let Some(r) = rest.strip_prefix('"') {
            let mut s = String::new();
            let mut chars = r.char_indices();
            let mut end = r.len();
            while let Some((i, c)) = chars.next() {
                if c == '"' {
                    if r[i + 1..].starts_with('"') {
                        s.push('"');
                        chars.next();
                    } else {
                        end = i + 1;
                        break;
                    }
                } else {
                    s.push(c);
                }
            }
            ((true, s), &r[end..])
        } else {
            let end = rest.find(',').unwrap_or(rest.len());
            ((false, rest[..end].to_string()), &rest[end..])
        };
        out.push(cell);
        match tail.strip_prefix(',') {
            Some(t) => rest = t,
            None => return out,
        }
    }
}

/// Compares one sheet with the features' properties, row for row; its
/// second row must be the layer's `fields`, in order.
fn same_rows(csv: &Path, fields: &[(&str, FieldKind)], rows: &[serde_json::Map<String, Value>]) {
    let text = std::fs::read_to_string(csv).unwrap_or_else(|e| panic!("{}: {e}", csv.display()));
    let lines: Vec<&str> = text.lines().collect();
    let keys: Vec<String> = cells(lines[1]).into_iter().map(|c| c.1).collect();
    assert_eq!(lines.len() - 2, rows.len(), "{}", csv.display());
    for (line, p) in lines[2..].iter().zip(rows) {
        let cs = cells(line);
        assert_eq!(cs.len(), keys.len(), "{line}");
        assert_eq!(
            keys,
            fields.iter().map(|f| f.0).collect::<Vec<_>>(),
            "the layer's fields in order"
        );
        assert_eq!(p.len(), keys.len());
        for ((quoted, c), k) in cs.iter().zip(&keys) {
            match &p[k] {
                Value::String(s) if k == "effective_date" => assert_eq!((c, quoted), (s, &false)),
                // Empty text is an empty cell; every other text cell is
                // text, so codes keep their digits.
                Value::String(s) => {
                    assert!(c == s && (*quoted || s.is_empty()), "{k}: {c:?} vs {s:?}");
                }
                Value::Number(n) => {
                    let x = n.as_f64().unwrap();
                    let y: f64 = c.parse().unwrap_or_else(|_| panic!("{k}: {c:?}"));
                    assert!(
                        !quoted && (x - y).abs() <= 1e-9 * x.abs().max(1.0),
                        "{k}: {c} vs {x}"
                    );
                }
                other => panic!("{k}: {other}"),
            }
        }
    }
}

#[test]
fn roster_opens_in_libreoffice_and_matches_the_layers_row_for_row() {
    if !tool_or_skip(&["soffice"], "libreoffice-calc-nogui") {
        return;
    }
    // The small county's households carry a current plan: 变更 is there.
    let county = county_with_kinds(&["industrial", "学校"], "park");
    let out = county.path().join("out");
    ok(&run(county.path(), &out, &["--format", "geojson,xlsx"]));
    let csv = sheets_as_csv(&out.join("grids.xlsx"), county.path());
    let grids = features(&out.join("grids.geojson"));
    let (dedicated, full): (Vec<_>, Vec<_>) = grids
        .into_iter()
        .partition(|p| p["grid_type"] == "dedicated");
    assert!(!dedicated.is_empty() && !full.is_empty());
    same_rows(&csv.join("grids-全科网格.csv"), GRID_FIELDS, &full);
    same_rows(&csv.join("grids-专属网格.csv"), GRID_FIELDS, &dedicated);
    let micro = features(&out.join("micro_grids.geojson"));
    same_rows(&csv.join("grids-微网格.csv"), MICRO_FIELDS, &micro);
    // Row 1 is Chinese.
    let first = std::fs::read_to_string(csv.join("grids-全科网格.csv")).unwrap();
    assert!(
        first.starts_with("\"网格名称\",\"网格编码\",\"网格类型\""),
        "{first}"
    );
    // 变更 is transition.csv with the new grid's name and the fate in Chinese.
    let changes = std::fs::read_to_string(csv.join("grids-变更.csv")).unwrap();
    let transition = std::fs::read_to_string(out.join("transition.csv")).unwrap();
    let t: Vec<Vec<(bool, String)>> = transition.lines().skip(1).map(cells).collect();
    let c: Vec<Vec<(bool, String)>> = changes.lines().skip(2).map(cells).collect();
    assert_eq!(c.len(), t.len());
    for (c, t) in c.iter().zip(&t) {
        let pick = |i: usize| c[i].1.clone();
        let picked = [
            pick(0),
            pick(1),
            pick(3),
            pick(4),
            pick(5),
            pick(6),
            pick(8),
            pick(9),
        ];
        let want: Vec<String> = t.iter().map(|x| x.1.clone()).collect();
        assert_eq!(picked.to_vec(), want);
        assert!(c[0].0 && c[1].0, "codes are text cells: {c:?}");
        assert!(!c[2].1.is_empty());
    }
}
