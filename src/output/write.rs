//! Atomic output files.
//!
//! Every output is written to a temporary file in the destination folder and
//! renamed over the final name only once it is complete and flushed, so a
//! crash or a full disk never leaves a half-written `assignment.csv` that a
//! platform import could pick up. A run stages all its files first and
//! renames them only when every one is complete, so a failure part-way
//! leaves the previous run's files as they were. Rename within one folder is atomic on
//! POSIX file systems. An output path that names one of the inputs is
//! refused before anything is written.
//!
//! # The manifest
//! A run also writes [`MANIFEST`] into its folder: the names of the files
//! it wrote, one a line. The next run into that folder, once its own
//! files are renamed into place, removes every file the old manifest
//! lists that it did not write itself ([`commit_run`]): a second run with
//! fewer `--format`s leaves no grids.shp or gridplan.gpkg of the first.
//! Only plain file names listed in the old manifest are ever removed
//! (never a path with a separator, never an input, never a file the
//! manifest does not name), so a user's own files in the folder are safe.

use std::fs;
use std::io::{self, BufWriter, Write};
use std::path::{Path, PathBuf};

/// Why an output could not be written.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum WriteError {
    /// The operating system refused.
    #[error("cannot write {}", path.display())]
    Io {
        /// The file being written.
        path: PathBuf,
        /// The underlying error.
        source: io::Error,
    },
    /// The output would replace an input file.
    #[error("refusing to overwrite the input file {}", path.display())]
    WouldOverwriteInput {
        /// The output path that names an input.
        path: PathBuf,
    },
}

fn io_err(path: &Path) -> impl FnOnce(io::Error) -> WriteError + '_ {
    move |source| WriteError::Io {
        path: path.to_path_buf(),
        source,
    }
}

/// Creates `dir` (and its parents) when missing.
///
/// # Errors
/// [`WriteError::Io`] when the folder cannot be created.
pub fn ensure_dir(dir: &Path) -> Result<(), WriteError> {
    fs::create_dir_all(dir).map_err(io_err(dir))
}

/// Refuses `out` when it is the same file as any of `inputs`.
///
/// # Errors
/// [`WriteError::WouldOverwriteInput`].
pub fn check_not_input(out: &Path, inputs: &[&Path]) -> Result<(), WriteError> {
    let Ok(out_c) = fs::canonicalize(out) else {
        // The output does not exist yet, so it cannot be an input.
        return Ok(());
    };
    for input in inputs {
        if fs::canonicalize(input).is_ok_and(|c| c == out_c) {
            return Err(WriteError::WouldOverwriteInput {
                path: out.to_path_buf(),
            });
        }
    }
    Ok(())
}

/// A finished temporary file waiting to be renamed over its destination.
/// Dropping it without [`commit`] removes the temporary file.
#[derive(Debug)]
pub struct Staged {
    tmp: PathBuf,
    dest: PathBuf,
    done: bool,
}

impl Staged {
    /// The file this will become.
    #[must_use]
    pub fn dest(&self) -> &Path {
        &self.dest
    }
}

impl Drop for Staged {
    fn drop(&mut self) {
        if !self.done {
            let _ = fs::remove_file(&self.tmp);
        }
    }
}

/// Writes `body` into a fresh temporary file beside `path`, flushed and
/// synced, without touching `path` yet.
///
/// The temporary file is created with `create_new`, so an existing file or
/// symbolic link of that name is never followed or overwritten.
///
/// # Errors
/// [`WriteError::Io`] naming `path`; the temporary file is removed.
pub fn stage(
    path: &Path,
    body: impl FnOnce(&mut dyn Write) -> io::Result<()>,
) -> Result<Staged, WriteError> {
    let dir = path
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    let name = path
        .file_name()
        .map_or_else(|| "out".into(), |n| n.to_string_lossy().into_owned());
    // Process id plus clock: unique enough that a temporary file left by a
    // killed run never blocks the next one (create_new would refuse it).
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.subsec_nanos());
    let tmp = dir.join(format!(".{name}.{}.{nanos}.tmp", std::process::id()));
    let file = fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .open(&tmp)
        .map_err(io_err(path))?;
    // From here on the guard removes the temporary file on any error.
    let staged = Staged {
        tmp,
        dest: path.to_path_buf(),
        done: false,
    };
    let result = (|| -> io::Result<()> {
        let mut w = BufWriter::with_capacity(1 << 20, file);
        body(&mut w)?;
        let file = w.into_inner().map_err(io::IntoInnerError::into_error)?;
        file.sync_all()
    })();
    result.map_err(io_err(path))?;
    Ok(staged)
}

/// Renames every staged file over its destination. Every file was already
/// written in full, so a run's outputs are replaced together or (when a
/// rename fails, which only the file system can cause) as far as possible.
///
/// # Errors
/// [`WriteError::Io`] naming the destination that could not be replaced.
pub fn commit(staged: Vec<Staged>) -> Result<(), WriteError> {
    for mut s in staged {
        fs::rename(&s.tmp, &s.dest).map_err(io_err(&s.dest))?;
        s.done = true;
    }
    Ok(())
}

/// Writes `path` atomically: `body` fills a temporary sibling file, which is
/// flushed, synced and renamed over `path`. On any error the temporary file
/// is removed and `path` is left as it was.
///
/// # Errors
/// [`WriteError::Io`] naming `path`.
pub fn write_atomic(
    path: &Path,
    body: impl FnOnce(&mut dyn Write) -> io::Result<()>,
) -> Result<(), WriteError> {
    commit(vec![stage(path, body)?])
}

/// The manifest of a run's folder (module docs, "The manifest").
pub const MANIFEST: &str = ".gridplan-manifest";

/// The first line of a manifest, for a user who opens it.
const MANIFEST_HEADER: &str = "# Files gridplan wrote here in its last run. The next run into this folder removes those it does not write again; other files are never touched.";

/// The file names an earlier run's manifest in `dir` lists: plain names
/// only (a line with a path separator, `..` or nothing is skipped).
#[must_use]
pub fn read_manifest(dir: &Path) -> Vec<String> {
    let Ok(text) = fs::read_to_string(dir.join(MANIFEST)) else {
        return Vec::new();
    };
    text.lines()
        .map(str::trim)
        .filter(|l| !l.is_empty() && !l.starts_with('#'))
        .filter(|l| {
            *l != ".."
                && *l != "."
                && *l != MANIFEST
                && !l.contains(['/', '\\'])
                && Path::new(l).file_name().is_some_and(|n| n == *l)
        })
        .map(str::to_string)
        .collect()
}

/// Commits a run's `staged` files into `dir` with a new manifest naming
/// them, then removes the files of the earlier run's manifest that this
/// run did not write (never one of `inputs`).
///
/// # Errors
/// [`WriteError::Io`] naming a file that could not be replaced or
/// removed.
pub fn commit_run(dir: &Path, mut staged: Vec<Staged>, inputs: &[&Path]) -> Result<(), WriteError> {
    let old = read_manifest(dir);
    let mut names: Vec<String> = staged
        .iter()
        .filter_map(|s| s.dest.file_name())
        .map(|n| n.to_string_lossy().into_owned())
        .collect();
    names.sort();
    names.dedup();
    let body = names
        .iter()
        .fold(format!("{MANIFEST_HEADER}\n"), |mut b, n| {
            b.push_str(n);
            b.push('\n');
            b
        });
    staged.push(stage(&dir.join(MANIFEST), |w| {
        w.write_all(body.as_bytes())
    })?);
    commit(staged)?;
    for name in old.iter().filter(|n| names.binary_search(n).is_err()) {
        let stale = dir.join(name);
        if stale.is_file() && check_not_input(&stale, inputs).is_ok() {
            fs::remove_file(&stale).map_err(io_err(&stale))?;
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_run_removes_what_the_last_one_wrote_and_it_did_not() {
        let dir = tempfile::tempdir().unwrap();
        let d = dir.path();
        let run = |names: &[&str], inputs: &[&Path]| {
            let staged = names
                .iter()
                .map(|n| stage(&d.join(n), |w| w.write_all(n.as_bytes())).unwrap())
                .collect();
            commit_run(d, staged, inputs).unwrap();
        };
        fs::write(d.join("notes.txt"), "mine").unwrap();
        run(&["a.csv", "grids.shp", "gridplan.gpkg"], &[]);
        assert!(read_manifest(d).contains(&"grids.shp".to_string()));
        run(&["a.csv"], &[]);
        assert!(!d.join("grids.shp").exists() && !d.join("gridplan.gpkg").exists());
        assert_eq!(fs::read(d.join("a.csv")).unwrap(), b"a.csv");
        // A user file is never listed, so never removed.
        assert!(d.join("notes.txt").exists());
        // A hand-edited manifest cannot reach outside the folder, nor
        // remove an input.
        let outside = tempfile::tempdir().unwrap();
        let victim = outside.path().join("v.txt");
        fs::write(&victim, "keep").unwrap();
        fs::write(d.join("input.geojson"), "{}").unwrap();
        fs::write(
            d.join(MANIFEST),
            format!(
                "# x\n{}\n../v.txt\ninput.geojson\nnotes.txt\n",
                victim.display()
            ),
        )
        .unwrap();
        let input = d.join("input.geojson");
        run(&["a.csv"], &[&input]);
        assert!(victim.exists() && input.exists());
        // A file the user added to the manifest is the user's choice.
        assert!(!d.join("notes.txt").exists());
        assert_eq!(read_manifest(d), ["a.csv"]);
    }

    #[test]
    fn failed_write_leaves_old_file() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("a.csv");
        write_atomic(&p, |w| w.write_all(b"old")).unwrap();
        let err = write_atomic(&p, |w| {
            w.write_all(b"partial")?;
            Err(io::Error::other("boom"))
        });
        assert!(err.is_err());
        assert_eq!(fs::read(&p).unwrap(), b"old");
        // No temporary file is left behind.
        assert_eq!(fs::read_dir(dir.path()).unwrap().count(), 1);
    }

    #[test]
    fn staged_files_replace_together_or_not_at_all() {
        let dir = tempfile::tempdir().unwrap();
        let a = dir.path().join("a.csv");
        let b = dir.path().join("b.json");
        write_atomic(&a, |w| w.write_all(b"old a")).unwrap();
        write_atomic(&b, |w| w.write_all(b"old b")).unwrap();
        // The second file fails: neither output changes.
        let sa = stage(&a, |w| w.write_all(b"new a")).unwrap();
        let sb = stage(&b, |_| Err(io::Error::other("disk full")));
        assert!(sb.is_err());
        drop(sa);
        assert_eq!(fs::read(&a).unwrap(), b"old a");
        assert_eq!(fs::read(&b).unwrap(), b"old b");
        assert_eq!(fs::read_dir(dir.path()).unwrap().count(), 2);
        // Both succeed: both change.
        let sa = stage(&a, |w| w.write_all(b"new a")).unwrap();
        let sb = stage(&b, |w| w.write_all(b"new b")).unwrap();
        commit(vec![sa, sb]).unwrap();
        assert_eq!(fs::read(&a).unwrap(), b"new a");
        assert_eq!(fs::read(&b).unwrap(), b"new b");
    }

    #[test]
    fn refuses_to_overwrite_input() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("h.geojson");
        fs::write(&p, "{}").unwrap();
        assert!(check_not_input(&p, &[&p]).is_err());
        assert!(check_not_input(&dir.path().join("x"), &[&p]).is_ok());
    }
}
